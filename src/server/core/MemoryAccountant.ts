export type MemoryLevel = 'ok' | 'warning' | 'critical';

export interface MemoryStatus {
  level: MemoryLevel;
  usedBytes: number;
  budgetBytes: number;
}

/**
 * Knows every byte of room data held in RAM (files, cached images) against MEMORY_BUDGET_BYTES.
 * Levels: warning from 75 % of the budget, critical from 90 % (API.md, "Health").
 */
export class MemoryAccountant {
  private readonly held = new Map<string, number>();
  private used = 0;

  constructor(readonly budgetBytes: number) {}

  /** Records `bytes` under `key` (replacing what the key held before). */
  hold(key: string, bytes: number): void {
    this.release(key);
    this.held.set(key, bytes);
    this.used += bytes;
  }

  release(key: string): void {
    const bytes = this.held.get(key);
    if (bytes === undefined) return;
    this.held.delete(key);
    this.used -= bytes;
  }

  /** Releases every key that starts with `prefix` (e.g. all of one room's files). */
  releasePrefix(prefix: string): void {
    for (const key of [...this.held.keys()]) if (key.startsWith(prefix)) this.release(key);
  }

  get usedBytes(): number {
    return this.used;
  }

  get level(): MemoryLevel {
    const ratio = this.used / this.budgetBytes;
    return ratio >= 0.9 ? 'critical' : ratio >= 0.75 ? 'warning' : 'ok';
  }

  status(): MemoryStatus {
    return { level: this.level, usedBytes: this.used, budgetBytes: this.budgetBytes };
  }
}
