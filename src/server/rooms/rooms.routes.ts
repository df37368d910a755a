import type { FastifyInstance } from 'fastify';
import {
  createRoomSchema,
  extendRoomSchema,
  joinCodeSchema,
  joinRoomSchema,
} from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import { optionalAccount, requireMember } from '../http/auth/preHandlers.js';
import { clearMemberCookie, setMemberCookie } from '../http/auth/memberCookie.js';
import { RateLimiter } from '../core/RateLimiter.js';
import { parseInput } from '../core/validate.js';
import { memberView, roomView } from '../core/presenters.js';
import type { RoomkitContext } from '../core/context.js';
import type { JoiningAccount } from '../core/RoomService.js';
import type { AccountPrincipal } from '../http/auth/principal.js';

/** Rooms and members over HTTP (API.md, "Rooms and members"). */
export function roomsRoutes(ctx: RoomkitContext) {
  const createLimit = new RateLimiter('create-room', ctx.limits.createRoom, ctx.sharedLimits);
  // Looking a code up counts as a join attempt: together they must not make codes guessable.
  const joinLimit = new RateLimiter('join-room', ctx.limits.joinRoom, ctx.sharedLimits);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post('/api/rooms', async (request, reply) => {
      await createLimit.consume(request.ip);
      const body = parseInput(createRoomSchema, request.body ?? {});
      const signedIn = await optionalAccount(request);
      const room = await ctx.rooms.create(body);
      // A signed-in creator owns a persistent room: its account is the first member, whoever
      // opens the link first. An ephemeral room's owner is still whoever joins first.
      if (signedIn && room.persistent)
        await ctx.rooms.join({ roomId: room.id }, joiningAccount(signedIn));
      const base = ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
      return reply.status(201).send({ room: roomView(room), url: `${base}/r/${room.id}` });
    });

    app.post('/api/rooms/join', async (request, reply) => {
      await joinLimit.consume(request.ip);
      const body = parseInput(joinRoomSchema, request.body);
      const signedIn = await optionalAccount(request);
      const { room, member, token } = await ctx.rooms.join(
        body,
        signedIn && joiningAccount(signedIn),
      );
      setMemberCookie(reply, token, request.protocol === 'https');
      return { token, member: memberView(member), room: roomView(room) };
    });

    app.get<{ Params: { code: string } }>('/api/join-codes/:code', async (request) => {
      await joinLimit.consume(request.ip);
      // A code that cannot exist is as unknown as one that does not.
      const code = joinCodeSchema.safeParse(request.params.code);
      if (!code.success) throw new AppError('room_not_found', 'No room has that join code.');
      const room = await ctx.rooms.findByJoinCode(code.data);
      return { roomId: room.id, name: room.name };
    });

    const member = { preHandler: requireMember() };

    app.get('/api/rooms/:roomId', member, async (request) => {
      const { membership } = request.member;
      await ctx.rooms.restartEmptyGrace(membership.room);
      const { room, members, messages, files, exec } = await ctx.rooms.state(membership);
      return { room, members, messages, files, exec };
    });

    app.post('/api/rooms/:roomId/extend', member, async (request) => {
      const { seconds } = parseInput(extendRoomSchema, request.body);
      const room = await ctx.rooms.extend(request.member.membership, seconds);
      await ctx.rooms.restartEmptyGrace(room);
      return { room: roomView(room) };
    });

    app.post('/api/rooms/:roomId/leave', member, async (request, reply) => {
      const { roomId, memberId } = request.member;
      await ctx.rooms.leave(roomId, memberId);
      clearMemberCookie(reply);
      return reply.status(204).send();
    });
  };
}

function joiningAccount(principal: AccountPrincipal): JoiningAccount {
  return { id: principal.accountId, username: principal.account.username };
}
