import type { Kysely } from 'kysely';
import { AUDIT_ENTRIES_KEPT, type AuditStore } from '../AuditStore.js';
import type { AuditRecord } from '../records.js';
import { decodeText, encodeText } from './sqlText.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './SqlDatabase.js';

/** The audit log in SQL (`audit_log`, numbered in insertion order by `id`). */
export class SqlAuditStore implements AuditStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;
  private appended = 0;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async append(entry: AuditRecord): Promise<void> {
    const { id } = await this.db
      .insertInto('audit_log')
      .values({
        at: entry.at,
        actor: encodeText(entry.actor),
        action: entry.action,
        target: encodeText(entry.target),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Trimmed now and then, not at every append: the log is small and admin actions are rare.
    if (++this.appended % 100 === 0) {
      await this.db
        .deleteFrom('audit_log')
        .where('id', '<=', Number(id) - AUDIT_ENTRIES_KEPT)
        .execute();
    }
  }

  async recent(limit: number): Promise<AuditRecord[]> {
    const rows = await this.db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      at: Number(row.at),
      actor: decodeText(row.actor),
      action: row.action,
      target: decodeText(row.target),
    }));
  }

  async close(): Promise<void> {
    await this.release();
  }
}
