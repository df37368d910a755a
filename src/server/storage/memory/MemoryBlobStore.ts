import type { MemoryAccountant } from '../../core/MemoryAccountant.js';
import type { BlobStore } from '../BlobStore.js';

/**
 * Blobs in RAM, each counted by the memory accountant under `blob:<key>`. A stored buffer is a
 * copy in its own allocation, so it never pins a larger buffer it was sliced from (a socket
 * frame, a multipart chunk).
 */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();

  constructor(private readonly accountant?: MemoryAccountant) {}

  async put(key: string, bytes: Buffer): Promise<void> {
    const own = Buffer.allocUnsafeSlow(bytes.byteLength);
    bytes.copy(own);
    this.blobs.set(key, own);
    this.accountant?.hold(`blob:${key}`, own.byteLength);
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.blobs.get(key);
  }

  async has(key: string): Promise<boolean> {
    return this.blobs.has(key);
  }

  /** The keys that start with `prefix` (a room's `<roomId>/`). */
  keys(prefix: string): string[] {
    return [...this.blobs.keys()].filter((key) => key.startsWith(prefix));
  }

  heldInMemory(): boolean {
    return true;
  }

  async deletePrefix(prefix: string): Promise<void> {
    for (const key of this.keys(prefix)) {
      this.blobs.delete(key);
      this.accountant?.release(`blob:${key}`);
    }
  }

  async close(): Promise<void> {
    for (const key of this.blobs.keys()) this.accountant?.release(`blob:${key}`);
    this.blobs.clear();
  }
}
