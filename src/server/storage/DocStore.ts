/** What a DocStore holds for one room: an optional compacted snapshot and the updates after it. */
export interface StoredDoc {
  /** One Yjs update holding the whole document as of the last compaction. */
  snapshot?: Uint8Array;
  /** Yjs updates appended since the snapshot, oldest first. */
  updates: Uint8Array[];
  /**
   * Where this load's log ends: `replace(…, cursor)` removes exactly the updates returned here,
   * keeping any appended since (by another instance, say).
   */
  cursor: number;
}

/**
 * The collaborative document of each room, as Yjs updates (v1 encoding). Loading applies the
 * snapshot, then the updates in order; Yjs updates commute and are idempotent, so an update
 * stored twice (once in a snapshot, once in the log) does no harm. Every driver passes
 * storeContract.ts.
 */
export interface DocStore {
  /** The room's snapshot and updates; no snapshot and no updates for a room with nothing stored. */
  load(roomId: string): Promise<StoredDoc>;
  /** Appends one update to the room's log. The driver keeps its own copy of the bytes. */
  appendUpdate(roomId: string, update: Uint8Array): Promise<void>;
  /**
   * Compaction: `snapshot` replaces the stored snapshot and the stored updates, atomically — a
   * load sees either the old state or the new one, never a mix. Without `cursor`, every stored
   * update goes, and the caller makes sure none it has not folded into `snapshot` is appended
   * concurrently; with the `cursor` of a load, only the updates that load returned go.
   */
  replace(roomId: string, snapshot: Uint8Array, cursor?: number): Promise<void>;
  deleteRoom(roomId: string): Promise<void>;
  close(): Promise<void>;
}
