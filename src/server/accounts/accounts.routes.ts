import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  accountSessionIdSchema,
  changePasswordSchema,
  claimSchema,
  loginSchema,
  registerSchema,
} from '../../protocol/accounts.js';
import type { RoomkitContext } from '../core/context.js';
import { memberView, roomView } from '../core/presenters.js';
import { parseInput } from '../core/validate.js';
import { clearAccountCookie, secureCookies, setAccountCookie } from '../http/auth/accountCookie.js';
import { readCredentials, refuseForeignStateChange } from '../http/auth/credentials.js';
import { authenticateMember } from '../http/auth/principal.js';
import { setMemberCookie } from '../http/auth/memberCookie.js';
import { optionalAccount, requireAccount } from '../http/auth/preHandlers.js';
import type { MemberRecord } from '../storage/records.js';
import type { AccountService, Client } from './AccountService.js';
import { accountSessionView, accountView } from './presenters.js';

/** Accounts over HTTP (API.md, "Accounts"): `/api/auth/*`. */
export function accountsRoutes(
  ctx: RoomkitContext,
  service: AccountService,
  /** People's messages the member has not seen (chat's count). */
  unreadOf: (member: MemberRecord) => Promise<number>,
) {
  const client = (request: FastifyRequest): Client => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'],
  });

  return async function routes(app: FastifyInstance): Promise<void> {
    app.accountAuthentication.provide(service);
    const account = { preHandler: requireAccount() };

    app.post('/api/auth/register', async (request, reply) => {
      refuseForeignStateChange(request.raw, ctx.config);
      const body = parseInput(registerSchema, request.body);
      const signedIn = await service.register(body, client(request));
      setAccountCookie(reply, signedIn.cookie, secureCookies(request, ctx.config));
      return reply.status(201).send({ account: accountView(signedIn.account) });
    });

    app.post('/api/auth/login', async (request, reply) => {
      refuseForeignStateChange(request.raw, ctx.config);
      const body = parseInput(loginSchema, request.body);
      const signedIn = await service.login(body, client(request));
      setAccountCookie(reply, signedIn.cookie, secureCookies(request, ctx.config));
      return { account: accountView(signedIn.account) };
    });

    app.get('/api/auth/me', account, async (request) => ({
      account: accountView(request.account.account),
    }));

    // Signing out always clears the cookie, even one whose session had already ended.
    app.post('/api/auth/logout', async (request, reply) => {
      refuseForeignStateChange(request.raw, ctx.config);
      const signedIn = await optionalAccount(request);
      if (signedIn) await service.logout(signedIn);
      clearAccountCookie(reply, secureCookies(request, ctx.config));
      return reply.status(204).send();
    });

    app.get('/api/me/rooms', account, async (request) => {
      const rooms = await service.rooms(request.account);
      return {
        rooms: await Promise.all(
          rooms.map(async ({ room, member }) => ({
            room: roomView(room),
            member: memberView(member),
            owner: member.role === 'owner',
            unread: await unreadOf(member),
          })),
        ),
      };
    });

    // The guest's room token comes as for any room route (Bearer, or the rk_session cookie).
    app.post('/api/auth/claim', account, async (request, reply) => {
      const { roomId } = parseInput(claimSchema, request.body);
      const credentials = readCredentials(request.raw, ctx.config, {
        bearer: true,
        cookie: 'state-changes-from-trusted-origin',
      });
      const guest = await authenticateMember(ctx, credentials, roomId);
      const member = await service.claim(request.account, guest.membership);
      // The member is the account's now: a token issued to this session, which signing out ends.
      const { token } = await ctx.rooms.join(
        { roomId },
        {
          earlier: [],
          account: {
            id: request.account.accountId,
            username: request.account.account.username,
            sessionId: request.account.sessionId,
          },
        },
      );
      setMemberCookie(reply, token, secureCookies(request, ctx.config));
      return { member: memberView(member), room: roomView(guest.membership.room), token };
    });

    app.get('/api/auth/sessions', account, async (request) => {
      const sessions = await service.sessions(request.account);
      return {
        sessions: sessions.map((s) => accountSessionView(s, request.account.sessionId)),
      };
    });

    app.delete<{ Params: { id: string } }>(
      '/api/auth/sessions/:id',
      account,
      async (request, reply) => {
        const sessionId = parseInput(accountSessionIdSchema, request.params.id, 'id');
        await service.revoke(request.account, sessionId);
        if (sessionId === request.account.sessionId)
          clearAccountCookie(reply, secureCookies(request, ctx.config));
        return reply.status(204).send();
      },
    );

    app.post('/api/auth/sessions/revoke-others', account, async (request, reply) => {
      await service.revokeOthers(request.account);
      return reply.status(204).send();
    });

    app.post('/api/auth/password', account, async (request, reply) => {
      const body = parseInput(changePasswordSchema, request.body);
      await service.changePassword(request.account, body);
      return reply.status(204).send();
    });
  };
}
