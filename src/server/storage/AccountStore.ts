import type { AccountRecord, AccountRole, AccountSessionRecord } from './records.js';

/**
 * Accounts and their sessions. Global, not room-scoped: with a database they always live there
 * (never routed by room), without one in RAM until the server stops. Every driver passes
 * storeContract.ts.
 *
 * Name keys are unique among accounts; a driver enforces it atomically (a unique index, or
 * single-threaded checks) and reports a clash as StoreConflictError('name_key'), so two
 * concurrent registrations can never take the same name.
 */
export interface AccountStore {
  createAccount(account: AccountRecord): Promise<void>;
  getAccount(accountId: string): Promise<AccountRecord | undefined>;
  findAccountByNameKey(nameKey: string): Promise<AccountRecord | undefined>;
  updatePasswordHash(accountId: string, passwordHash: string): Promise<void>;
  /** Sets what the account may do in the admin API (`roomkit admin grant` / `revoke`). */
  updateRole(accountId: string, role: AccountRole): Promise<void>;
  /** Accounts with an admin role, oldest first. */
  listAdmins(): Promise<AccountRecord[]>;

  createSession(session: AccountSessionRecord): Promise<void>;
  /** The session with this id, revoked or not. */
  getSession(sessionId: string): Promise<AccountSessionRecord | undefined>;
  /** The session whose token hashes to `tokenHash`, revoked or not. */
  findSessionByTokenHash(tokenHash: string): Promise<AccountSessionRecord | undefined>;
  /** The account's sessions that are not revoked, oldest first. */
  listSessions(accountId: string): Promise<AccountSessionRecord[]>;
  touchSession(sessionId: string, lastSeenAt: number): Promise<void>;
  /**
   * Revokes the account's sessions named in `sessionIds`, or all but `except` when `sessionIds`
   * is absent; sessions of other accounts are never touched. Returns the ids it revoked (already
   * revoked ones are not counted again).
   */
  revokeSessions(
    accountId: string,
    at: number,
    which: { sessionIds: readonly string[] } | { except: string | undefined },
  ): Promise<string[]>;

  close(): Promise<void>;
}
