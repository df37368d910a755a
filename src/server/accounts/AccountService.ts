import { checkDisplayName, displayNameMessages } from '../../protocol/displayName.js';
import type { ChangePasswordBody, LoginBody, RegisterBody } from '../../protocol/accounts.js';
import { AppError } from '../core/AppError.js';
import type { Clock } from '../core/Clock.js';
import type { Membership } from '../core/Membership.js';
import { randomId } from '../core/ids.js';
import { nameKey } from '../core/nameKey.js';
import type { RateLimiter } from '../core/RateLimiter.js';
import type { AccountPrincipal, AccountAuthenticator } from '../http/auth/principal.js';
import type { AccountStore } from '../storage/AccountStore.js';
import type {
  AccountRecord,
  AccountSessionRecord,
  MemberRecord,
  RoomRecord,
} from '../storage/records.js';
import { StoreConflictError, type RoomStore } from '../storage/RoomStore.js';
import { checkNewPassword, type PasswordHasher } from './passwords.js';
import type { SessionCookies } from './SessionCookies.js';

/** lastSeenAt is written at most this often per session: reads must not each cost a write. */
const TOUCH_INTERVAL_MS = 60_000;
/** A session unused for this long is over: the cookie then proves nothing. */
export const SESSION_IDLE_MS = 30 * 24 * 60 * 60 * 1000;
/** The longest user agent kept with a session. */
const USER_AGENT_MAX = 256;

/** Who is asking, as the limits and the session list see them. */
export interface Client {
  ip: string;
  userAgent: string | undefined;
}

/** The limits on guessing: sign-ins per address and per username, registrations per address. */
export interface AccountLimiters {
  loginPerAddress: RateLimiter;
  loginPerUsername: RateLimiter;
  registerPerAddress: RateLimiter;
}

/** A signed-in session: the account, and the cookie value that proves it. */
export interface SignedIn {
  account: AccountRecord;
  cookie: string;
}

/**
 * Accounts and their server-side sessions (docs/decisions/018): registration, sign-in with the
 * limits that keep passwords from being guessed, and each session's life until it is revoked
 * or left unused for SESSION_IDLE_MS.
 */
export class AccountService implements AccountAuthenticator {
  constructor(
    private readonly store: AccountStore,
    private readonly roomStore: RoomStore,
    private readonly clock: Clock,
    private readonly hasher: PasswordHasher,
    private readonly cookies: SessionCookies,
    private readonly limits: AccountLimiters,
    /** Told of every session revoked, once it is revoked in the store. */
    private readonly onRevoked: (sessionIds: string[]) => void = () => {},
  ) {}

  /** Creates an account and signs it in; 409 `name_taken` when the name (or a look-alike) is. */
  async register(body: RegisterBody, client: Client): Promise<SignedIn> {
    await this.limits.registerPerAddress.consume(client.ip);
    const username = checkUsername(body.username);
    checkNewPassword(body.password, username, 'password');
    const key = nameKey(username);
    // Checked before the hash is paid for; the store's unique key settles a race.
    if (await this.store.findAccountByNameKey(key)) throw nameTaken();
    const account: AccountRecord = {
      id: randomId(),
      username,
      nameKey: key,
      passwordHash: await this.hasher.hash(body.password),
      role: 'user',
      createdAt: this.clock.now(),
    };
    try {
      await this.store.createAccount(account);
    } catch (error) {
      if (error instanceof StoreConflictError) throw nameTaken();
      throw error;
    }
    return { account, cookie: await this.startSession(account, client) };
  }

  /**
   * Signs in with a new session. A wrong password and an unknown username get the same 401,
   * after the same work (a hash is verified either way); the limits count every attempt, per
   * address and per username whether or not it exists, so they tell nothing either.
   */
  async login(body: LoginBody, client: Client): Promise<SignedIn> {
    const checked = checkDisplayName(body.username);
    const key = nameKey(checked.ok ? checked.name : body.username);
    await this.limits.loginPerAddress.consume(client.ip);
    await this.limits.loginPerUsername.consume(key);
    const account = checked.ok ? await this.store.findAccountByNameKey(key) : undefined;
    const valid = account
      ? await this.hasher.verify(account.passwordHash, body.password)
      : await this.hasher.verifyNothing(body.password);
    if (!account || !valid) throw wrongCredentials();
    if (this.hasher.needsRehash(account.passwordHash)) {
      account.passwordHash = await this.hasher.hash(body.password);
      await this.store.updatePasswordHash(account.id, account.passwordHash);
    }
    return { account, cookie: await this.startSession(account, client) };
  }

  /** The account a cookie proves (AccountAuthenticator); 401 for anything else. */
  async authenticate(cookie: string): Promise<AccountPrincipal> {
    const tokenHash = this.cookies.tokenHash(cookie);
    const session =
      tokenHash === undefined ? undefined : await this.store.findSessionByTokenHash(tokenHash);
    const now = this.clock.now();
    if (!session || session.revokedAt !== null || now - session.lastSeenAt > SESSION_IDLE_MS)
      throw signedOut();
    const account = await this.store.getAccount(session.accountId);
    if (!account) throw signedOut();
    if (now - session.lastSeenAt >= TOUCH_INTERVAL_MS)
      await this.store.touchSession(session.id, now);
    return { kind: 'account', accountId: account.id, sessionId: session.id, account };
  }

