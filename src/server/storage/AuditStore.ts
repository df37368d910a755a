import type { AuditRecord } from './records.js';

/** Entries an audit log keeps; older ones are dropped as new ones come. */
export const AUDIT_ENTRIES_KEPT = 10_000;

/**
 * The admin audit log: who did what to which room or member, and when. Global, not per room: it
 * outlives the rooms it names. Every driver passes storeContract.ts.
 */
export interface AuditStore {
  /** Adds an entry; the oldest beyond AUDIT_ENTRIES_KEPT are dropped. */
  append(entry: AuditRecord): Promise<void>;
  /** The newest `limit` entries, newest first. */
  recent(limit: number): Promise<AuditRecord[]>;
  close(): Promise<void>;
}
