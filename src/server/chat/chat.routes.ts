import type { FastifyInstance } from 'fastify';
import { historyQuerySchema, sendMessageSchema } from '../../protocol/schemas.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireMember } from '../http/auth/preHandlers.js';
import type { ChatService } from './ChatService.js';

/** Messages over HTTP (API.md, "Messages"). */
export function chatRoutes(ctx: RoomkitContext, chat: ChatService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post(
      '/api/rooms/:roomId/messages',
      { preHandler: requireMember() },
      async (request, reply) => {
        const body = parseInput(sendMessageSchema, request.body);
        const { message, created } = await chat.send(request.member.membership, body);
        return reply.status(created ? 201 : 200).send({ message });
      },
    );

    app.get('/api/rooms/:roomId/messages', { preHandler: requireMember() }, async (request) => {
      const { roomId, membership } = request.member;
      const query = parseInput(historyQuerySchema, request.query, 'query');
      await ctx.rooms.restartEmptyGrace(membership.room);
      return chat.history(roomId, query);
    });
  };
}
