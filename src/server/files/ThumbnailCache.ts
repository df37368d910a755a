import { LRUCache } from 'lru-cache';
import type { EvictableCache, MemoryAccountant } from '../core/MemoryAccountant.js';

export interface Thumbnail {
  bytes: Buffer;
  mime: string;
}

/**
 * Resized images by key, in a byte-budgeted LRU whose every byte the memory accountant counts.
 * Concurrent requests for the same missing thumbnail share one job (request coalescing), so a
 * burst of viewers costs one resize, not one each.
 */
export class ThumbnailCache implements EvictableCache {
  readonly name = 'thumbnails';
  hits = 0;
  misses = 0;
  private readonly lru: LRUCache<string, Thumbnail>;
  private readonly pending = new Map<string, Promise<Thumbnail>>();

  constructor(
    private readonly accountant: MemoryAccountant,
    maxBytes: number,
  ) {
    this.lru = new LRUCache<string, Thumbnail>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (thumb) => Math.max(1, thumb.bytes.byteLength),
      dispose: (_thumb, key) => accountant.release(`thumb:${key}`),
    });
    accountant.addCache(this);
  }

  /** The cached thumbnail for `key`, or the result of `make` (run once however many ask). */
  async get(key: string, make: () => Promise<Thumbnail>): Promise<Thumbnail> {
    const cached = this.lru.get(key);
    if (cached) {
      this.hits += 1;
      return cached;
    }
    const running = this.pending.get(key);
    if (running) {
      this.hits += 1;
      return running;
    }
    this.misses += 1;
    const job = make()
      .then((thumb) => {
        // Kept only while it fits: a cache must never be what pushes memory past the budget.
        if (
          thumb.bytes.byteLength <= this.lru.maxSize &&
          this.accountant.fits(thumb.bytes.byteLength)
        ) {
          this.lru.set(key, thumb);
          this.accountant.hold(`thumb:${key}`, thumb.bytes.byteLength);
        }
        return thumb;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, job);
    return job;
  }

  /** Drops every thumbnail whose key starts with `prefix` (a room that ended). */
  deletePrefix(prefix: string): void {
    for (const key of [...this.lru.keys()]) if (key.startsWith(prefix)) this.lru.delete(key);
  }

  evictAll(): number {
    const bytes = this.lru.calculatedSize;
    this.lru.clear();
    return bytes;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}
