import type { Kysely } from 'kysely';
import type { DocStore, StoredDoc } from '../DocStore.js';
import type { Database } from './schema.js';
import type { SqlDatabase } from './SqlDatabase.js';

/**
 * Room documents in SQL: at most one snapshot row per room (`doc_snapshots`) and the updates
 * appended since (`doc_updates`, in insertion order). A compaction replaces both in one
 * transaction, so a load sees the old state or the new one.
 */
export class SqlDocStore implements DocStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async load(roomId: string): Promise<StoredDoc> {
    // One transaction, so a compaction cannot land between the two reads.
    return this.db.transaction().execute(async (trx) => {
      const snapshot = await trx
        .selectFrom('doc_snapshots')
        .select('snapshot')
        .where('room_id', '=', roomId)
        .executeTakeFirst();
      const updates = await trx
        .selectFrom('doc_updates')
        .select(['id', 'data'])
        .where('room_id', '=', roomId)
        .orderBy('id')
        .execute();
      const stored: StoredDoc = {
        updates: updates.map((row) => row.data),
        cursor: Number(updates.at(-1)?.id ?? 0),
      };
      if (snapshot) stored.snapshot = snapshot.snapshot;
      return stored;
    });
  }

  async appendUpdate(roomId: string, update: Uint8Array): Promise<void> {
    await this.db.insertInto('doc_updates').values({ room_id: roomId, data: update }).execute();
  }

  async replace(roomId: string, snapshot: Uint8Array, cursor?: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      let stale = trx.deleteFrom('doc_updates').where('room_id', '=', roomId);
      // Ids rise in insertion order, so the updates a load returned are those up to its cursor.
      if (cursor !== undefined) stale = stale.where('id', '<=', cursor);
      await stale.execute();
      await trx
        .insertInto('doc_snapshots')
        .values({ room_id: roomId, snapshot })
        .onConflict((oc) => oc.column('room_id').doUpdateSet({ snapshot }))
        .execute();
    });
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('doc_updates').where('room_id', '=', roomId).execute();
      await trx.deleteFrom('doc_snapshots').where('room_id', '=', roomId).execute();
    });
  }

  async close(): Promise<void> {
    await this.release();
  }
}
