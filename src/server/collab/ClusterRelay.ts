import type { FastifyBaseLogger } from 'fastify';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { ClusterChannel } from '../core/ClusterChannel.js';
import type { LiveDoc } from './LiveDoc.js';

const CLUSTER_TOPIC = 'collab';

/** The origin of what another instance sent: applied and shown here, stored and sent on there. */
export const FROM_CLUSTER = Symbol('from another instance');

type ClusterMessage =
  | { kind: 'update'; roomId: string; update: Uint8Array }
  | { kind: 'awareness'; roomId: string; update: Uint8Array }
  /** "Send me what I lack": who has more answers with an update. */
  | { kind: 'sync'; roomId: string; stateVector: Uint8Array };

/** The channel's message types: a message is the type (a varuint), the room id, the payload. */
const CLUSTER_TYPES = { update: 0, awareness: 1, sync: 2 } satisfies Record<
  ClusterMessage['kind'],
  number
>;

/**
 * The rooms' documents across instances (multi-instance mode): each instance holding a room's
 * document open publishes its own updates and awareness changes, applies the others' with the
 * origin FROM_CLUSTER, and asks for what it lacks after a load or a gap in the channel.
 */
export class ClusterRelay {
  private readonly unsubscribe: (() => void)[];

  /** `docs` are the documents open here, by room id; rooms not in it are not concerned. */
  constructor(
    private readonly channel: ClusterChannel,
    private readonly docs: ReadonlyMap<string, LiveDoc>,
    private readonly log: FastifyBaseLogger,
  ) {
    this.unsubscribe = [
      channel.subscribe(CLUSTER_TOPIC, (message) => this.receive(message)),
      // Updates sent while the instances could not reach each other are lost: ask again.
      channel.onResume(() => {
        for (const live of docs.values()) if (live.loaded) this.ask(live);
      }),
    ];
  }

  publishUpdate(roomId: string, update: Uint8Array): void {
    this.publish({ kind: 'update', roomId, update });
  }

  publishAwareness(roomId: string, update: Uint8Array): void {
    this.publish({ kind: 'awareness', roomId, update });
  }

  /** Asks the other instances for whatever of the room's document this one lacks. */
  ask(live: LiveDoc): void {
    this.publish({ kind: 'sync', roomId: live.roomId, stateVector: Y.encodeStateVector(live.doc) });
  }

  /** Stops listening to the channel. */
  close(): void {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  private publish(message: ClusterMessage): void {
    this.channel.publish(CLUSTER_TOPIC, encodeClusterMessage(message));
  }

  /**
   * Another instance's message: an update or awareness change to show here, or a request for
   * what it lacks, answered with an update of everything beyond its state vector. Rooms nobody
   * has open here are not concerned (their editors, when they come, load from the store and ask).
   */
  private receive(bytes: Uint8Array): void {
    let message: ClusterMessage | undefined;
    try {
      message = decodeClusterMessage(bytes);
      if (!message) return;
      const live = this.docs.get(message.roomId);
      if (!live?.loaded || live.dropped) return;
      if (message.kind === 'update') Y.applyUpdate(live.doc, message.update, FROM_CLUSTER);
      else if (message.kind === 'awareness')
        awarenessProtocol.applyAwarenessUpdate(live.awareness, message.update, FROM_CLUSTER);
      else this.answer(live, message.stateVector);
    } catch (error) {
      this.log.warn(
        { err: error, roomId: message?.roomId },
        'collab message from another instance refused',
      );
    }
  }

  /** Sends another instance what it lacks beyond `stateVector`, and who is here. */
  private answer(live: LiveDoc, stateVector: Uint8Array): void {
    const missing = Y.encodeStateAsUpdate(live.doc, stateVector);
    // Two bytes is Yjs' empty update: nothing to send.
    if (missing.byteLength > 2) this.publishUpdate(live.roomId, missing);
    // And who is here, for the newcomer's cursors.
    const awareness = live.allAwareness();
    if (awareness) this.publishAwareness(live.roomId, awareness);
  }
}

function encodeClusterMessage(message: ClusterMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, CLUSTER_TYPES[message.kind]);
  encoding.writeVarString(encoder, message.roomId);
  encoding.writeVarUint8Array(
    encoder,
    message.kind === 'sync' ? message.stateVector : message.update,
  );
  return encoding.toUint8Array(encoder);
}

/**
 * The message in `bytes`, or undefined for a type this instance does not know (it is ignored).
 * Throws on bytes cut short.
 */
function decodeClusterMessage(bytes: Uint8Array): ClusterMessage | undefined {
  const decoder = decoding.createDecoder(bytes);
  const type = decoding.readVarUint(decoder);
  const roomId = decoding.readVarString(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  switch (type) {
    case CLUSTER_TYPES.update:
      return { kind: 'update', roomId, update: payload };
    case CLUSTER_TYPES.awareness:
      return { kind: 'awareness', roomId, update: payload };
    case CLUSTER_TYPES.sync:
      return { kind: 'sync', roomId, stateVector: payload };
    default:
      return undefined;
  }
}
