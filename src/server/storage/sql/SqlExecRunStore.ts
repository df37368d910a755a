import type { Kysely, Selectable } from 'kysely';
import { EXEC_RUNS_PER_ROOM, type ExecRunStore } from '../ExecRunStore.js';
import type { ExecRunRecord } from '../records.js';
import type { Database, ExecRunsTable } from './schema.js';
import type { SqlDatabase } from './SqlDatabase.js';

/** The execution log in SQL (`exec_runs`, numbered in insertion order by `id`). */
export class SqlExecRunStore implements ExecRunStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async append(run: ExecRunRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('exec_runs')
        .values({
          room_id: run.roomId,
          member_id: run.memberId,
          language: run.language,
          duration_ms: run.durationMs,
          exit_code: run.exitCode,
          timed_out: run.timedOut ? 1 : 0,
          truncated: run.truncated ? 1 : 0,
          created_at: run.createdAt,
        })
        .execute();
      const oldestKept = await trx
        .selectFrom('exec_runs')
        .select('id')
        .where('room_id', '=', run.roomId)
        .orderBy('id', 'desc')
        .offset(EXEC_RUNS_PER_ROOM - 1)
        .limit(1)
        .executeTakeFirst();
      if (oldestKept) {
        await trx
          .deleteFrom('exec_runs')
          .where('room_id', '=', run.roomId)
          .where('id', '<', oldestKept.id)
          .execute();
      }
    });
  }

  async recent({ roomId, limit }: { roomId?: string; limit: number }): Promise<ExecRunRecord[]> {
    let query = this.db.selectFrom('exec_runs').selectAll();
    if (roomId !== undefined) query = query.where('room_id', '=', roomId);
    const rows = await query.orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRecord);
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.db.deleteFrom('exec_runs').where('room_id', '=', roomId).execute();
  }

  async close(): Promise<void> {
    await this.release();
  }
}

function toRecord(row: Selectable<ExecRunsTable>): ExecRunRecord {
  return {
    roomId: row.room_id,
    memberId: row.member_id,
    language: row.language,
    durationMs: Number(row.duration_ms),
    exitCode: Number(row.exit_code),
    timedOut: Number(row.timed_out) === 1,
    truncated: Number(row.truncated) === 1,
    createdAt: Number(row.created_at),
  };
}
