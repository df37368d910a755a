import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  createRoomSchema,
  extendRoomSchema,
  changeRoomSettingsSchema,
  joinCodeSchema,
  joinRoomSchema,
} from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import { optionalAccount, requireMember } from '../http/auth/preHandlers.js';
import { clearMemberCookie, MEMBER_COOKIE, setMemberCookie } from '../http/auth/memberCookie.js';
import type { MemberClaims } from '../core/MemberTokens.js';
import { parseInput } from '../core/validate.js';
import { memberView, roomSettingsView, roomView } from '../core/presenters.js';
import type { RoomkitContext } from '../core/context.js';
import type { JoiningAccount } from '../core/RoomService.js';
import type { AccountPrincipal } from '../http/auth/principal.js';

/**
 * The memberships a join request shows it held before: the member tokens it carries (the
 * `rk_session` cookie the browser kept, a Bearer token), whether or not they still hold — a ban
 * of a removed member is checked against them.
 */
async function earlierMemberships(
  ctx: RoomkitContext,
  request: FastifyRequest,
): Promise<MemberClaims[]> {
  const tokens = [
    fastifyCookie.parse(request.headers.cookie ?? '')[MEMBER_COOKIE],
    request.headers.authorization?.startsWith('Bearer ')
      ? request.headers.authorization.slice(7).trim()
      : undefined,
  ];
  const claims = await Promise.all(
    tokens.map(async (token) => (token ? ctx.rooms.claimsOf(token) : undefined)),
  );
  return claims.filter((claim) => claim !== undefined);
}

/** Rooms and members over HTTP (API.md, "Rooms and members"). */
export function roomsRoutes(ctx: RoomkitContext) {
  const createLimit = ctx.limiters.open('createRoom');
  const joinAttempt = joinAttempts(ctx);

  return async function routes(app: FastifyInstance): Promise<void> {
    app.post('/api/rooms', async (request, reply) => {
      await createLimit.consume(request.ip);
      const body = parseInput(createRoomSchema, request.body ?? {});
      const signedIn = await optionalAccount(request);
      const room = await ctx.rooms.create(body);
      // A signed-in creator owns a persistent room: its account is the first member, whoever
      // opens the link first. An ephemeral room's owner is still whoever joins first.
      if (signedIn && room.persistent)
        await ctx.rooms.join(
          { roomId: room.id },
          { earlier: [], account: joiningAccount(signedIn) },
        );
      const base = ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
      return reply.status(201).send({ room: roomView(room), url: `${base}/r/${room.id}` });
    });

    app.post('/api/rooms/join', async (request, reply) => {
      const { room, member, token } = await joinAttempt(request.ip, async () => {
        const body = parseInput(joinRoomSchema, request.body);
        const signedIn = await optionalAccount(request);
        return ctx.rooms.join(body, {
          earlier: await earlierMemberships(ctx, request),
          account: signedIn && joiningAccount(signedIn),
        });
      });
      setMemberCookie(reply, token, request.protocol === 'https');
      return { token, member: memberView(member), room: roomView(room) };
    });

    app.get<{ Params: { code: string } }>('/api/join-codes/:code', async (request) => {
      const room = await joinAttempt(request.ip, () => {
        // A code that cannot exist is as unknown as one that does not.
        const code = joinCodeSchema.safeParse(request.params.code);
        if (!code.success) throw new AppError('room_not_found', 'No room has that join code.');
        return ctx.rooms.findByJoinCode(code.data);
      });
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

    app.get('/api/rooms/:roomId/settings', member, async (request) => {
      const room = await ctx.rooms.getLiveRoom(request.member.roomId);
      return { settings: roomSettingsView(room) };
    });

    app.post('/api/rooms/:roomId/settings', member, async (request) => {
      const change = parseInput(changeRoomSettingsSchema, request.body);
      const room = await ctx.rooms.changeSettings(request.member.membership, change);
      return { settings: roomSettingsView(room) };
    });

    app.post('/api/rooms/:roomId/keep', member, async (request) => {
      const room = await ctx.rooms.keep(request.member.membership);
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

/**
 * Runs a join or a join-code look-up from `address` under the two join limits (docs/operations.md,
 * "Limits"). `joins` counts every attempt, generously, so a class behind one NAT gets in at once.
 * `joinFailures` counts only attempts that name no room: once an address has spent it, each of its
 * attempts is refused before anything is looked up, the right code too, so a guesser cannot tell
 * a hit from a miss while blocked. Attempts already under way when the budget runs out still
 * finish; `joins` bounds how many an address can have started.
 */
function joinAttempts(ctx: RoomkitContext) {
  const joinFailures = ctx.limiters.open('joinFailures');
  const joins = ctx.limiters.open('joins');
  return async <T>(address: string, attempt: () => Promise<T>): Promise<T> => {
    await joinFailures.refuseIfSpent(address);
    await joins.consume(address);
    try {
      return await attempt();
    } catch (error) {
      if (error instanceof AppError && error.code === 'room_not_found') {
        await joinFailures.penalize(address);
      }
      throw error;
    }
  };
}

function joiningAccount(principal: AccountPrincipal): JoiningAccount {
  return {
    id: principal.accountId,
    username: principal.account.username,
    sessionId: principal.sessionId,
  };
}
