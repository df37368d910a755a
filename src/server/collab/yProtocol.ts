import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';

/** y-websocket message types (the first varuint of every message). */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_QUERY_AWARENESS = 3;
/** y-protocols/sync message types (the second varuint of a sync message). */
const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

/** The y-websocket messages this server reads and writes (y-protocols' sync and awareness). */
export type CollabMessage =
  /** "Send me what I lack", with the sender's state vector. */
  | { kind: 'sync-step-1'; stateVector: Uint8Array }
  /** The answer to sync step 1: everything beyond its state vector, as one Yjs update. */
  | { kind: 'sync-step-2'; update: Uint8Array }
  /** One edit, as a Yjs update. */
  | { kind: 'update'; update: Uint8Array }
  /** Awareness states (cursors, names), as an awareness update. */
  | { kind: 'awareness'; update: Uint8Array }
  /** "Send me every awareness state you have." */
  | { kind: 'query-awareness' };

/**
 * The message in `bytes`, or undefined for a message type this server does not speak (auth
 * messages, a newer client's extensions), which y-websocket's own server ignores too. Throws on
 * bytes that are no message: cut short (lib0 reads past the end), or an unknown sync type.
 * Bytes after the message are not read, as y-protocols does not read them.
 */
export function decode(bytes: Uint8Array): CollabMessage | undefined {
  const decoder = decoding.createDecoder(bytes);
  switch (decoding.readVarUint(decoder)) {
    case MESSAGE_SYNC:
      return decodeSync(decoder);
    case MESSAGE_AWARENESS:
      return { kind: 'awareness', update: decoding.readVarUint8Array(decoder) };
    case MESSAGE_QUERY_AWARENESS:
      return { kind: 'query-awareness' };
    default:
      return undefined;
  }
}

function decodeSync(decoder: decoding.Decoder): CollabMessage {
  const type = decoding.readVarUint(decoder);
  const payload = decoding.readVarUint8Array(decoder);
  switch (type) {
    case SYNC_STEP1:
      return { kind: 'sync-step-1', stateVector: payload };
    case SYNC_STEP2:
      return { kind: 'sync-step-2', update: payload };
    case SYNC_UPDATE:
      return { kind: 'update', update: payload };
    default:
      throw new Error(`sync message type ${type}`);
  }
}

/** The bytes of `message`, as y-websocket's clients read them. */
export function encode(message: CollabMessage): Uint8Array {
  switch (message.kind) {
    case 'sync-step-1':
      return syncMessage(SYNC_STEP1, message.stateVector);
    case 'sync-step-2':
      return syncMessage(SYNC_STEP2, message.update);
    case 'update':
      return syncMessage(SYNC_UPDATE, message.update);
    case 'awareness':
      return awarenessMessage(message.update);
    case 'query-awareness':
      return Uint8Array.of(MESSAGE_QUERY_AWARENESS);
  }
}

/**
 * A sync message, written straight into one buffer of its exact size: it is built for every
 * update, and lib0's encoder would allocate a working buffer and copy out of it.
 */
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