  /**
   * The live rooms the account is a member of, in the order it joined them; rooms that have
   * ended or expired (but are not cleaned up yet) are left out.
   */
  async rooms(principal: AccountPrincipal): Promise<{ room: RoomRecord; member: MemberRecord }[]> {
    const members = await this.roomStore.listAccountMembers(principal.accountId);
    const now = this.clock.now();
    const found = await Promise.all(
      members.map(async (member) => ({
        room: await this.roomStore.getRoom(member.roomId),
        member,
      })),
    );
    return found.filter(
      (entry): entry is { room: RoomRecord; member: MemberRecord } =>
        entry.room !== undefined && (entry.room.expiresAt === null || entry.room.expiresAt > now),
    );
  }

  /**
   * Makes a guest's membership the account's: the same member (its name, role and everything
   * it posted) is then what the account gets when it joins the room. Claiming one's own member
   * again changes nothing; a member that is another account's, or a room where the account has
   * a member already, is 403 `forbidden`.
   */
  async claim(principal: AccountPrincipal, membership: Membership): Promise<MemberRecord> {
    const { room, member } = membership;
    // An embedded room's people are the integrator's users, not this server's accounts.
    if (room.integratorId !== undefined)
      throw new AppError('forbidden', 'A membership of an embedded room cannot be claimed.');
    let claimed: boolean;
    try {
      claimed = await this.roomStore.claimMember(room.id, member.id, principal.accountId);
    } catch (error) {
      if (error instanceof StoreConflictError)
        throw new AppError('forbidden', 'This account is a member of this room already.');
      throw error;
    }
    const now = await this.roomStore.getMember(room.id, member.id);
    if (!now) throw new AppError('unauthorized', 'This membership has ended.');
    if (!claimed && now.accountId !== principal.accountId)
      throw new AppError('forbidden', 'This membership belongs to another account.');
    return now;
  }

  /** Ends the session the request was made with. */
  async logout(principal: AccountPrincipal): Promise<void> {
    const revoked = await this.store.revokeSessions(principal.accountId, this.clock.now(), {
      sessionIds: [principal.sessionId],
    });
    this.onRevoked(revoked);
  }

  /** The account's live sessions (not revoked, not unused too long), oldest first. */
  async sessions(principal: AccountPrincipal): Promise<AccountSessionRecord[]> {
    const now = this.clock.now();
    const sessions = await this.store.listSessions(principal.accountId);
    return sessions.filter((session) => now - session.lastSeenAt <= SESSION_IDLE_MS);
  }

  /** Ends one of the account's sessions; 404 `not_found` when it has no such live session. */
  async revoke(principal: AccountPrincipal, sessionId: string): Promise<void> {
    const revoked = await this.store.revokeSessions(principal.accountId, this.clock.now(), {
      sessionIds: [sessionId],
    });
    if (revoked.length === 0) throw new AppError('not_found', 'No such session.');
    this.onRevoked(revoked);
  }

  /** Ends every session of the account but the one the request was made with. */
  async revokeOthers(principal: AccountPrincipal): Promise<void> {
    const revoked = await this.store.revokeSessions(principal.accountId, this.clock.now(), {
      except: principal.sessionId,
    });
    this.onRevoked(revoked);
  }

  /**
   * Replaces the password after checking the current one (403 `forbidden` when wrong: the
   * session is fine, the proof is not), then ends every other session, since whoever else knew
   * the old password may be signed in with it. Attempts count against the username's limit, so
   * a stolen session cannot be used to guess the password either.
   */
  async changePassword(principal: AccountPrincipal, body: ChangePasswordBody): Promise<void> {
    const { account } = principal;
    await this.limits.loginPerUsername.consume(account.nameKey);
    if (!(await this.hasher.verify(account.passwordHash, body.currentPassword)))
      throw new AppError('forbidden', 'The current password is not right.');
    checkNewPassword(body.newPassword, account.username, 'newPassword');
    await this.store.updatePasswordHash(account.id, await this.hasher.hash(body.newPassword));
    await this.revokeOthers(principal);
  }

  private async startSession(account: AccountRecord, client: Client): Promise<string> {
    const { cookie, tokenHash } = this.cookies.issue();
    const now = this.clock.now();
    await this.store.createSession({
      id: randomId(),
      accountId: account.id,
      tokenHash,
      userAgent: (client.userAgent ?? '').slice(0, USER_AGENT_MAX),
      createdAt: now,
      lastSeenAt: now,
      revokedAt: null,
    });
    return cookie;
  }
}

/** A username follows the display-name rules (it becomes the member's name in rooms). */
function checkUsername(input: string): string {
  const checked = checkDisplayName(input);
  if (checked.ok) return checked.name;
  const message = displayNameMessages[checked.reason].replace('display name', 'username');
  throw new AppError('invalid_request', message, {
    details: [{ path: 'username', message: checked.reason }],
  });
}

function nameTaken(): AppError {
  return new AppError('name_taken', 'That username (or one that looks like it) is taken.');
}

function wrongCredentials(): AppError {
  return new AppError('unauthorized', 'Wrong username or password.');
}

function signedOut(): AppError {
  return new AppError('unauthorized', 'Sign in first.');
}
