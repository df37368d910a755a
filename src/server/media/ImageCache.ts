import { LRUCache } from 'lru-cache';
import type { EvictableCache, MemoryAccountant } from '../core/MemoryAccountant.js';

/** What an image cache holds: encoded bytes and their type. */
export interface CachedImage {
  bytes: Buffer;
  mime: string;
}

export interface ImageCacheOptions {
  /** The cache's name in the metrics (`thumbnails`, `remote_images`). */
  name: string;
  /** Bytes the cache may hold before it drops its least recently used entries. */
  maxBytes: number;
  /** The largest single entry kept; a bigger one is handed out but not cached. Default: maxBytes. */
  maxEntryBytes?: number;
}

/**
 * Images by key, in a byte-budgeted LRU whose every byte the memory accountant counts, and
 * which the accountant empties first under memory pressure. Concurrent requests for the same
 * missing image share one job (request coalescing): a burst of viewers costs one fetch and one
 * resize, not one each. Files' thumbnails and the image proxy's variants each have one.
 */
export class ImageCache<T extends CachedImage = CachedImage> implements EvictableCache {
  readonly name: string;
  hits = 0;
  misses = 0;
  /** Requests that waited for a job another request had started. */
  coalesced = 0;
  /** Entries dropped to make room (not those deleted with a room, nor emptied under pressure). */
  evictions = 0;
  private readonly lru: LRUCache<string, T>;
  private readonly pending = new Map<string, Promise<T>>();
  private readonly maxEntryBytes: number;

  constructor(
    private readonly accountant: MemoryAccountant,
    options: ImageCacheOptions,
  ) {
    this.name = options.name;
    const maxBytes = Math.max(1, options.maxBytes);
    this.maxEntryBytes = Math.min(maxBytes, options.maxEntryBytes ?? maxBytes);
    this.lru = new LRUCache<string, T>({
      maxSize: maxBytes,
      sizeCalculation: (image) => Math.max(1, image.bytes.byteLength),
      dispose: (_image, key, reason) => {
        if (reason === 'evict') this.evictions += 1;
        accountant.release(this.accountKey(key));
      },
    });
    accountant.addCache(this);
  }

  /** The cached image for `key`, or the result of `make` (run once however many ask). */
  async get(key: string, make: () => Promise<T>): Promise<T> {
    const cached = this.lru.get(key);
    if (cached) {
      this.hits += 1;
      return cached;
    }
    const running = this.pending.get(key);
    if (running) {
      this.hits += 1;
      this.coalesced += 1;
      return running;
    }
    this.misses += 1;
    const job = make()
      .then((image) => {
        this.keep(key, image);
        return image;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, job);
    return job;
  }

  /** The cached image for `key`, without making it. */
  peek(key: string): T | undefined {
    return this.lru.get(key);
  }

  /** Drops every image whose key starts with `prefix` (a room that ended). */
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

  get entries(): number {
    return this.lru.size;
  }

  /** Kept only while it fits: a cache must never be what pushes memory past the budget. */
  private keep(key: string, image: T): void {
    const size = image.bytes.byteLength;
    if (size > this.maxEntryBytes || !this.accountant.fits(size)) return;
    this.lru.set(key, image);
    this.accountant.hold(this.accountKey(key), size);
  }

  private accountKey(key: string): string {
    return `${this.name}:${key}`;
  }
}
