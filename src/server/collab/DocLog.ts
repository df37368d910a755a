import * as Y from 'yjs';
import { COLLAB_DOC_MAX_BYTES } from '../../protocol/collab.js';
import type { RoomkitContext } from '../core/context.js';
import type { LiveDoc } from './LiveDoc.js';

/**
 * Updates appended to a room's log before it is compacted into one snapshot, once the log is
 * also as large as the snapshot (or COMPACT_AT_MOST_EVERY updates long).
 */
const COMPACT_EVERY = 200;
/**
 * Updates after which the log is compacted even while it is smaller than the snapshot, so that
 * loading a document never replays more than this many updates after the snapshot.
 */
const COMPACT_AT_MOST_EVERY = 1000;

export interface DocLogOptions {
  /** Updates appended before the log may be compacted (default COMPACT_EVERY). */
  compactEvery?: number;
  /** Other instances append to the same logs (multi-instance mode). */
  shared: boolean;
}

/**
 * The rooms' documents in the DocStore: a snapshot and the updates appended since. Every applied
 * update is appended to the room's log; once the log holds `compactEvery` updates and as many
 * bytes as the snapshot (or 1000 updates, or 2 MiB), and when the last connection leaves, the
 * whole state (`Y.encodeStateAsUpdate`) replaces the log — about 20× faster than
 * `Y.mergeUpdates` over a long log. The room's store operations run one after another (a queue
 * per room), so a compaction never drops an update appended after it was encoded, and a reload
 * waits for the compaction before it. The log's counters live on the room's LiveDoc.
 */
export class DocLog {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly compactEvery: number;
  private readonly compactAtMostEvery: number;
  private readonly shared: boolean;

  constructor(
    private readonly ctx: Pick<RoomkitContext, 'stores' | 'log'>,
    options: DocLogOptions,
  ) {
    this.compactEvery = options.compactEvery ?? COMPACT_EVERY;
    this.compactAtMostEvery = Math.max(this.compactEvery, COMPACT_AT_MOST_EVERY);
    this.shared = options.shared;
  }

  /**
   * Applies the room's stored snapshot and updates to `live`'s empty document. Run in the room's
   * queue (`enqueue`), so that it reads what every write queued before it left.
   */
  async restore(live: LiveDoc): Promise<void> {
    const stored = await this.ctx.stores.docs.load(live.roomId);
    if (live.destroyed) return;
    let bytes = 0;
    let logBytes = 0;
    // One transaction: observers and the cleanup run once, not once per stored update.
    Y.transact(live.doc, () => {
      for (const update of stored.snapshot
        ? [stored.snapshot, ...stored.updates]
        : stored.updates) {
        Y.applyUpdate(live.doc, update);
        bytes += update.byteLength;
      }
    });
    for (const update of stored.updates) logBytes += update.byteLength;
    live.sinceCompaction = stored.updates.length;
    live.logBytes = logBytes;
    live.snapshotBytes = stored.snapshot?.byteLength ?? 0;
    live.measured(bytes);
  }

  /** Counts `update` in the room's log, whichever instance appends it. */
  counted(live: LiveDoc, update: Uint8Array): void {
    live.sinceCompaction++;
    live.logBytes += update.byteLength;
  }

  /** Appends `update` to the room's log, behind the room's queued store operations. */
  append(live: LiveDoc, update: Uint8Array): void {
    this.write(live, (roomId) => this.ctx.stores.docs.appendUpdate(roomId, update));
  }

  /**
   * Compaction encodes the whole document, so its cost grows with the document: waiting until
   * the log is as large as the snapshot keeps the cost per appended byte constant (every 200
   * updates of a large document, it took most of the server's time per edit), while a load
   * still applies at most about twice the document. By bytes too: typing and deleting a
   * megabyte again and again keeps the document small but would grow the log without end.
   */
  compactIfDue(live: LiveDoc): void {
    if (this.dueForCompaction(live)) this.compact(live);
  }

  /** The document is being unloaded: what its log gained since the snapshot is folded in. */
  compactIfGrown(live: LiveDoc): void {
    if (live.loaded && !live.dropped && live.sinceCompaction > 0) this.compact(live);
  }

  /** Deletes the room's document, behind any write still queued so none brings it back. */
  deleteRoom(roomId: string): Promise<void> {
    return this.enqueue(roomId, () => this.ctx.stores.docs.deleteRoom(roomId));
  }

  /** Runs `op` after every store operation queued before it for the room. */
  enqueue<T>(roomId: string, op: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(roomId) ?? Promise.resolve()).then(op);
    // The last operation of the room's queue takes the queue with it when it settles.
    const settled = () => {
      if (this.queues.get(roomId) === tail) this.queues.delete(roomId);
    };
    const tail: Promise<void> = run.then(settled, settled);
    this.queues.set(roomId, tail);
    return run;
  }

  /** Waits until every queued store operation (appends, compactions) has run. */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private dueForCompaction(live: LiveDoc): boolean {
    if (live.logBytes > COLLAB_DOC_MAX_BYTES) return true;
    if (live.sinceCompaction < this.compactEvery) return false;
    return live.logBytes >= live.snapshotBytes || live.sinceCompaction >= this.compactAtMostEvery;
  }

  /**
   * Folds the room's log into one snapshot of the document as it is now. With other instances
   * appending to the same log, the snapshot also takes in what the log holds (some of it may
   * not have reached this instance yet) and only the updates it read are removed.
   */
  private compact(live: LiveDoc): void {
    const snapshot = Y.encodeStateAsUpdate(live.doc);
    live.sinceCompaction = 0;
    live.logBytes = 0;
    live.snapshotBytes = snapshot.byteLength;
    live.measured(snapshot.byteLength);
    const docs = this.ctx.stores.docs;
    if (!this.shared) {
      this.write(live, (roomId) => docs.replace(roomId, snapshot));
      return;
    }
    this.write(live, async (roomId) => {
      const stored = await docs.load(roomId);
      const merged = new Y.Doc();
      try {
        Y.transact(merged, () => {
          Y.applyUpdate(merged, snapshot);
          if (stored.snapshot) Y.applyUpdate(merged, stored.snapshot);
          for (const update of stored.updates) Y.applyUpdate(merged, update);
        });
        await docs.replace(roomId, Y.encodeStateAsUpdate(merged), stored.cursor);
      } finally {
        merged.destroy();
      }
    });
  }

  /** Queues `op` for the room unless the room ended by the time it runs; failures are logged. */
  private write(live: LiveDoc, op: (roomId: string) => Promise<void>): void {
    this.enqueue(live.roomId, async () => {
      if (!live.dropped) await op(live.roomId);
    }).catch((error: unknown) =>
      this.ctx.log.error({ err: error, roomId: live.roomId }, 'collab document write failed'),
    );
  }
}
