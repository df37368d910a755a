/**
 * The y-websocket framing against y-protocols' own encoders and readers: what a client writes
 * decodes to the right message, and what the server encodes is read back by the client.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { decode, encode } from './yProtocol.js';

/** y-websocket's message types, as its client names them. */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;

/** A message as y-websocket's client builds one: the type, then what `write` adds. */
function clientMessage(type: number, write: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, type);
  write(encoder);
  return encoding.toUint8Array(encoder);
}

/** A document holding `text`, long enough to need a multi-byte length when `text` is. */
function docWith(text: string): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('code').insert(0, text);
  return doc;
}

/** Reads a sync message as y-websocket's client does, applying it to `doc`; returns its type. */
function readAsClient(message: Uint8Array, doc: Y.Doc): number {
  const decoder = decoding.createDecoder(message);
  expect(decoding.readVarUint(decoder)).toBe(MESSAGE_SYNC);
  return syncProtocol.readSyncMessage(decoder, encoding.createEncoder(), doc, 'server');
}

describe('yProtocol', () => {
  it('decodes a client sync step 1 to its state vector, and encodes one the client reads', () => {
    const doc = docWith('hello');
    const bytes = clientMessage(MESSAGE_SYNC, (e) => syncProtocol.writeSyncStep1(e, doc));
    expect(decode(bytes)).toEqual({ kind: 'sync-step-1', stateVector: Y.encodeStateVector(doc) });

    const encoded = encode({ kind: 'sync-step-1', stateVector: Y.encodeStateVector(doc) });
    expect(encoded).toEqual(bytes);
    expect(readAsClient(encoded, new Y.Doc())).toBe(syncProtocol.messageYjsSyncStep1);
  });

  // Lengths of one, two and three varint bytes: the encoder writes the length itself.
  it.each([10, 200, 20_000])('round-trips sync step 2 carrying %i characters', (length) => {
    const source = docWith('x'.repeat(length));
    const update = Y.encodeStateAsUpdate(source);
    const bytes = clientMessage(MESSAGE_SYNC, (e) =>
      syncProtocol.writeSyncStep2(e, source, Y.encodeStateVector(new Y.Doc())),
    );
    expect(decode(bytes)).toEqual({ kind: 'sync-step-2', update });

    const encoded = encode({ kind: 'sync-step-2', update });
    expect(encoded).toEqual(bytes);
    const target = new Y.Doc();
    expect(readAsClient(encoded, target)).toBe(syncProtocol.messageYjsSyncStep2);
    expect(target.getText('code').toJSON()).toBe('x'.repeat(length));
  });

  it('round-trips an update', () => {
    const update = Y.encodeStateAsUpdate(docWith('edit'));
    const bytes = clientMessage(MESSAGE_SYNC, (e) => syncProtocol.writeUpdate(e, update));
    expect(decode(bytes)).toEqual({ kind: 'update', update });

    const encoded = encode({ kind: 'update', update });
    expect(encoded).toEqual(bytes);
    const target = new Y.Doc();
    expect(readAsClient(encoded, target)).toBe(syncProtocol.messageYjsUpdate);
    expect(target.getText('code').toJSON()).toBe('edit');
  });

  it('round-trips an awareness update', () => {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    awareness.setLocalState({ user: { name: 'Ada' }, cursor: 3 });
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);
    const bytes = clientMessage(MESSAGE_AWARENESS, (e) => encoding.writeVarUint8Array(e, update));
    expect(decode(bytes)).toEqual({ kind: 'awareness', update });

    const encoded = encode({ kind: 'awareness', update });
    expect(encoded).toEqual(bytes);
    const decoder = decoding.createDecoder(encoded);
    expect(decoding.readVarUint(decoder)).toBe(MESSAGE_AWARENESS);
    const heard = new awarenessProtocol.Awareness(new Y.Doc());
    awarenessProtocol.applyAwarenessUpdate(heard, decoding.readVarUint8Array(decoder), 'server');
    expect(heard.getStates().get(awareness.clientID)).toEqual({
      user: { name: 'Ada' },
      cursor: 3,
    });
  });

  it('round-trips a query for awareness', () => {
    const bytes = clientMessage(MESSAGE_QUERY_AWARENESS, () => {});
    expect(decode(bytes)).toEqual({ kind: 'query-awareness' });
    expect(encode({ kind: 'query-awareness' })).toEqual(bytes);
  });

  it('passes over message types it does not speak, such as auth', () => {
    const bytes = clientMessage(MESSAGE_AUTH, (e) => encoding.writeVarString(e, 'denied'));
    expect(decode(bytes)).toBeUndefined();
  });

  it('refuses a sync message of an unknown type', () => {
    const bytes = clientMessage(MESSAGE_SYNC, (e) => {
      encoding.writeVarUint(e, 7);
      encoding.writeVarUint8Array(e, Uint8Array.of(0, 0));
    });
    expect(() => decode(bytes)).toThrow(/sync message type 7/);
  });

  it('refuses messages cut short', () => {
    const update = Y.encodeStateAsUpdate(docWith('x'.repeat(300)));
    const whole = encode({ kind: 'update', update });
    // Cut in the length, and in the payload the length announces.
    for (const end of [0, 1, 2, 3, whole.byteLength - 1]) {
      expect(() => decode(whole.subarray(0, end)), `cut at ${end}`).toThrow();
    }
    const awareness = encode({ kind: 'awareness', update: Uint8Array.of(1, 2, 3, 4) });
    expect(() => decode(awareness.subarray(0, awareness.byteLength - 1))).toThrow();
  });
});
