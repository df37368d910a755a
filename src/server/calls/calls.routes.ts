import type { FastifyInstance } from 'fastify';
import {
  CALL_SDP_MAX_CHARS,
  callJoinSchema,
  callLeaveSchema,
  callQualitySchema,
  callUpdateSchema,
  signalSchema,
} from '../../protocol/calls.js';
import { parseInput } from '../core/validate.js';
import { requireMember } from '../http/auth/preHandlers.js';
import type { CallService } from './CallService.js';

/** A signal's body: an SDP at its cap, JSON-escaped (up to twice as long), and its envelope. */
const SIGNAL_BODY_LIMIT = 2 * CALL_SDP_MAX_CHARS + 4096;

/**
 * Calls over HTTP (API.md, "Realtime: Server-Sent Events and REST"): for a client without a
 * WebSocket, which hears its signals and `call:state` on the room's event stream.
 */
export function callsRoutes(calls: CallService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const member = { preHandler: requireMember() };

    app.post(
      '/api/rooms/:roomId/signals',
      { ...member, bodyLimit: SIGNAL_BODY_LIMIT },
      async (request, reply) => {
        await calls.signal(request.member.membership, parseInput(signalSchema, request.body));
        return reply.status(202).send({ ok: true });
      },
    );

    app.post('/api/rooms/:roomId/call/join', member, async (request) => ({
      call: await calls.join(request.member.membership, parseInput(callJoinSchema, request.body)),
    }));

    app.post('/api/rooms/:roomId/call/update', member, async (request) => ({
      call: await calls.update(
        request.member.membership,
        parseInput(callUpdateSchema, request.body),
      ),
    }));

    app.post('/api/rooms/:roomId/call/leave', member, async (request, reply) => {
      parseInput(callLeaveSchema, request.body ?? {});
      await calls.leaveCall(request.member.membership);
      return reply.status(204).send();
    });

    app.post('/api/rooms/:roomId/call/quality', member, async (request, reply) => {
      calls.reportQuality(request.member.membership, parseInput(callQualitySchema, request.body));
      return reply.status(204).send();
    });

    app.get('/api/rooms/:roomId/call', member, async (request) => ({
      call: await calls.state(request.member.roomId),
    }));

    app.get('/api/rooms/:roomId/ice-servers', member, async (request, reply) => {
      // Credentials: never kept by a shared cache.
      reply.header('Cache-Control', 'no-store');
      return calls.iceServers(request.member.membership);
    });
  };
}
