/**
 * Keys that exist for a while and then are gone: what one instance keeps in RAM and several keep
 * in Redis (cluster/RedisExpiringKeys.ts), such as the recovery sessions a member's leaving
 * dropped (transport/RecoveryGate.ts).
 */
export interface ExpiringKeys {
  /** Adds `key` for `ttlMs`; false if it was there already (so one caller of several wins). */
  add(key: string, ttlMs: number): Promise<boolean>;
  /** Removes `key` before its time; false if it was not there. */
  delete(key: string): Promise<boolean>;
  /** Whether any of `keys` is there. */
  hasAny(keys: string[]): Promise<boolean>;
}

/** How often the expired keys are swept out (a read never sees one anyway). */
const SWEEP_MS = 30_000;

/** One instance's expiring keys, in a Map. */
export class MemoryExpiringKeys implements ExpiringKeys {
  private readonly keys = new Map<string, number>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  add(key: string, ttlMs: number): Promise<boolean> {
    const now = this.now();
    this.sweep(now);
    if (this.live(key, now)) return Promise.resolve(false);
    this.keys.set(key, now + ttlMs);
    return Promise.resolve(true);
  }

  delete(key: string): Promise<boolean> {
    const live = this.live(key, this.now());
    this.keys.delete(key);
    return Promise.resolve(live);
  }

  hasAny(keys: string[]): Promise<boolean> {
    const now = this.now();
    return Promise.resolve(keys.some((key) => this.live(key, now)));
  }

  private live(key: string, now: number): boolean {
    const until = this.keys.get(key);
    return until !== undefined && until > now;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < SWEEP_MS) return;
    this.lastSweep = now;
    for (const [key, until] of this.keys) if (until <= now) this.keys.delete(key);
  }
}
