import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { roomIdSchema } from '../../../protocol/schemas.js';
import type { RoomkitContext } from '../../core/context.js';
import { AppError } from '../../core/AppError.js';
import { parseInput } from '../../core/validate.js';
import { readCredentials } from './credentials.js';
import {
  authenticateAdmin,
  authenticateMember,
  type AdminPrincipal,
  type AdminRole,
  type MemberPrincipal,
} from './principal.js';

const MEMBER = Symbol('member');
const ADMIN = Symbol('admin');

declare module 'fastify' {
  interface FastifyInstance {
    /** The core the auth preHandlers authenticate against (`registerAuth`). */
    readonly roomkit: RoomkitContext;
  }
  interface FastifyRequest {
    /**
     * The member `requireMember` authenticated. Reading it on a route without that preHandler
     * is a programming error and throws, rather than passing `undefined` on as a member.
     */
    readonly member: MemberPrincipal;
    [MEMBER]: MemberPrincipal | null;
    /** The administrator `requireAdmin` authenticated; throws on a route without it. */
    readonly admin: AdminPrincipal;
    [ADMIN]: AdminPrincipal | null;
  }
}

/**
 * Makes the auth preHandlers usable on `app` and every plugin registered after: the core they
 * authenticate against, and the `request.member` they set. Called once, on the root instance.
 */
export function registerAuth(app: FastifyInstance, ctx: RoomkitContext): void {
  app.decorate('roomkit', ctx);
  app.decorateRequest(MEMBER, null);
  app.decorateRequest('member', {
    getter(this: FastifyRequest): MemberPrincipal {
      const member = this[MEMBER];
      if (member === null)
        throw new Error('request.member is read on a route without requireMember');
      return member;
    },
  });
  app.decorateRequest(ADMIN, null);
  app.decorateRequest('admin', {
    getter(this: FastifyRequest): AdminPrincipal {
      const admin = this[ADMIN];
      if (admin === null) throw new Error('request.admin is read on a route without requireAdmin');
      return admin;
    },
  });
}

export interface RequireMemberOptions {
  /**
   * Whether `?token=` counts, for GET routes a browser opens without setting headers
   * (EventSource, `<img src>`). Never for a route that changes state.
   */
  queryToken?: boolean;
}

/**
 * A preHandler for routes of one room: the `paramName` param must be a room id (else 400
 * `invalid_request`), the request must carry a member's membership of that room (Bearer, the
 * `rk_session` cookie under the trusted-origin rule, or `?token=` where allowed; else 401
 * `unauthorized`, 403 `forbidden` for another room's token) and the room must be live (404, 410).
 * The member is then `request.member`.
 *
 * The preHandlers still to come take the same shape: `requireAccount()` (an account signed in
 * with the `rk_auth` cookie, as `request.account`; 401 without one) and `requireAdmin()` (the
 * admin token or an admin account; 401 without credentials, 403 `forbidden` for anyone else).
 */
export function requireMember(
  paramName = 'roomId',
  options: RequireMemberOptions = {},
): preHandlerAsyncHookHandler {
  return async function requireMember(request) {
    const params = request.params as Readonly<Record<string, unknown>>;
    const roomId = parseInput(roomIdSchema, params[paramName], paramName);
    const ctx = request.server.roomkit;
    const credentials = readCredentials(request.raw, ctx.config, {
      bearer: true,
      query: options.queryToken ? (request.query as Readonly<Record<string, unknown>>) : undefined,
      cookie: 'state-changes-from-trusted-origin',
    });
    request[MEMBER] = await authenticateMember(ctx, credentials, roomId);
  };
}

/**
 * A preHandler for `/api/admin/*`: the request must carry the admin token as a Bearer token
 * (never a cookie or `?token=`, so no other site can make a browser use it) — 401 `unauthorized`
 * without, 403 `forbidden` for a member's token — and an `operator` route refuses a `viewer`
 * with 403. The administrator is then `request.admin`.
 */
export function requireAdmin(role: AdminRole = 'viewer'): preHandlerAsyncHookHandler {
  return async function requireAdmin(request) {
    const ctx = request.server.roomkit;
    const credentials = readCredentials(request.raw, ctx.config, {
      bearer: true,
      cookie: 'trusted-origin',
    });
    // The member cookie never proves an administrator.
    const admin = await authenticateAdmin(
      ctx,
      credentials.kind === 'cookie' ? { kind: 'none' } : credentials,
    );
    if (role === 'operator' && admin.role !== 'operator')
      throw new AppError('forbidden', 'Only an operator may do this.');
    request[ADMIN] = admin;
  };
}
