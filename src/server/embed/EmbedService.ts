import { createHash } from 'node:crypto';
import { Counter, type Registry } from 'prom-client';
import { embedTicketPairSchema, type EmbedSession } from '../../protocol/embed.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { memberView, roomView } from '../core/presenters.js';
import { parseInput } from '../core/validate.js';
import type { RoomRecord } from '../storage/records.js';
import { StoreConflictError } from '../storage/RoomStore.js';
import type { Integrator, Integrators } from './Integrators.js';
import type { CheckedTicket, Tickets } from './Tickets.js';

/** Why a ticket was turned away, or that it was taken: the label of the tickets counter. */
type TicketResult = 'accepted' | AppError['code'];

/**
 * Turns verified tickets into members: the integrator's room (created on first use, under an
 * id derived from the integrator's own room name) and the person the ticket names, as the same
 * member each time. Counts every ticket, accepted or refused by reason.
 */
export class EmbedService {
  private readonly counted: Counter<'result'>;

  constructor(
    private readonly ctx: RoomkitContext,
    readonly integrators: Integrators,
    readonly tickets: Tickets,
    registry: Registry,
  ) {
    this.counted = new Counter({
      name: 'roomkit_embed_tickets_total',
      help: 'Embed tickets presented, by result: accepted, or the refusal code.',
      labelNames: ['result'],
      registers: [registry],
    });
  }

  /**
   * `POST /embed/exchange`: once `admit` lets the request through (the rate limit), redeems the
   * ticket (its nonce is used up) and enters its room as its person. The answer's token is a
   * member token like any other. Counted as accepted only once the person is in the room; any
   * refusal on the way (a malformed body, a ban, a name the rules refuse) by its code.
   */
  async exchange(body: unknown, admit: () => Promise<void>): Promise<EmbedSession> {
    return this.counting(async () => {
      await admit();
      const checked = await this.tickets.redeem(parseInput(embedTicketPairSchema, body));
      const { integrator, ticket } = checked;
      const room = await this.roomFor(checked);
      const { member, token } = await this.ctx.rooms.join(
        { roomId: room.id },
        {
          earlier: [],
          ticket: {
            externalId: `${integrator.id}:${ticket.userId}`,
            displayName: ticket.displayName,
            role: ticket.role,
            avatarUrl: ticket.avatarUrl,
          },
        },
      );
      return {
        token,
        member: memberView(member),
        room: roomView(room),
        integratorId: integrator.id,
        origin: ticket.origin,
        ...(ticket.theme && { theme: ticket.theme }),
      };
    }, true);
  }

  /**
   * The query form's first look (`GET /embed?ticket=…&sig=…`): every check, a used nonce
   * refused, but the nonce kept for the exchange that follows.
   */
  async preview(query: Record<string, unknown>): Promise<CheckedTicket> {
    // Counted as accepted once, when it is exchanged.
    return this.counting(async () => {
      const pair = parseInput(
        embedTicketPairSchema,
        { ticket: query.ticket, sig: query.sig },
        'query',
      );
      const checked = this.tickets.check(pair);
      if (await this.tickets.used(checked)) {
        throw new AppError('ticket_replayed', 'This ticket was used already; sign a new one.');
      }
      return checked;
    }, false);
  }

  /** The integrator a frame's URL names, with that origin among its allowed ones. */
  framing(integratorId: string, origin: string): Integrator {
    const integrator = this.integrators.get(integratorId);
    if (!integrator || !integrator.allowedOrigins.includes(origin)) {
      throw new AppError('origin_not_allowed', 'This page may not be embedded there.');
    }
    return integrator;
  }

  /**
   * Roomkit's id for an integrator's room: a hash of the two names, the same on every instance
   * and across restarts and secret rotations (decision 019). Knowing it admits nobody: an
   * embedded room takes tickets only.
   */
  roomIdFor(integratorId: string, roomId: string): string {
    return createHash('sha256')
      .update(`roomkit-embed-room\0${integratorId}\0${roomId}`)
      .digest('base64url');
  }

  /** The ticket's room: live already, or made now (and made again after it ended). */
  private async roomFor({ integrator, ticket }: CheckedTicket): Promise<RoomRecord> {
    const { rooms, stores } = this.ctx;
    const id = this.roomIdFor(integrator.id, ticket.roomId);
    for (let attempt = 0; ; attempt++) {
      try {
        return await rooms.getLiveRoom(id);
      } catch (error) {
        const gone =
          error instanceof AppError &&
          (error.code === 'room_not_found' || error.code === 'room_expired');
        if (!gone) throw error;
      }
      // Stored now: made since the look-up above by another request or instance (then it is
      // theirs to share, never to end), or expired and still stored (ended first; a new one
      // takes its id).
      if (await stores.rooms.getRoom(id)) {
        const live = await rooms.getLiveRoom(id).catch(() => undefined);
        if (live) return live;
        await rooms.close(id, 'expired');
      }
      try {
        return await rooms.create(
          {
            name: ticket.roomName ?? ticket.roomId.slice(0, 80),
            persistent: integrator.rooms.persistent && this.ctx.config.databaseUrl !== undefined,
            ...(integrator.rooms.ttlSeconds !== undefined && {
              ttlSeconds: integrator.rooms.ttlSeconds,
            }),
          },
          { id, integratorId: integrator.id },
        );
      } catch (error) {
        // Another request (or instance) made it first: use theirs.
        if (!(error instanceof StoreConflictError) || error.constraint !== 'room_id') throw error;
        if (attempt >= 2) throw error;
      }
    }
  }

  private async counting<T>(check: () => Promise<T>, countAccepted: boolean): Promise<T> {
    try {
      const result = await check();
      if (countAccepted) this.count('accepted');
      return result;
    } catch (error) {
      if (error instanceof AppError) this.count(error.code);
      throw error;
    }
  }

  private count(result: TicketResult): void {
    this.counted.inc({ result });
  }
}
