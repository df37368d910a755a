import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  CODE_MAX_CHARS,
  CODE_TEXT,
  COLLAB_DOC_MAX_BYTES,
  type CollabCloseReason,
} from '../../protocol/collab.js';
import type { MemoryAccountant } from '../core/MemoryAccountant.js';

/**
 * What an applied update may add to the encoded document beyond its own bytes (an item split in
 * two by an insertion in its middle is written as two structs). Keeps the running size estimate
 * above the truth, so the exact measurement runs before the cap could be passed.
 */
const UPDATE_OVERHEAD_BYTES = 32;
/**
 * Bytes of JS heap a live `Y.Doc` takes per byte of its encoded size, for the memory budget.
 * Measured by bench/collab/liveDocFactor.ts (40 Y.Docs applying each client update as the
 * server does, heap after a full GC, divided by `Y.encodeStateAsUpdate`'s length; Node 20,
 * Yjs 13): one paste about 1, code pasted line by line 3.6, one person typing with corrections
 * 7.6, 20 editors inserting at random places 10.5, one person typing keystroke by keystroke 12
 * (Yjs joins the keystrokes into one string that V8 keeps as a chain of one-character pieces).
 * 8 is typing as people do: it overcounts a pasted document and undercounts bare keystrokes.
 */
export const LIVE_DOC_BYTES_PER_ENCODED_BYTE = 8;

/** One end of a collab connection, as the transport hands it in. */
export interface CollabPeer {
  /** Sends one y-websocket message; never throws (a dead connection just drops it). */
  send(message: Uint8Array): void;
  /** Ends the connection with the close code of `reason` (protocol/collab.ts). */
  close(reason: CollabCloseReason): void;
}

/** Who a connection belongs to: their awareness states carry this name, whatever they send. */
export interface CollabMember {
  id: string;
  displayName: string;
}

/** Why an update from a peer is not applied (the close reason of its connection). */
type UpdateRefusal = Extract<CollabCloseReason, 'overloaded' | 'document_too_large'>;

/** What an awareness update changed, as y-protocols' `Awareness` reports it. */
export interface AwarenessChanges {
  added: number[];
  updated: number[];
  removed: number[];
}

/**
 * A room's document while anyone has it open. Memory: the budget counts the stored bytes
 * (MemoryDocStore, `doc:<roomId>`) and, while the doc is open, the live doc (`collab:<roomId>`:
 * its estimated encoded size × LIVE_DOC_BYTES_PER_ENCODED_BYTE), released when it is destroyed
 * — unloaded or dropped (docs/decisions/007).
 */
export class LiveDoc {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  /** The code, read by the size check of every update. */
  private readonly text: Y.Text = this.doc.getText(CODE_TEXT);
  /** Open connections, each with the awareness client ids it speaks for. */
  readonly peers = new Map<CollabPeer, Set<number>>();
  /** The member each open connection belongs to. */
  readonly members = new Map<CollabPeer, CollabMember>();
  /** Which connection speaks for an awareness client id. */
  readonly owners = new Map<number, CollabPeer>();
  /** Connections that asked for the doc and have not left (some may still wait for the load). */
  users = 0;
  ready: Promise<void> = Promise.resolve();
  loaded = false;
  /** The room ended: nothing more is written for it. */
  dropped = false;
  destroyed = false;
  /** Updates in the stored log since its snapshot, and their bytes (kept by DocLog). */
  sinceCompaction = 0;
  logBytes = 0;
  /** Bytes of the stored snapshot (0 without one). */
  snapshotBytes = 0;
  /** Encoded size of the document, measured at load and compaction, estimated in between. */
  private estimatedBytes = 0;
  /** The doc's key in the memory accountant, made once (it is used on every update). */
  private readonly memoryKey: string;
  /** Whether the memory accountant holds this doc under `memoryKey`. */
  private counted = false;

  constructor(
    readonly roomId: string,
    private readonly accountant: MemoryAccountant,
  ) {
    this.memoryKey = `collab:${roomId}`;
    // The server is no participant: it has no cursor of its own.
    this.awareness.setLocalState(null);
  }

  /** Takes `peer` in; it speaks for no awareness client yet. */
  join(peer: CollabPeer, member: CollabMember): void {
    this.peers.set(peer, new Set());
    this.members.set(peer, member);
  }

