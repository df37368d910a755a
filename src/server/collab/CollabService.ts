import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { LRUCache } from 'lru-cache';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import {
  CODE_MAX_CHARS,
  CODE_TEXT,
  COLLAB_DOC_MAX_BYTES,
  type CollabCloseReason,
} from '../../protocol/collab.js';
import type { ClusterChannel } from '../core/ClusterChannel.js';
import type { RoomkitContext } from '../core/context.js';
import type { MemoryAccountant } from '../core/MemoryAccountant.js';

/** y-websocket message types (the first varuint of every message). */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;
/** y-protocols/sync message types (the second varuint of a sync message). */
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

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
/**
 * What an applied update may add to the encoded document beyond its own bytes (an item split in
 * two by an insertion in its middle is written as two structs). Keeps the running size estimate
 * above the truth, so the exact measurement runs before the cap could be passed.
 */
const UPDATE_OVERHEAD_BYTES = 32;
/** An awareness state is a cursor and a name; anything bigger is not one. */
const MAX_AWARENESS_BYTES = 64 * 1024;
/** Awareness client ids one connection may speak for (a tab has one; a few spare for reloads). */
const MAX_AWARENESS_CLIENTS = 8;
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

/** A peer's place in a room's document, from `CollabService.connect`. */
export interface CollabConnection {
  /** Handles one message from the peer (y-websocket framing: sync, awareness, query awareness). */
  receive(message: Uint8Array): void;
  /** The peer is gone: its awareness states are removed, and the last one out unloads the doc. */
  leave(): void;
}

/** Thrown by `connect` when the peer may not open the document; the transport closes with it. */
export class CollabRefusal extends Error {
  override name = 'CollabRefusal';

  constructor(readonly reason: CollabCloseReason) {
    super(reason);
  }
}

export interface CollabOptions {
  /** Updates appended before the log may be compacted (default 200). */
  compactEvery?: number;
  /**
   * Multi-instance mode: the documents' updates and awareness go to the other instances through
   * this channel, and theirs come back, so editors converge whichever instance each is on.
   */
  channel?: ClusterChannel;
}

/** The channel topic, and its message types (a varuint, the room id, then the payload). */
const CLUSTER_TOPIC = 'collab';
const CLUSTER_UPDATE = 0;
const CLUSTER_AWARENESS = 1;
/** "Send me what I lack": the payload is a state vector; who has more answers with an update. */
const CLUSTER_SYNC = 2;
/** The origin of what another instance sent: applied and shown here, stored and sent on there. */
const FROM_CLUSTER = Symbol('from another instance');

/** A room's document while anyone has it open. */
class LiveDoc {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  /** The code, read by the size check of every update. */
  readonly text: Y.Text = this.doc.getText(CODE_TEXT);
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
  /** Updates in the stored log since its snapshot, and their bytes. */
  sinceCompaction = 0;
  logBytes = 0;
  /** Bytes of the stored snapshot (0 without one). */
  snapshotBytes = 0;
  /** Encoded size of the document, measured at load and compaction, estimated in between. */
  estimatedBytes = 0;
  /** The doc's key in the memory accountant, made once (it is used on every update). */
  readonly memoryKey: string;
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

