import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { SFU_MAX_PARTICIPANTS } from '../../../protocol/calls.js';
import {
  JanusError,
  NO_SUCH_SESSION,
  type JanusClient,
  type JanusHandle,
  type JanusSession,
} from './JanusClient.js';

const PLUGIN = 'janus.plugin.videoroom';

/** A VideoRoom Roomkit made for one room's call. */
export interface SfuRoom {
  /** Janus's number for it. */
  id: number;
  /** What destroying or changing it takes: only Roomkit has it. */
  secret: string;
}

/**
 * The VideoRoom rooms Roomkit makes for calls above the mesh size: one per call, private (not
 * listed), with a secret, and an `allowed` list of join tokens — one per participant, scoped to
 * that room and member, so nobody joins a room's media without Roomkit having let them in.
 * Requests go through one session and handle of Roomkit's own, opened on first use and again
 * after Janus restarts.
 */
export class VideoRooms {
  private admin: Promise<{ session: JanusSession; handle: JanusHandle }> | undefined;

  constructor(private readonly client: JanusClient) {}

  /** Makes a room for up to `publishers` senders; its participants are let in with `allow`. */
  async create(publishers = SFU_MAX_PARTICIPANTS): Promise<SfuRoom> {
    const room: SfuRoom = {
      id: randomInt(1, 2 ** 48),
      secret: randomBytes(24).toString('base64url'),
    };
    await this.request({
      request: 'create',
      room: room.id,
      secret: room.secret,
      is_private: true,
      permanent: false,
      publishers,
      allowed: [],
      // Subscribers may join only feeds that exist, with their own private id (no lurkers).
      require_pvtid: true,
      notify_joining: true,
    });
    return room;
  }

  /**
   * The token `memberId` joins `room` with: derived from the room's secret, so every instance
   * that knows the room derives the same, and a token is worth nothing in another room.
   */
  token(room: SfuRoom, memberId: string): string {
    return createHmac('sha256', room.secret).update(memberId).digest('base64url');
  }

  /** Lets `memberIds` into the room (adds their tokens to its `allowed` list). */
  allow(room: SfuRoom, memberIds: string[]): Promise<void> {
    return this.changeAllowed(room, 'add', memberIds);
  }

  /** Takes `memberIds` out of the `allowed` list: a later join of theirs is refused. */
  disallow(room: SfuRoom, memberIds: string[]): Promise<void> {
    return this.changeAllowed(room, 'remove', memberIds);
  }

  async exists(room: SfuRoom): Promise<boolean> {
    return (await this.request({ request: 'exists', room: room.id })).exists === true;
  }

  /** Ends the room: Janus hangs up every connection in it. A room already gone is fine. */
  async destroy(room: SfuRoom): Promise<void> {
    try {
      await this.request({ request: 'destroy', room: room.id, secret: room.secret });
    } catch (error) {
      // 426: no such room (destroyed already, or Janus restarted).
      if (!(error instanceof JanusError && error.code === 426)) throw error;
    }
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await (await admin.catch(() => undefined))?.session.destroy();
  }

  private async changeAllowed(
    room: SfuRoom,
    action: 'add' | 'remove',
    memberIds: string[],
  ): Promise<void> {
    await this.request({
      request: 'allowed',
      room: room.id,
      secret: room.secret,
      action,
      allowed: memberIds.map((memberId) => this.token(room, memberId)),
    });
  }

  private async request(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    try {
      return await (await (this.admin ??= this.open())).handle.request(body);
    } catch (error) {
      if (!(error instanceof JanusError && error.code === NO_SUCH_SESSION)) throw error;
      // A session Janus no longer knows (it restarted): once more, in a fresh one.
      this.admin = undefined;
      return (await (this.admin ??= this.open())).handle.request(body);
    }
  }

  private async open(): Promise<{ session: JanusSession; handle: JanusHandle }> {
    try {
      const session = await this.client.session();
      return { session, handle: await session.attach(PLUGIN) };
    } catch (error) {
      this.admin = undefined;
      throw error;
    }
  }
}
