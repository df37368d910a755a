import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RoomkitContext } from '../core/context.js';
import type { RoomEvent } from '../core/RoomEventBus.js';
import { parseInput } from '../core/validate.js';
import { messageView } from '../core/presenters.js';
import { requireMember } from '../http/auth/preHandlers.js';
import { catchUp } from './catchUp.js';
import type { EndReason, LiveConnections } from './LiveConnections.js';

const lastEventIdSchema = z.coerce.number().int().min(0);

/** One event as an SSE frame; only messages carry an id (their `seq`, the resume point). */
function frame(name: string, data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

export interface SseOptions {
  /** How often a `: ping` comment keeps proxies from closing an idle stream. */
  heartbeatMs: number;
}

/**
 * Server-Sent Events (API.md, "Realtime: Server-Sent Events"): the room's events as
 * `event:`/`data:` frames, message frames with `id: <seq>`, `Last-Event-ID` resume and a
 * heartbeat comment. Same bus, same events as Socket.IO.
 */
export function sseRoutes(ctx: RoomkitContext, live: LiveConnections, options: SseOptions) {
  return async function routes(app: FastifyInstance): Promise<void> {
    // Hijacked streams are invisible to Fastify: without ending them here, closing the server
    // would wait for every EventSource client to go away on its own.
    const open = new Set<() => void>();
    app.addHook('preClose', async () => {
      for (const end of [...open]) end();
    });

    // The bus hands one event object to every stream of the room in turn, so its frame is
    // serialized and encoded once for the room rather than once per stream (which made SSE cost
    // more per delivery than Socket.IO, whose broadcast encodes once too).
    let last: { event: RoomEvent; frame: Buffer } | undefined = undefined;
    const frameOf = (event: RoomEvent): Buffer => {
      if (last?.event !== event) {
        const id = event.name === 'message:new' ? event.payload.message.seq : undefined;
        last = { event, frame: Buffer.from(frame(event.name, event.payload, id)) };
      }
      return last.frame;
    };

    app.get<{ Params: { roomId: string }; Querystring: Record<string, string> }>(
      '/api/rooms/:roomId/events',
      { preHandler: requireMember('roomId', { queryToken: true }) },
      async (request, reply) => {
        const { roomId, memberId } = request.member;
        const resumeHeader = request.headers['last-event-id'] ?? request.query.lastEventId;
        const resumeFrom =
          resumeHeader === undefined
            ? undefined
            : parseInput(lastEventIdSchema, resumeHeader, 'Last-Event-ID');
        const res = reply.raw;
        let lastSeq = 0;
        const write = (chunk: string | Buffer) => {
          if (!res.writableEnded) res.write(chunk);
        };
        const deliver = (event: RoomEvent) => {
          if (event.to !== undefined && event.to !== memberId) return;
          if (event.name === 'message:new') {
            // A message already sent in the snapshot or the replay is not sent twice.
            if (event.payload.message.seq <= lastSeq) return;
            lastSeq = event.payload.message.seq;
          }
          write(frameOf(event));
        };
        // The last word of a stream ended from outside: why, when the event before does not say.
        const finish = (reason: EndReason) => {
          if (reason === 'signed_out') write(frame('session:ended', { reason }));
          res.end();
        };
        const shutdown = () => {
          write(frame('room:closing', { secondsLeft: 0, reason: 'server_shutdown' }));
          res.end();
        };

        // Events that come while the stream catches up are held, then sent in order; an end
        // that comes meanwhile waits for them, so the event that ended the stream is its last.
        let ready = false;
        let ending: EndReason | undefined;
        const pending: RoomEvent[] = [];
        const unsubscribe = ctx.bus.subscribeRoom(roomId, (event) => {
          if (ready) deliver(event);
          else pending.push(event);
        });
        const connection = live.open(request.member, {
          kind: 'sse',
          end: (reason) => {
            if (ready) finish(reason);
            else ending = reason;
          },
        });
        let closed = false;
        res.on('close', () => {
          closed = true;
          open.delete(shutdown);
          unsubscribe();
          connection.close();
        });
        let membership;
        try {
          membership = await connection.ready;
        } catch (error) {
          // The membership ended while the stream opened: a JSON error, not a stream.
          unsubscribe();
          throw error;
        }

        reply.hijack();
        if (closed) return;
        res.writeHead(200, {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          Connection: 'keep-alive',
          'X-Accel-Buffering': 'no',
          'X-Content-Type-Options': 'nosniff',
          'X-System-Status': ctx.accountant.level,
        });
        res.flushHeaders();
        const heartbeat = setInterval(() => write(': ping\n\n'), options.heartbeatMs);
        res.on('close', () => clearInterval(heartbeat));
        open.add(shutdown);

        try {
          const caughtUp = await catchUp(ctx, membership, resumeFrom);
          write(frame('room:state', caughtUp.state));
          lastSeq = caughtUp.after ?? caughtUp.state.messages.at(-1)?.seq ?? 0;
          for await (const page of caughtUp.missed) {
            for (const message of page) {
              lastSeq = message.seq;
              write(frame('message:new', { message: messageView(message) }, lastSeq));
            }
          }
          ready = true;
          for (const event of pending.splice(0)) deliver(event);
          if (ending !== undefined) finish(ending);
        } catch (error) {
          request.log.error({ err: error }, 'event stream failed');
          res.end();
        }
      },
    );
  };
}
