import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { roomIdSchema } from '../../../protocol/schemas.js';
import type { RoomkitContext } from '../../core/context.js';
import { AppError } from '../../core/AppError.js';
import { parseInput } from '../../core/validate.js';
import { readAccountCookie, readCredentials } from './credentials.js';
import {
  authenticateAdmin,
  authenticateMember,
  type AccountAuthenticator,
  type AccountPrincipal,
  type AdminPrincipal,
  type AdminRole,
  type MemberPrincipal,
} from './principal.js';

const MEMBER = Symbol('member');
const ACCOUNT = Symbol('account');
const ADMIN = Symbol('admin');

/**
 * Where the accounts feature plugs its authenticator in, so that `requireAccount` (here, beside
 * the core) works on every route without the core naming the feature. Without accounts
 * installed, nobody is signed in.
 */
export class AccountAuthentication {
  private authenticator: AccountAuthenticator | undefined;

  provide(authenticator: AccountAuthenticator): void {
    this.authenticator = authenticator;
  }

  /** The account the cookie proves; 401 `unauthorized` without an authenticator. */
  authenticate(cookie: string): Promise<AccountPrincipal> {
    if (this.authenticator === undefined) return Promise.reject(notSignedIn());
    return this.authenticator.authenticate(cookie);
  }
}

function notSignedIn(): AppError {
  return new AppError('unauthorized', 'Sign in first.');
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The core the auth preHandlers authenticate against (`registerAuth`). */
    readonly roomkit: RoomkitContext;
    /** How `requireAccount` turns the `rk_auth` cookie into an account. */
    readonly accountAuthentication: AccountAuthentication;
  }
  interface FastifyRequest {
    /**
     * The member `requireMember` authenticated. Reading it on a route without that preHandler
     * is a programming error and throws, rather than passing `undefined` on as a member.
     */
    readonly member: MemberPrincipal;
    [MEMBER]: MemberPrincipal | null;
    /** The account `requireAccount` authenticated; throws on a route without it. */
    readonly account: AccountPrincipal;
    [ACCOUNT]: AccountPrincipal | null;
    /** The administrator `requireAdmin` authenticated; throws on a route without it. */
    readonly admin: AdminPrincipal;
    [ADMIN]: AdminPrincipal | null;
  }
}

/**
 * Makes the auth preHandlers usable on `app` and every plugin registered after: the core they
 * authenticate against, and the `request.member` / `request.account` they set. Called once, on
 * the root instance.
 */
export function registerAuth(app: FastifyInstance, ctx: RoomkitContext): void {
  app.decorate('roomkit', ctx);
  app.decorate('accountAuthentication', new AccountAuthentication());
  app.decorateRequest(ACCOUNT, null);
  app.decorateRequest('account', {
    getter(this: FastifyRequest): AccountPrincipal {
      const account = this[ACCOUNT];
      if (account === null)
        throw new Error('request.account is read on a route without requireAccount');
      return account;
    },
  });
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
 * A preHandler for an account's routes: the request must carry the `rk_auth` cookie of a live
 * session (else 401 `unauthorized`); a state change from a foreign origin is refused with 403
 * `forbidden` before the cookie is looked at. The account is then `request.account`.
 */
export function requireAccount(): preHandlerAsyncHookHandler {
  return async function requireAccount(request) {
    request[ACCOUNT] = await authenticateAccount(request);
  };
}

/**
 * The account the request's cookie proves, or undefined when it carries none or one that proves
 * nothing (revoked, expired, forged): for routes that work with or without an account. A state
 * change from a foreign origin with the cookie is still 403 `forbidden`.
 */
export async function optionalAccount(
  request: FastifyRequest,
): Promise<AccountPrincipal | undefined> {
  const cookie = readAccountCookie(
    request.raw,
    request.server.roomkit.config,
    'state-changes-from-trusted-origin',
  );
  if (cookie === undefined) return undefined;
  try {
    return await request.server.accountAuthentication.authenticate(cookie);
  } catch (error) {
    if (error instanceof AppError && error.code === 'unauthorized') return undefined;
    throw error;
  }
}

async function authenticateAccount(request: FastifyRequest): Promise<AccountPrincipal> {
  const account = await optionalAccount(request);
  if (account === undefined) throw notSignedIn();
  return account;
}

/**
 * A preHandler for `/api/admin/*`: the request must carry the admin token as a Bearer token
 * (never a cookie or `?token=`, so no other site can make a browser use it), or the `rk_auth`
 * cookie of an account with an admin role (under the same origin rules as every cookie) —
 * 401 `unauthorized` without, 403 `forbidden` for a member's token or an account without a
 * role — and an `operator` route refuses a `viewer` with 403. The administrator is then
 * `request.admin`.
 */
export function requireAdmin(role: AdminRole = 'viewer'): preHandlerAsyncHookHandler {
  return async function requireAdmin(request) {
    const ctx = request.server.roomkit;
    const credentials = readCredentials(request.raw, ctx.config, {
      bearer: true,
      cookie: 'trusted-origin',
    });
    const admin =
      credentials.kind === 'bearer'
        ? await authenticateAdmin(ctx, credentials)
        : await adminAccount(request);
    if (role === 'operator' && admin.role !== 'operator')
      throw new AppError('forbidden', 'Only an operator may do this.');
    request[ADMIN] = admin;
  };
}

/**
 * The administrator an `rk_auth` cookie proves: an account given an admin role (`roomkit admin
 * grant`). A state change from a foreign origin is 403 before the cookie counts; a signed-in
 * account without a role is 403; no account is 401, as no token is.
 */
async function adminAccount(request: FastifyRequest): Promise<AdminPrincipal> {
  const signedIn = await optionalAccount(request);
  if (signedIn === undefined) return authenticateAdmin(request.server.roomkit, { kind: 'none' });
  const { role, username } = signedIn.account;
  if (role === 'user') throw new AppError('forbidden', 'Only an administrator may do this.');
  return { kind: 'admin', role, actor: username, via: 'account' };
}
