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
 * `rk_auth` cookie). An admin (`{ kind: 'admin' }`, from the admin token or an admin account)
 * and an embed guest (`{ kind: 'embed', roomId, memberId, integratorId }`, from an exchanged
 * ticket) join the union as they are built, each produced by an authenticate function of its
 * own beside `authenticateMember`.
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
  const membership = await ctx.rooms.authenticate(token, roomId);
  return { kind: 'member', roomId: membership.room.id, memberId: membership.member.id, membership };
}