  /** Counts the doc in the memory budget at its current size estimate (replacing the last count). */
  count(): void {
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
 * The collaborative code document of each room (API.md, "Collaborative code"): one live `Y.Doc`
 * per room while anyone is connected, loaded from the DocStore and unloaded (after compaction)
 * when the last connection leaves. It speaks y-websocket's protocol, as y-websocket's own server
 * does, with four differences: an update that would pass the size caps is refused (the sender
 * is closed with `document_too_large` and nobody else sees it), so is an update that adds
 * content while memory is critical (`overloaded`; deleting still works), a connection may only
 * speak for its own awareness client ids, and a doc update is not echoed back to its sender.
 *
 * Every applied update is appended to the room's log; once the log holds `compactEvery` updates
 * and as many bytes as the snapshot (or 1000 updates, or 2 MiB), and when the last connection
 * leaves, the whole state (`Y.encodeStateAsUpdate`) replaces the log — about 20× faster than
 * `Y.mergeUpdates` over a long log. The room's store operations
 * run one after another (a queue per room), so a compaction never drops an update appended after
 * it was encoded, and a reload waits for the compaction before it. Memory: the budget counts the
 * stored bytes (MemoryDocStore, `doc:<roomId>`) and, while the doc is open, the live doc
 * (`collab:<roomId>`: its estimated encoded size × LIVE_DOC_BYTES_PER_ENCODED_BYTE), released
 * when it is unloaded or dropped (docs/decisions/007).
 */
export class CollabService {
  private readonly docs = new Map<string, LiveDoc>();
  private readonly queues = new Map<string, Promise<void>>();
  /** Rooms that ended, so a connection racing the end cannot bring their document back. */
  private readonly ended = new LRUCache<string, true>({ max: 10_000 });
  private readonly compactEvery: number;
  private readonly compactAtMostEvery: number;
  private readonly unsubscribe: () => void;
  private readonly channel: ClusterChannel | undefined;
  private readonly unsubscribeChannel: (() => void)[] = [];

  constructor(
    private readonly ctx: RoomkitContext,
    options: CollabOptions = {},
  ) {
    this.compactEvery = options.compactEvery ?? COMPACT_EVERY;
    this.compactAtMostEvery = Math.max(this.compactEvery, COMPACT_AT_MOST_EVERY);
    this.unsubscribe = ctx.bus.subscribe((event) => {
      if (event.name === 'room:closed') this.drop(event.roomId);
    });
    this.channel = options.channel;
    if (this.channel) {
      this.unsubscribeChannel.push(
        this.channel.subscribe(CLUSTER_TOPIC, (message) => this.fromCluster(message)),
        // Updates sent while the instances could not reach each other are lost: ask again.
        this.channel.onResume(() => {
          for (const live of this.docs.values()) if (live.loaded) this.askCluster(live);
        }),
      );
    }
    // Behind any write still queued, so none brings the deleted document back.
    ctx.rooms.ownData('collab', async (roomId) => {
      this.drop(roomId);
      await this.enqueue(roomId, () => ctx.stores.docs.deleteRoom(roomId));
    });
  }

  /**
   * Opens the room's document for `peer` (loading it if nobody has it open), sends it the sync
   * step 1 and the current awareness states, and returns the peer's connection. The caller has
   * authenticated the peer for this room. Rejects with `CollabRefusal('room_closed')` for a room
   * that ended, or with the store's error.
   */
  async connect(roomId: string, peer: CollabPeer, member: CollabMember): Promise<CollabConnection> {
    if (this.ended.has(roomId)) throw new CollabRefusal('room_closed');
    const live = this.acquire(roomId);
    live.users++;
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      this.leave(live, peer);
    };
    try {
      await live.ready;
    } catch (error) {
      leave();
      throw error;
    }
    if (live.dropped) {
      leave();
      throw new CollabRefusal('room_closed');
    }
    live.peers.set(peer, new Set());
    live.members.set(peer, member);
    peer.send(syncMessage(SYNC_STEP1, Y.encodeStateVector(live.doc)));
    this.sendAwareness(live, peer);
    return {
      receive: (message) => {
        if (!left && !live.dropped) this.receive(live, peer, message);
      },
      leave,
    };
  }

  /** Documents open now, for the metrics and tests. */
  get openDocs(): number {
    return this.docs.size;
  }

  /** Waits until every queued store operation (appends, compactions) has run. */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Stops listening to the bus and waits for the queued writes. Connections are closed first. */
  async close(): Promise<void> {
    this.unsubscribe();
    for (const unsubscribe of this.unsubscribeChannel.splice(0)) unsubscribe();
    for (const live of [...this.docs.values()]) this.unload(live);
    await this.flush();
  }

  private acquire(roomId: string): LiveDoc {
    const open = this.docs.get(roomId);
    if (open) return open;
    const live = new LiveDoc(roomId, this.ctx.accountant);
    this.docs.set(roomId, live);
    live.ready = this.enqueue(roomId, () => this.load(live));
    live.ready.catch((error: unknown) => {
      this.ctx.log.error({ err: error, roomId }, 'collab document failed to load');
      if (this.docs.get(roomId) === live) this.docs.delete(roomId);
      live.destroy();
    });
    return live;
  }

  private async load(live: LiveDoc): Promise<void> {
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
    live.estimatedBytes = bytes;
    live.count();
    live.doc.on('update', (update: Uint8Array, origin: unknown) =>
      this.onUpdate(live, update, origin),
    );
    live.awareness.on('update', (changes: AwarenessChanges, origin: unknown) =>
      this.onAwareness(live, changes, origin),
    );
    live.loaded = true;
    // What another instance applied but has not stored yet (or stored after this load read).
    this.askCluster(live);
  }

  private leave(live: LiveDoc, peer: CollabPeer): void {
    const controlled = live.peers.get(peer);
    live.peers.delete(peer);
    live.members.delete(peer);
    live.users--;
    if (controlled && controlled.size > 0 && !live.destroyed) {
      awarenessProtocol.removeAwarenessStates(live.awareness, [...controlled], null);
    }
    if (live.users === 0 && this.docs.get(live.roomId) === live) this.unload(live);
  }

  private unload(live: LiveDoc): void {
    this.docs.delete(live.roomId);
    if (live.loaded && !live.dropped && live.sinceCompaction > 0) this.compact(live);
    live.destroy();
  }

  /** The room ended: its document is let go without being written again. */
  private drop(roomId: string): void {
    this.ended.set(roomId, true);
    const live = this.docs.get(roomId);
    if (!live) return;
    live.dropped = true;
    this.docs.delete(roomId);
    live.destroy();
  }

  private receive(live: LiveDoc, peer: CollabPeer, message: Uint8Array): void {
    try {
      const decoder = decoding.createDecoder(message);
      switch (decoding.readVarUint(decoder)) {
        case MESSAGE_SYNC:
          this.receiveSync(live, peer, decoder);
          break;
        case MESSAGE_AWARENESS:
          this.receiveAwareness(live, peer, decoding.readVarUint8Array(decoder));
          break;
        case MESSAGE_QUERY_AWARENESS:
          this.sendAwareness(live, peer);
          break;
        default:
        // Auth messages and types this server does not know are ignored, as y-websocket's
        // server does, so a newer client's extensions do not cost it its connection.
      }
    } catch (error) {
      // lib0 throws on reads past the end of a message, Yjs and the awareness protocol on
      // content they cannot decode: the peer does not speak the protocol.
      this.ctx.log.debug({ err: error, roomId: live.roomId }, 'collab message refused');
      peer.close('invalid_message');
    }
  }

  private receiveSync(live: LiveDoc, peer: CollabPeer, decoder: decoding.Decoder): void {
    const type = decoding.readVarUint(decoder);
    if (type === SYNC_STEP1) {
      const stateVector = decoding.readVarUint8Array(decoder);
      peer.send(syncMessage(SYNC_STEP2, Y.encodeStateAsUpdate(live.doc, stateVector)));
      return;
    }
    if (type !== SYNC_STEP2 && type !== SYNC_UPDATE) throw new Error(`sync message type ${type}`);
    const update = decoding.readVarUint8Array(decoder);
    if (this.ctx.accountant.level === 'critical' && addsContent(update)) {
      peer.close('overloaded');
      return;
    }
    const check = this.checkSize(live, update);
    if (!check.fits) {
      peer.close('document_too_large');
      return;
    }
    Y.applyUpdate(live.doc, update, peer);
    if (check.exactBytes !== undefined) {
      live.estimatedBytes = check.exactBytes;
      live.count();
    }
    if (this.dueForCompaction(live)) this.compact(live);
  }

  /**
   * Compaction encodes the whole document, so its cost grows with the document: waiting until
   * the log is as large as the snapshot keeps the cost per appended byte constant (every 200
   * updates of a large document, it took most of the server's time per edit), while a load
   * still applies at most about twice the document. By bytes too: typing and deleting a
   * megabyte again and again keeps the document small but would grow the log without end.
   */
  private dueForCompaction(live: LiveDoc): boolean {
    if (live.logBytes > COLLAB_DOC_MAX_BYTES) return true;
    if (live.sinceCompaction < this.compactEvery) return false;
    return live.logBytes >= live.snapshotBytes || live.sinceCompaction >= this.compactAtMostEvery;
  }

  /**
   * Whether `update` leaves the document within the caps (CODE_MAX_CHARS characters of code,
   * COLLAB_DOC_MAX_BYTES encoded). An update cannot add more characters than it has bytes (each
   * UTF-16 unit of inserted text takes at least one byte; other content counts one per value),
   * nor — within UPDATE_OVERHEAD_BYTES — more encoded bytes; updates held back for missing
   * predecessors may join in, so they count too. Far from the caps that settles it; near them
   * the update is applied to a copy of the document and the result measured.
   */
  private checkSize(live: LiveDoc, update: Uint8Array): { fits: boolean; exactBytes?: number } {
    const store = live.doc.store;
    const pending =
      (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0);
    const growth = update.byteLength + pending;
    if (
      live.text.length + growth <= CODE_MAX_CHARS &&
      live.estimatedBytes + growth + UPDATE_OVERHEAD_BYTES <= COLLAB_DOC_MAX_BYTES
    ) {
      return { fits: true };
    }
    const trial = new Y.Doc();
    try {
      // The state update carries the held-back updates too.
      Y.applyUpdate(trial, Y.encodeStateAsUpdate(live.doc));
      Y.applyUpdate(trial, update);
      const exactBytes = Y.encodeStateAsUpdate(trial).byteLength;
      const fits =
        trial.getText(CODE_TEXT).length <= CODE_MAX_CHARS && exactBytes <= COLLAB_DOC_MAX_BYTES;
      return { fits, exactBytes };
    } finally {
      trial.destroy();
    }
  }

  private receiveAwareness(live: LiveDoc, peer: CollabPeer, update: Uint8Array): void {
    // Ignored rather than fatal: a client's cursor is not worth its connection.
    if (update.byteLength > MAX_AWARENESS_BYTES) return;
    const own = live.peers.get(peer);
    const member = live.members.get(peer);
    if (!own || !member) return;
    const entries = decodeAwareness(update);
    if (entries === undefined) return;
    let fresh = 0;
    for (const { client } of entries) {
      const owner = live.owners.get(client);
      // Nobody speaks for the server's id, nor for another connection's. (Clients also echo
      // the states they hear; an echo changes nothing, so ignoring it loses nothing.)
      if (client === live.doc.clientID || (owner !== undefined && owner !== peer)) return;
      if (!own.has(client)) fresh++;
    }
    if (own.size + fresh > MAX_AWARENESS_CLIENTS) return;
    // The label on a cursor is the member's display name, not whatever the client wrote there.
    const stamped: AwarenessEntry[] = [];
    for (const entry of entries) {
      const state = stampUser(entry.state, member);
      if (state === undefined) return;
      stamped.push({ ...entry, state });
    }
    awarenessProtocol.applyAwarenessUpdate(live.awareness, encodeAwareness(stamped), peer);
  }

  private onAwareness(live: LiveDoc, changes: AwarenessChanges, origin: unknown): void {
    const peer = live.peers.has(origin as CollabPeer) ? (origin as CollabPeer) : undefined;
    if (peer) {
      // `updated` too: a client id seen before (a reconnect) is never `added` again.
      for (const client of [...changes.added, ...changes.updated]) {
        live.peers.get(peer)?.add(client);
        live.owners.set(client, peer);
      }
    }
    // Removed by its connection, by the connection closing, or timed out (30 s without renewal).
    for (const client of changes.removed) {
      const owner = live.owners.get(client);
      if (owner) live.peers.get(owner)?.delete(client);
      live.owners.delete(client);
    }
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    const update = awarenessProtocol.encodeAwarenessUpdate(live.awareness, changed);
    const message = awarenessMessage(update);
    // This instance's own changes (a peer's, or a peer gone) go to the others; states timed
    // out here are left to time out there by themselves.
    if (origin !== FROM_CLUSTER && origin !== 'timeout')
      this.channel?.publish(CLUSTER_TOPIC, clusterMessage(CLUSTER_AWARENESS, live.roomId, update));
    // To everyone, the sender included, as y-websocket does: a client that hears nothing for
    // 30 s reconnects, and its own renewed state (every 15 s) is what it hears in a quiet room.
    for (const each of live.peers.keys()) each.send(message);
  }

  private sendAwareness(live: LiveDoc, peer: CollabPeer): void {
    const clients = [...live.awareness.getStates().keys()];
    if (clients.length === 0) return;
    peer.send(awarenessMessage(awarenessProtocol.encodeAwarenessUpdate(live.awareness, clients)));
  }

  private onUpdate(live: LiveDoc, update: Uint8Array, origin: unknown): void {
    const message = syncMessage(SYNC_UPDATE, update);
    // Not back to its sender, which has it.
    for (const peer of live.peers.keys()) if (peer !== origin) peer.send(message);
    live.sinceCompaction++;
    live.logBytes += update.byteLength;
    live.estimatedBytes += update.byteLength + UPDATE_OVERHEAD_BYTES;
    live.count();
    // Another instance's update is stored, and sent on, by that instance.
    if (origin === FROM_CLUSTER) return;
    this.channel?.publish(CLUSTER_TOPIC, clusterMessage(CLUSTER_UPDATE, live.roomId, update));
    this.write(live, (roomId) => this.ctx.stores.docs.appendUpdate(roomId, update));
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
    live.estimatedBytes = snapshot.byteLength;
    live.count();
    const docs = this.ctx.stores.docs;
    if (!this.channel) {
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

  /** Asks the other instances for whatever of the room's document this one lacks. */
  private askCluster(live: LiveDoc): void {
    this.channel?.publish(
      CLUSTER_TOPIC,
      clusterMessage(CLUSTER_SYNC, live.roomId, Y.encodeStateVector(live.doc)),
    );
  }

  /**
   * Another instance's message: an update or awareness change to show here, or a request for
   * what it lacks, answered with an update of everything beyond its state vector. Rooms nobody
   * has open here are not concerned (their editors, when they come, load from the store and ask).
   */
  private fromCluster(message: Uint8Array): void {
    let roomId: string | undefined;
    try {
      const decoder = decoding.createDecoder(message);
      const type = decoding.readVarUint(decoder);
      roomId = decoding.readVarString(decoder);
      const payload = decoding.readVarUint8Array(decoder);
      const live = this.docs.get(roomId);
      if (!live?.loaded || live.dropped) return;
      if (type === CLUSTER_UPDATE) Y.applyUpdate(live.doc, payload, FROM_CLUSTER);
      else if (type === CLUSTER_AWARENESS)
        awarenessProtocol.applyAwarenessUpdate(live.awareness, payload, FROM_CLUSTER);
      else if (type === CLUSTER_SYNC) {
        const missing = Y.encodeStateAsUpdate(live.doc, payload);
        // Two bytes is Yjs' empty update: nothing to send.
        if (missing.byteLength > 2)
          this.channel?.publish(CLUSTER_TOPIC, clusterMessage(CLUSTER_UPDATE, roomId, missing));
        // And who is here, for the newcomer's cursors.
        const clients = [...live.awareness.getStates().keys()];
        if (clients.length > 0)
          this.channel?.publish(
            CLUSTER_TOPIC,
            clusterMessage(
              CLUSTER_AWARENESS,
              roomId,
              awarenessProtocol.encodeAwarenessUpdate(live.awareness, clients),
            ),
          );
      }
    } catch (error) {
      this.ctx.log.warn({ err: error, roomId }, 'collab message from another instance refused');
    }
  }

  private write(live: LiveDoc, op: (roomId: string) => Promise<void>): void {
    this.enqueue(live.roomId, async () => {
      if (!live.dropped) await op(live.roomId);
    }).catch((error: unknown) =>
      this.ctx.log.error({ err: error, roomId: live.roomId }, 'collab document write failed'),
    );
  }

  /** Runs `op` after every store operation queued before it for the room. */
  private enqueue<T>(roomId: string, op: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(roomId) ?? Promise.resolve()).then(op);
    // The last operation of the room's queue takes the queue with it when it settles.
    const settled = () => {
      if (this.queues.get(roomId) === tail) this.queues.delete(roomId);
    };
    const tail: Promise<void> = run.then(settled, settled);
    this.queues.set(roomId, tail);
    return run;
  }
}

/**
 * Whether a Yjs update brings content (any struct); one that only deletes does not, and frees
 * memory rather than taking it.
 */
function addsContent(update: Uint8Array): boolean {
  return Y.decodeUpdate(update).structs.length > 0;
}

interface AwarenessChanges {
  added: number[];
  updated: number[];
  removed: number[];
}

/**
 * A sync message, written straight into one buffer of its exact size: it is built for every
 * update, and lib0's encoder would allocate a working buffer and copy out of it.
 */
function clusterMessage(type: number, roomId: string, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  encoding.writeVarString(encoder, roomId);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

function syncMessage(type: number, payload: Uint8Array): Uint8Array {
  let header = 2;
  for (let length = payload.byteLength; length > 0x7f; length = Math.floor(length / 128)) header++;
  header++;
  const message = new Uint8Array(header + payload.byteLength);
  message[0] = MESSAGE_SYNC;
  message[1] = type;
  let at = 2;
  let length = payload.byteLength;
  while (length > 0x7f) {
    message[at++] = (length & 0x7f) | 0x80;
    length = Math.floor(length / 128);
  }
  message[at++] = length;
  message.set(payload, at);
  return message;
}

function awarenessMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

interface AwarenessEntry {
  client: number;
  clock: number;
  /** The state as JSON (`null` when the client removes it). */
  state: string;
}

/**
 * The entries of an awareness update (a count, then per client its id, clock and JSON state),
 * or undefined for more than a connection may speak for.
 */
function decodeAwareness(update: Uint8Array): AwarenessEntry[] | undefined {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  if (count > MAX_AWARENESS_CLIENTS) return undefined;
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const client = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    entries.push({ client, clock, state: decoding.readVarString(decoder) });
  }
  return entries;
}

function encodeAwareness(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const { client, clock, state } of entries) {
    encoding.writeVarUint(encoder, client);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, state);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * The state with `user.name` and `user.memberId` set to the connection's member (colour and
 * cursor stay the client's own); `null` stays `null`; undefined for a state that is not a JSON
 * object (the update is then ignored).
 */
function stampUser(json: string, member: CollabMember): string | undefined {
  let state: unknown;
  try {
    state = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (state === null) return json;
  if (typeof state !== 'object' || Array.isArray(state)) return undefined;
  const { user } = state as { user?: unknown };
  const given = typeof user === 'object' && user !== null && !Array.isArray(user) ? user : {};
  return JSON.stringify({
    ...state,
    user: { ...given, name: member.displayName, memberId: member.id },
  });
}