  /** Lets `peer` go, and with it the awareness states it spoke for. */
  leave(peer: CollabPeer): void {
    const controlled = this.peers.get(peer);
    this.peers.delete(peer);
    this.members.delete(peer);
    this.users--;
    if (controlled && controlled.size > 0 && !this.destroyed) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...controlled], null);
    }
  }

  /**
   * Records which connection speaks for the awareness clients an update changed: the one it came
   * from (`origin`), for those it added or updated; nobody, for those it removed.
   */
  trackAwareness(changes: AwarenessChanges, origin: unknown): void {
    const own = this.peers.get(origin as CollabPeer);
    if (own) {
      // `updated` too: a client id seen before (a reconnect) is never `added` again.
      for (const client of [...changes.added, ...changes.updated]) {
        own.add(client);
        this.owners.set(client, origin as CollabPeer);
      }
    }
    // Removed by its connection, by the connection closing, or timed out (30 s without renewal).
    for (const client of changes.removed) {
      const owner = this.owners.get(client);
      if (owner) this.peers.get(owner)?.delete(client);
      this.owners.delete(client);
    }
  }

  /** Every awareness state held, as one awareness update; undefined when there is none. */
  allAwareness(): Uint8Array | undefined {
    const clients = [...this.awareness.getStates().keys()];
    if (clients.length === 0) return undefined;
    return awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients);
  }

  /**
   * Whether `update` may be applied: not if it adds content while memory is critical (deleting
   * still works), nor if it would pass the size caps. `exactBytes`, when the check measured it,
   * is the document's encoded size with the update.
   */
  admit(update: Uint8Array): { refusal?: UpdateRefusal; exactBytes?: number } {
    if (this.accountant.level === 'critical' && addsContent(update))
      return { refusal: 'overloaded' };
    const { fits, exactBytes } = this.checkSize(update);
    return fits ? { exactBytes } : { refusal: 'document_too_large' };
  }

  /**
   * Whether `update` leaves the document within the caps (CODE_MAX_CHARS characters of code,
   * COLLAB_DOC_MAX_BYTES encoded). An update cannot add more characters than it has bytes (each
   * UTF-16 unit of inserted text takes at least one byte; other content counts one per value),
   * nor — within UPDATE_OVERHEAD_BYTES — more encoded bytes; updates held back for missing
   * predecessors may join in, so they count too. Far from the caps that settles it; near them
   * the update is applied to a copy of the document and the result measured.
   */
  private checkSize(update: Uint8Array): { fits: boolean; exactBytes?: number } {
    const store = this.doc.store;
    const pending =
      (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0);
    const growth = update.byteLength + pending;
    if (
      this.text.length + growth <= CODE_MAX_CHARS &&
      this.estimatedBytes + growth + UPDATE_OVERHEAD_BYTES <= COLLAB_DOC_MAX_BYTES
    ) {
      return { fits: true };
    }
    const trial = new Y.Doc();
    try {
      // The state update carries the held-back updates too.
      Y.applyUpdate(trial, Y.encodeStateAsUpdate(this.doc));
      Y.applyUpdate(trial, update);
      const exactBytes = Y.encodeStateAsUpdate(trial).byteLength;
      const fits =
        trial.getText(CODE_TEXT).length <= CODE_MAX_CHARS && exactBytes <= COLLAB_DOC_MAX_BYTES;
      return { fits, exactBytes };
    } finally {
      trial.destroy();
    }
  }

  /** The document's encoded size is now `bytes` (measured): counted at that. */
  measured(bytes: number): void {
    this.estimatedBytes = bytes;
    this.count();
  }

  /** An update was applied: the size estimate grows by at most what it can add. */
  grew(update: Uint8Array): void {
    this.estimatedBytes += update.byteLength + UPDATE_OVERHEAD_BYTES;
    this.count();
  }

  /** Counts the doc in the memory budget at its current size estimate (replacing the last count). */
  private count(): void {
    if (this.destroyed) return;
    this.counted = true;
    this.accountant.hold(
      this.memoryKey,
      Math.ceil(this.estimatedBytes * LIVE_DOC_BYTES_PER_ENCODED_BYTE),
    );
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.counted) this.accountant.release(this.memoryKey);
    this.awareness.destroy();
    this.doc.destroy();
  }
}

/**
 * Whether a Yjs update brings content (any struct); one that only deletes does not, and frees
 * memory rather than taking it.
 */
function addsContent(update: Uint8Array): boolean {
  return Y.decodeUpdate(update).structs.length > 0;
}
