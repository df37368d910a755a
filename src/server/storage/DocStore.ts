/** What a DocStore holds for one room: an optional compacted snapshot and the updates after it. */
export interface StoredDoc {
  /** One Yjs update holding the whole document as of the last compaction. */
  snapshot?: Uint8Array;
  /** Yjs updates appended since the snapshot, oldest first. */
  updates: Uint8Array[];
}

/**
 * The collaborative document of each room, as Yjs updates (v1 encoding). Loading applies the
 * snapshot, then the updates in order; Yjs updates commute and are idempotent, so an update
 * stored twice (once in a snapshot, once in the log) does no harm. Every driver passes
 * storeContract.ts.
 */
export interface DocStore {
  /** The room's snapshot and updates; `{ updates: [] }` for a room with nothing stored. */
  load(roomId: string): Promise<StoredDoc>;
  /** Appends one update to the room's log. The driver keeps its own copy of the bytes. */
  appendUpdate(roomId: string, update: Uint8Array): Promise<void>;
  /**
   * Compaction: `snapshot` replaces the stored snapshot and every stored update, atomically — a
   * load sees either the old state or the new one, never a mix. The caller makes sure no update
   * it has not folded into `snapshot` is appended concurrently.
   */
  replace(roomId: string, snapshot: Uint8Array): Promise<void>;
  deleteRoom(roomId: string): Promise<void>;
  close(): Promise<void>;
}
