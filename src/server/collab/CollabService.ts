import { LRUCache } from 'lru-cache';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { CollabCloseReason } from '../../protocol/collab.js';
import type { ClusterChannel } from '../core/ClusterChannel.js';
import type { RoomkitContext } from '../core/context.js';
import { guardAwareness } from './awarenessGuard.js';
import { ClusterRelay, FROM_CLUSTER } from './ClusterRelay.js';
import { DocLog } from './DocLog.js';
import { LiveDoc, type AwarenessChanges, type CollabMember, type CollabPeer } from './LiveDoc.js';
import * as yProtocol from './yProtocol.js';

export { LIVE_DOC_BYTES_PER_ENCODED_BYTE, type CollabMember, type CollabPeer } from './LiveDoc.js';

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

/**
 * The collaborative code document of each room (API.md, "Collaborative code"): one live `Y.Doc`
 * per room while anyone is connected, loaded from the DocStore and unloaded (after compaction)
 * when the last connection leaves. It speaks y-websocket's protocol, as y-websocket's own server
 * does, with four differences: an update that would pass the size caps is refused (the sender
 * is closed with `document_too_large` and nobody else sees it), so is an update that adds
 * content while memory is critical (`overloaded`; deleting still works), a connection may only
 * speak for its own awareness client ids, and a doc update is not echoed back to its sender.
 *
 * The parts: LiveDoc (the document, its connections, which updates it admits, its memory count),
 * yProtocol (the framing), awarenessGuard (what a connection may say in awareness), DocLog (the
 * store's log and its compaction) and, with several instances, ClusterRelay.
 */
export class CollabService {
  private readonly docs = new Map<string, LiveDoc>();
  /** Rooms that ended, so a connection racing the end cannot bring their document back. */
  private readonly ended = new LRUCache<string, true>({ max: 10_000 });
  private readonly docLog: DocLog;
  private readonly relay: ClusterRelay | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: RoomkitContext,
    options: CollabOptions = {},
  ) {
    this.docLog = new DocLog(ctx, {
      compactEvery: options.compactEvery,
      shared: !!options.channel,
    });
    this.unsubscribe = ctx.bus.subscribe((event) => {
      if (event.name === 'room:closed') this.drop(event.roomId);
    });
    if (options.channel) this.relay = new ClusterRelay(options.channel, this.docs, ctx.log);
    ctx.rooms.ownData('collab', async (roomId) => {
      this.drop(roomId);
      await this.docLog.deleteRoom(roomId);
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
    live.join(peer, member);
    const stateVector = Y.encodeStateVector(live.doc);
    peer.send(yProtocol.encode({ kind: 'sync-step-1', stateVector }));
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
    await this.docLog.flush();
  }

  /** Stops listening to the bus and waits for the queued writes. Connections are closed first. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.relay?.close();
    for (const live of [...this.docs.values()]) this.unload(live);
    await this.flush();
  }

  private acquire(roomId: string): LiveDoc {
    const open = this.docs.get(roomId);
    if (open) return open;
    const live = new LiveDoc(roomId, this.ctx.accountant);
    this.docs.set(roomId, live);
    live.ready = this.docLog.enqueue(roomId, () => this.load(live));
    live.ready.catch((error: unknown) => {
      this.ctx.log.error({ err: error, roomId }, 'collab document failed to load');
      if (this.docs.get(roomId) === live) this.docs.delete(roomId);
      live.destroy();
    });
    return live;
  }

  private async load(live: LiveDoc): Promise<void> {
    await this.docLog.restore(live);
    if (live.destroyed) return;
    live.doc.on('update', (update: Uint8Array, origin: unknown) =>
      this.onUpdate(live, update, origin),
    );
    live.awareness.on('update', (changes: AwarenessChanges, origin: unknown) =>
      this.onAwareness(live, changes, origin),
    );
    live.loaded = true;
    // What another instance applied but has not stored yet (or stored after this load read).
    this.relay?.ask(live);
  }

  private leave(live: LiveDoc, peer: CollabPeer): void {
    live.leave(peer);
    if (live.users === 0 && this.docs.get(live.roomId) === live) this.unload(live);
  }

  private unload(live: LiveDoc): void {
    this.docs.delete(live.roomId);
    this.docLog.compactIfGrown(live);
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

  private receive(live: LiveDoc, peer: CollabPeer, bytes: Uint8Array): void {
    try {
      // Auth messages and types this server does not know are ignored, as y-websocket's
      // server does, so a newer client's extensions do not cost it its connection.
      const message = yProtocol.decode(bytes);
      switch (message?.kind) {
        case 'sync-step-1': {
          const update = Y.encodeStateAsUpdate(live.doc, message.stateVector);
          peer.send(yProtocol.encode({ kind: 'sync-step-2', update }));
          break;
        }
        case 'sync-step-2':
        case 'update':
          this.receiveUpdate(live, peer, message.update);
          break;
        case 'awareness': {
          const allowed = guardAwareness(live, peer, message.update);
          if (allowed) awarenessProtocol.applyAwarenessUpdate(live.awareness, allowed, peer);
          break;
        }
        case 'query-awareness':
          this.sendAwareness(live, peer);
          break;
      }
    } catch (error) {
      // lib0 throws on reads past the end of a message, Yjs and the awareness protocol on
      // content they cannot decode: the peer does not speak the protocol.
      this.ctx.log.debug({ err: error, roomId: live.roomId }, 'collab message refused');
      peer.close('invalid_message');
    }
  }

  private receiveUpdate(live: LiveDoc, peer: CollabPeer, update: Uint8Array): void {
    const { refusal, exactBytes } = live.admit(update);
    if (refusal) {
      peer.close(refusal);
      return;
    }
    Y.applyUpdate(live.doc, update, peer);
    if (exactBytes !== undefined) live.measured(exactBytes);
    this.docLog.compactIfDue(live);
  }

  private onAwareness(live: LiveDoc, changes: AwarenessChanges, origin: unknown): void {
    live.trackAwareness(changes, origin);
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    const update = awarenessProtocol.encodeAwarenessUpdate(live.awareness, changed);
    const message = yProtocol.encode({ kind: 'awareness', update });
    // This instance's own changes (a peer's, or a peer gone) go to the others; states timed
    // out here are left to time out there by themselves.
    if (origin !== FROM_CLUSTER && origin !== 'timeout')
      this.relay?.publishAwareness(live.roomId, update);
    // To everyone, the sender included, as y-websocket does: a client that hears nothing for
    // 30 s reconnects, and its own renewed state (every 15 s) is what it hears in a quiet room.
    for (const each of live.peers.keys()) each.send(message);
  }

  private sendAwareness(live: LiveDoc, peer: CollabPeer): void {
    const update = live.allAwareness();
    if (update) peer.send(yProtocol.encode({ kind: 'awareness', update }));
  }

  private onUpdate(live: LiveDoc, update: Uint8Array, origin: unknown): void {
    const message = yProtocol.encode({ kind: 'update', update });
    // Not back to its sender, which has it.
    for (const peer of live.peers.keys()) if (peer !== origin) peer.send(message);
    live.grew(update);
    this.docLog.counted(live, update);
    // Another instance's update is stored, and sent on, by that instance.
    if (origin === FROM_CLUSTER) return;
    this.relay?.publishUpdate(live.roomId, update);
    this.docLog.append(live, update);
  }
}
