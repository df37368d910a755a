import type { AccountStore } from '../AccountStore.js';
import type { AccountRecord, AccountRole, AccountSessionRecord } from '../records.js';
import { StoreConflictError } from '../RoomStore.js';

/**
 * Accounts in RAM: the memory mode's driver. They live until the server stops, like
 * everything else in that mode.
 */
export class MemoryAccountStore implements AccountStore {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly byNameKey = new Map<string, string>();
  private readonly sessions = new Map<string, AccountSessionRecord>();
  private readonly byTokenHash = new Map<string, string>();

  async createAccount(account: AccountRecord): Promise<void> {
    if (this.byNameKey.has(account.nameKey)) throw new StoreConflictError('name_key');
    this.accounts.set(account.id, { ...account });
    this.byNameKey.set(account.nameKey, account.id);
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const account = this.accounts.get(accountId);
    return account && { ...account };
  }

  async findAccountByNameKey(nameKey: string): Promise<AccountRecord | undefined> {
    const accountId = this.byNameKey.get(nameKey);
    return accountId === undefined ? undefined : this.getAccount(accountId);
  }

  async updatePasswordHash(accountId: string, passwordHash: string): Promise<void> {
    const account = this.accounts.get(accountId);
    if (account) account.passwordHash = passwordHash;
  }

  async updateRole(accountId: string, role: AccountRole): Promise<void> {
    const account = this.accounts.get(accountId);
    if (account) account.role = role;
  }

  async listAdmins(): Promise<AccountRecord[]> {
    return [...this.accounts.values()]
      .filter((account) => account.role !== 'user')
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((account) => ({ ...account }));
  }

  async createSession(session: AccountSessionRecord): Promise<void> {
    if (this.sessions.has(session.id) || this.byTokenHash.has(session.tokenHash))
      throw new StoreConflictError('session_id');
    this.sessions.set(session.id, { ...session });
    this.byTokenHash.set(session.tokenHash, session.id);
  }

  async getSession(sessionId: string): Promise<AccountSessionRecord | undefined> {
    const session = this.sessions.get(sessionId);
    return session && { ...session };
  }

  async findSessionByTokenHash(tokenHash: string): Promise<AccountSessionRecord | undefined> {
    const sessionId = this.byTokenHash.get(tokenHash);
    const session = sessionId === undefined ? undefined : this.sessions.get(sessionId);
    return session && { ...session };
  }

  async listSessions(accountId: string): Promise<AccountSessionRecord[]> {
    return [...this.sessions.values()]
      .filter((session) => session.accountId === accountId && session.revokedAt === null)
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((session) => ({ ...session }));
  }

  async touchSession(sessionId: string, lastSeenAt: number): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (session) session.lastSeenAt = lastSeenAt;
  }

  async revokeSessions(
    accountId: string,
    at: number,
    which: { sessionIds: readonly string[] } | { except: string | undefined },
  ): Promise<string[]> {
    const revoked: string[] = [];
    for (const session of this.sessions.values()) {
      if (session.accountId !== accountId || session.revokedAt !== null) continue;
      const chosen =
        'sessionIds' in which ? which.sessionIds.includes(session.id) : session.id !== which.except;
      if (!chosen) continue;
      session.revokedAt = at;
      revoked.push(session.id);
    }
    return revoked;
  }

  async close(): Promise<void> {}
}
