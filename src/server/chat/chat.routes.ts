import type { FastifyInstance } from 'fastify';
import { historyQuerySchema, roomIdSchema, sendMessageSchema } from '../../protocol/schemas.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireSession } from '../http/sessionAuth.js';
import type { ChatService } from './ChatService.js';

/** Messages over HTTP (API.md, "Messages"). */
export function chatRoutes(ctx: RoomkitContext, chat: ChatService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: { roomId: string } }>(
      '/api/rooms/:roomId/messages',
      async (request, reply) => {
        const roomId = parseInput(roomIdSchema, request.params.roomId, 'roomId');
        const session = await requireSession(ctx, request, roomId);
        const body = parseInput(sendMessageSchema, request.body);
        const { message, created } = await chat.send(session, body);
        return reply.status(created ? 201 : 200).send({ message });
      },
    );

    app.get<{ Params: { roomId: string } }>('/api/rooms/:roomId/messages', async (request) => {
      const roomId = parseInput(roomIdSchema, request.params.roomId, 'roomId');
      const session = await requireSession(ctx, request, roomId);
      const query = parseInput(historyQuerySchema, request.query, 'query');
      await ctx.rooms.touch(session.room);
      return chat.history(roomId, query);
    });
  };
}
