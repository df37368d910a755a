import { AUDIT_ENTRIES_KEPT, type AuditStore } from '../AuditStore.js';
import type { AuditRecord } from '../records.js';

/** The audit log in RAM, oldest first. */
export class MemoryAuditStore implements AuditStore {
  private readonly entries: AuditRecord[] = [];

  async append(entry: AuditRecord): Promise<void> {
    this.entries.push({ ...entry });
    if (this.entries.length > AUDIT_ENTRIES_KEPT)
      this.entries.splice(0, this.entries.length - AUDIT_ENTRIES_KEPT);
  }

  async recent(limit: number): Promise<AuditRecord[]> {
    return this.entries
      .slice(-limit)
      .reverse()
      .map((entry) => ({ ...entry }));
  }

  async close(): Promise<void> {}
}
