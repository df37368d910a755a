import type { Kysely, Selectable } from 'kysely';
import type { AccountStore } from '../AccountStore.js';
import type { AccountRecord, AccountRole, AccountSessionRecord } from '../records.js';
import { StoreConflictError } from '../RoomStore.js';
import type { AccountSessionsTable, AccountsTable, Database } from './schema.js';
import type { SqlDatabase } from './SqlDatabase.js';
import { uniqueViolation } from './uniqueViolation.js';

/**
 * Accounts and sessions in SQL. The unique index on `accounts.name_key` decides a clash between
 * two registrations atomically, across instances too; deleting an account deletes its sessions
 * by foreign-key cascade.
 */
export class SqlAccountStore implements AccountStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async createAccount(account: AccountRecord): Promise<void> {
    try {
      await this.db
        .insertInto('accounts')
        .values({
          id: account.id,
          username: account.username,
          name_key: account.nameKey,
          password_hash: account.passwordHash,
          role: account.role,
          created_at: account.createdAt,
        })
        .execute();
    } catch (error) {
      // A clash of the random ids is as unlikely as guessing one; the name is what clashes.
      if (uniqueViolation(error)?.includes('name_key')) throw new StoreConflictError('name_key');
      throw error;
    }
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', accountId)
      .executeTakeFirst();
    return row && accountRecord(row);
  }

  async findAccountByNameKey(nameKey: string): Promise<AccountRecord | undefined> {
    const row = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('name_key', '=', nameKey)
      .executeTakeFirst();
    return row && accountRecord(row);
  }

  async updatePasswordHash(accountId: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable('accounts')
      .set({ password_hash: passwordHash })
      .where('id', '=', accountId)
      .execute();
  }

  async updateRole(accountId: string, role: AccountRole): Promise<void> {
    await this.db.updateTable('accounts').set({ role }).where('id', '=', accountId).execute();
  }

  async listAdmins(): Promise<AccountRecord[]> {
    const rows = await this.db
      .selectFrom('accounts')
      .selectAll()
      .where('role', '!=', 'user')
      .orderBy('created_at')
      .execute();
    return rows.map(accountRecord);
  }

  async createSession(session: AccountSessionRecord): Promise<void> {
    try {
      await this.db
        .insertInto('account_sessions')
        .values({
          id: session.id,
          account_id: session.accountId,
          token_hash: session.tokenHash,
          user_agent: session.userAgent,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          revoked_at: session.revokedAt,
        })
        .execute();
    } catch (error) {
      if (uniqueViolation(error) !== undefined) throw new StoreConflictError('session_id');
      throw error;
    }
  }

  async getSession(sessionId: string): Promise<AccountSessionRecord | undefined> {
    const row = await this.db
      .selectFrom('account_sessions')
      .selectAll()
      .where('id', '=', sessionId)
      .executeTakeFirst();
    return row && sessionRecord(row);
  }

  async findSessionByTokenHash(tokenHash: string): Promise<AccountSessionRecord | undefined> {
    const row = await this.db
      .selectFrom('account_sessions')
      .selectAll()
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && sessionRecord(row);
  }

  async listSessions(accountId: string): Promise<AccountSessionRecord[]> {
    const rows = await this.db
      .selectFrom('account_sessions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(sessionRecord);
  }

  async touchSession(sessionId: string, lastSeenAt: number): Promise<void> {
    await this.db
      .updateTable('account_sessions')
      .set({ last_seen_at: lastSeenAt })
      .where('id', '=', sessionId)
      .execute();
  }

  async revokeSessions(
    accountId: string,
    at: number,
    which: { sessionIds: readonly string[] } | { except: string | undefined },
  ): Promise<string[]> {
    if ('sessionIds' in which && which.sessionIds.length === 0) return [];
    let query = this.db
      .updateTable('account_sessions')
      .set({ revoked_at: at })
      .where('account_id', '=', accountId)
      .where('revoked_at', 'is', null);
    if ('sessionIds' in which) query = query.where('id', 'in', [...which.sessionIds]);
    else if (which.except !== undefined) query = query.where('id', '!=', which.except);
    const rows = await query.returning('id').execute();
    return rows.map((row) => row.id);
  }

  async close(): Promise<void> {
    await this.release();
  }
}

function accountRecord(row: Selectable<AccountsTable>): AccountRecord {
  return {
    id: row.id,
    username: row.username,
    nameKey: row.name_key,
    passwordHash: row.password_hash,
    role: row.role as AccountRole,
    createdAt: row.created_at,
  };
}

function sessionRecord(row: Selectable<AccountSessionsTable>): AccountSessionRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    tokenHash: row.token_hash,
    userAgent: row.user_agent,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
  };
}
