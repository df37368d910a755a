import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../core/AppError.js';
import type { RoomkitContext } from '../../core/context.js';
import type { Membership } from '../../core/Membership.js';
import type { AccountRecord } from '../../storage/records.js';
import type { Credentials } from './credentials.js';

/** A member of one room, proved by a member token: the room and member as they are now. */
export interface MemberPrincipal {
  kind: 'member';
  roomId: string;
  memberId: string;
  membership: Membership;
  /** The account session its token was issued to: revoking it ends the member's connections. */
  sessionId?: string;
}

/**
 * A signed-in account, proved by the `rk_auth` cookie: the account as it is now and the session
 * the cookie belongs to.
 */
export interface AccountPrincipal {
  kind: 'account';
  accountId: string;
  sessionId: string;
  account: AccountRecord;
}

/**
 * Turns an `rk_auth` cookie's value into the account it proves; offered by the accounts feature
 * (`app.accountAuthentication.provide`). A malformed, unknown, revoked or expired session is 401
 * `unauthorized`.
 */
export interface AccountAuthenticator {
  authenticate(cookie: string): Promise<AccountPrincipal>;
}

/**
 * Who a request or connection proved to be: a room's member (a member token) or an account (the
 * `rk_auth` cookie). An administrator is an `AdminPrincipal`, from `authenticateAdmin`. A
 * person from an integrator's ticket is a member like any other: the ticket is exchanged for a
 * member token (embed/), and the member's `externalId` says whose.
 */
export type Principal = MemberPrincipal | AccountPrincipal;

/**
 * The member that `credentials` prove, in `roomId` when given; every transport authenticates
 * through here. No token is 401 `unauthorized`, as is a malformed or revoked one; another
 * room's token is 403 `forbidden`.
 */
export async function authenticateMember(
  ctx: Pick<RoomkitContext, 'rooms'>,
  credentials: Credentials,
  roomId?: string,
): Promise<MemberPrincipal> {
  const token = credentials.kind === 'none' ? undefined : credentials.value;
  const { claims, membership } = await ctx.rooms.authenticateToken(token, roomId);
  const principal: MemberPrincipal = {
    kind: 'member',
    roomId: membership.room.id,
    memberId: membership.member.id,
    membership,
  };
  if (claims.sessionId !== undefined) principal.sessionId = claims.sessionId;
  return principal;
}

/**
 * What an administrator may do: a `viewer` reads (rooms, stats, logs), an `operator` also acts
 * (deletes rooms, kicks members). The admin token is an operator.
 */
export type AdminRole = 'viewer' | 'operator';

/** An administrator, proved by the admin token or by an account with an admin role. */
export interface AdminPrincipal {
  kind: 'admin';
  role: AdminRole;
  /** Who, as the audit log names them: `admin token`, or an admin account's username. */
  actor: string;
  /** What proved it: the admin token, or an account's cookie. */
  via: 'token' | 'account';
}

/** The admin token's actor in the audit log. */
export const ADMIN_TOKEN_ACTOR = 'admin token';

/**
 * The administrator a Bearer token proves: the admin token, compared in constant time (both
 * sides hashed first, so their lengths tell nothing either). 401 `unauthorized` without
 * credentials or with a token that proves nothing; 403 `forbidden` for a member's token (someone
 * known, but no administrator).
 */
export async function authenticateAdmin(
  ctx: Pick<RoomkitContext, 'rooms' | 'config'>,
  credentials: Credentials,
): Promise<AdminPrincipal> {
  const presented = credentials.kind === 'none' ? undefined : credentials.value;
  const expected = ctx.config.adminToken;
  if (expected === undefined) {
    throw new AppError(
      'unauthorized',
      'Sign in with an admin account: this server has no ADMIN_TOKEN.',
    );
  }
  if (presented === undefined)
    throw new AppError('unauthorized', 'The admin token or an admin account is needed.');
  if (sameSecret(presented, expected)) {
    return { kind: 'admin', role: 'operator', actor: ADMIN_TOKEN_ACTOR, via: 'token' };
  }
  if (await ctx.rooms.claimsOf(presented))
    throw new AppError('forbidden', 'Only an administrator may do this.');
  throw new AppError('unauthorized', 'The admin token is needed.');
}

function sameSecret(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}
