import { AppError } from './AppError.js';

export type MemoryLevel = 'ok' | 'warning' | 'critical';

export interface MemoryStatus {
  level: MemoryLevel;
  usedBytes: number;
  budgetBytes: number;
}

/** A cache the accountant may empty under pressure; returns the bytes it let go. */
export interface EvictableCache {
  name: string;
  hits: number;
  misses: number;
  /** Hits that waited for a job already running for the same key (request coalescing). */
  coalesced: number;
  /** Entries dropped to make room for newer ones. */
  evictions: number;
  readonly bytes: number;
  readonly entries: number;
  evictAll(): number;
}

/** A cache's figures, for the metrics. */
export type CacheStats = Pick<
  EvictableCache,
  'name' | 'bytes' | 'entries' | 'hits' | 'misses' | 'coalesced' | 'evictions'
>;

export interface Reservation {
  release(): void;
  /**
   * Lets the reservation go for `bytes` about to be held in its place (an upload's stored copy),
   * so the two are never counted together; refuses with 503 `overloaded`, keeping the
   * reservation, when they would not fit in the budget.
   */
  releaseFor(bytes: number): void;
}

/**
 * Knows every byte of room data held in RAM (files, thumbnails, cached images, collab documents
 * stored and open) against
 * MEMORY_BUDGET_BYTES. Levels: warning from 75 % of the budget, critical from 90 % (API.md,
 * "Health"). Uploads reserve their size before they are read, so parallel uploads can never
 * together exceed the budget; when held bytes reach critical, the pressure listeners run (caches
 * are emptied, then rooms evicted — see RoomService.relieveMemoryPressure).
 */
export class MemoryAccountant {
  private readonly held = new Map<string, number>();
  private readonly caches: EvictableCache[] = [];
  private readonly pressureListeners: (() => void)[] = [];
  private used = 0;
  private reserved = 0;
  /** Evictions so far, by kind (`cache`, `room`), for the metrics. */
  readonly evictions: Record<string, number> = { cache: 0, room: 0 };

  constructor(readonly budgetBytes: number) {}

  /** Records `bytes` under `key` (replacing what the key held before). */
  hold(key: string, bytes: number): void {
    // Called on every stored or applied collab update: one lookup and one write, no delete.
    const previous = this.held.get(key) ?? 0;
    this.held.set(key, bytes);
    this.used += bytes - previous;
    if (this.level === 'critical') for (const listener of this.pressureListeners) listener();
  }

  release(key: string): void {
    const bytes = this.held.get(key);
    if (bytes === undefined) return;
    this.held.delete(key);
    this.used -= bytes;
  }

  /**
   * Sets `bytes` aside for work in progress (an upload being read and processed), or refuses
   * with 503 `overloaded` when they would not fit in the budget.
   */
  reserve(bytes: number): Reservation {
    if (this.used + this.reserved + bytes > this.budgetBytes) throw overloaded();
    this.reserved += bytes;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.reserved -= bytes;
    };
    return {
      release,
      releaseFor: (replacement: number) => {
        const own = released ? 0 : bytes;
        if (this.used + this.reserved - own + replacement > this.budgetBytes) throw overloaded();
        release();
      },
    };
  }

  /** Whether `bytes` more could be held now without passing the budget. */
  fits(bytes: number): boolean {
    return this.used + this.reserved + bytes <= this.budgetBytes;
  }

  /** Registers a cache to be emptied first under memory pressure. */
  addCache(cache: EvictableCache): void {
    this.caches.push(cache);
  }

  /** Empties every registered cache; returns the bytes let go. */
  evictCaches(): number {
    let freed = 0;
    for (const cache of this.caches) freed += cache.evictAll();
    if (freed > 0) this.evictions.cache = (this.evictions.cache ?? 0) + 1;
    return freed;
  }

  /** Each registered cache's name, size and counts, for the metrics. */
  cacheStats(): CacheStats[] {
    return this.caches.map(({ name, bytes, entries, hits, misses, coalesced, evictions }) => ({
      name,
      bytes,
      entries,
      hits,
      misses,
      coalesced,
      evictions,
    }));
  }

  onPressure(listener: () => void): void {
    this.pressureListeners.push(listener);
  }

  get usedBytes(): number {
    return this.used;
  }

  get reservedBytes(): number {
    return this.reserved;
  }

  get level(): MemoryLevel {
    const ratio = (this.used + this.reserved) / this.budgetBytes;
    return ratio >= 0.9 ? 'critical' : ratio >= 0.75 ? 'warning' : 'ok';
  }

  status(): MemoryStatus {
    return { level: this.level, usedBytes: this.used, budgetBytes: this.budgetBytes };
  }
}

function overloaded(): AppError {
  return new AppError('overloaded', 'The server is busy; try again in a minute.', {
    headers: {
      'Retry-After': '60',
    },
  });
}
