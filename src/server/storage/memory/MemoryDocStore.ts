import type { MemoryAccountant } from '../../core/MemoryAccountant.js';
import type { DocStore, StoredDoc } from '../DocStore.js';

interface Entry {
  snapshot: Uint8Array | undefined;
  updates: Uint8Array[];
  /** Updates ever removed from the front of `updates` (cursors count from the first append). */
  removed: number;
  bytes: number;
  /** `doc:<roomId>`, the accountant's key, made once rather than on every append. */
  key: string;
}

/**
 * Room documents in RAM. Every stored byte is counted by the memory accountant under
 * `doc:<roomId>` (snapshot plus log), for as long as the room lives whether or not anyone has
 * it open (LiveDoc counts the live Y.Doc apart, under `collab:<roomId>`, while it is
 * open). Stored bytes are copies in their own allocation, so a WebSocket frame they were sliced
 * from is never pinned.
 */
export class MemoryDocStore implements DocStore {
  private readonly rooms = new Map<string, Entry>();

  constructor(private readonly accountant?: MemoryAccountant) {}

  async load(roomId: string): Promise<StoredDoc> {
    const entry = this.rooms.get(roomId);
    if (!entry) return { updates: [], cursor: 0 };
    const cursor = entry.removed + entry.updates.length;
    return entry.snapshot === undefined
      ? { updates: [...entry.updates], cursor }
      : { snapshot: entry.snapshot, updates: [...entry.updates], cursor };
  }

  async appendUpdate(roomId: string, update: Uint8Array): Promise<void> {
    let entry = this.rooms.get(roomId);
    if (!entry) {
      entry = { snapshot: undefined, updates: [], removed: 0, bytes: 0, key: `doc:${roomId}` };
      this.rooms.set(roomId, entry);
    }
    entry.updates.push(copy(update));
    entry.bytes += update.byteLength;
    this.count(entry);
  }

  async replace(roomId: string, snapshot: Uint8Array, cursor?: number): Promise<void> {
    const old = this.rooms.get(roomId);
    const removed = old ? old.removed + old.updates.length : 0;
    // The updates appended after the load whose cursor this is stay.
    const kept =
      old && cursor !== undefined ? old.updates.slice(Math.max(0, cursor - old.removed)) : [];
    let bytes = snapshot.byteLength;
    for (const update of kept) bytes += update.byteLength;
    const entry: Entry = {
      snapshot: copy(snapshot),
      updates: kept,
      removed: removed - kept.length,
      bytes,
      key: old?.key ?? `doc:${roomId}`,
    };
    this.rooms.set(roomId, entry);
    this.count(entry);
  }

  async deleteRoom(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
    this.accountant?.release(`doc:${roomId}`);
  }

  async close(): Promise<void> {
    for (const roomId of this.rooms.keys()) this.accountant?.release(`doc:${roomId}`);
    this.rooms.clear();
  }

  private count(entry: Entry): void {
    this.accountant?.hold(entry.key, entry.bytes);
  }
}

function copy(bytes: Uint8Array): Uint8Array {
  const own = new Uint8Array(bytes.byteLength);
  own.set(bytes);
  return own;
}
