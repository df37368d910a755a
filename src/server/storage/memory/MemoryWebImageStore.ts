import type { WebImageStore } from '../WebImageStore.js';

/** The remote-image index in RAM (its blobs are in RAM too without a database). */
export class MemoryWebImageStore implements WebImageStore {
  private readonly index = new Map<string, string>();

  async get(urlKey: string): Promise<string | undefined> {
    return this.index.get(urlKey);
  }

  async put(urlKey: string, sha256: string): Promise<void> {
    this.index.set(urlKey, sha256);
  }

  async close(): Promise<void> {
    this.index.clear();
  }
}
