import type { ExecRunRecord } from './records.js';

/** Runs a store keeps per room; older ones are dropped as new ones come. */
export const EXEC_RUNS_PER_ROOM = 1000;

/**
 * The execution log: one record per code run, for the admin panel. It never holds the code or
 * its output (those went to the room). Every driver passes storeContract.ts.
 */
export interface ExecRunStore {
  /** Adds a run; the room's oldest runs beyond EXEC_RUNS_PER_ROOM are dropped. */
  append(run: ExecRunRecord): Promise<void>;
  /** The newest `limit` runs (of one room, or of all), newest first. */
  recent(options: { roomId?: string; limit: number }): Promise<ExecRunRecord[]>;
  deleteRoom(roomId: string): Promise<void>;
  close(): Promise<void>;
}
