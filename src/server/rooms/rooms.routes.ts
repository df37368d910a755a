import type { FastifyInstance } from 'fastify';
import { createRoomSchema, joinRoomSchema } from '../../protocol/schemas.js';
import { requireMember } from '../http/auth/preHandlers.js';
import { clearMemberCookie, setMemberCookie } from '../http/auth/memberCookie.js';
import { RateLimiter } from '../core/RateLimiter.js';
import { parseInput } from '../core/validate.js';
import { memberView, roomView } from '../core/presenters.js';
import type { RoomkitContext } from '../core/context.js';

/** Rooms and members over HTTP (API.md, "Rooms and members"). */
export function roomsRoutes(ctx: RoomkitContext) {
  const createLimit = new RateLimiter('create-room', ctx.limits.createRoom, ctx.sharedLimits);
  const joinLimit = new RateLimiter('join-room', ctx.limits.joinRoom, ctx.sharedLimits);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post('/api/rooms', async (request, reply) => {
      await createLimit.consume(request.ip);
      const body = parseInput(createRoomSchema, request.body ?? {});
      const room = await ctx.rooms.create(body);
      const base = ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
      return reply.status(201).send({ room: roomView(room), url: `${base}/r/${room.id}` });
    });

    app.post('/api/rooms/join', async (request, reply) => {
      await joinLimit.consume(request.ip);
      const body = parseInput(joinRoomSchema, request.body);
      const { room, member, token } = await ctx.rooms.join(body);
      setMemberCookie(reply, token, request.protocol === 'https');
      return { token, member: memberView(member), room: roomView(room) };
    });

    const member = { preHandler: requireMember() };

    app.get('/api/rooms/:roomId', member, async (request) => {
      const { membership } = request.member;
      await ctx.rooms.restartEmptyGrace(membership.room);
      const { room, members, messages, files, exec } = await ctx.rooms.state(membership);
      return { room, members, messages, files, exec };
    });

    app.post('/api/rooms/:roomId/leave', member, async (request, reply) => {
      const { roomId, memberId } = request.member;
      await ctx.rooms.leave(roomId, memberId);
      clearMemberCookie(reply);
      return reply.status(204).send();
    });
  };
}
