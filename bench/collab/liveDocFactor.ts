/**
 * How much JS heap a live Y.Doc takes per byte of its encoded size, the figure behind
 * LIVE_DOC_BYTES_PER_ENCODED_BYTE in src/server/collab/LiveDoc.ts. Each kind of editing
 * session is recorded as the updates a client sends; the updates are then applied one by one to
 * fresh Y.Docs, as the server applies them, and the heap is read after a full GC.
 *
 *   node --expose-gc --import tsx bench/collab/liveDocFactor.ts
 */
import * as Y from 'yjs';

const DOCS = 40;
const LINE = 'export function step(input, scale) { return input.map((v) => v * scale); }\n';

type Session = (send: (update: Uint8Array) => void, seed: number) => void;

/** One editor: `edit` runs with 0, 1, 2… until it returns false. */
function oneEditor(edit: (text: Y.Text, i: number) => boolean): Session {
  return (send) => {
    const client = new Y.Doc();
    client.on('update', send);
    const text = client.getText('code');
    for (let i = 0; edit(text, i); i++);
    client.destroy();
  };
}

/** 20 editors inserting a short comment at random places, each seeing the others' inserts. */
const twentyEditors: Session = (send, seed) => {
  let state = seed + 1;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const clients = Array.from({ length: 20 }, () => new Y.Doc());
  for (let i = 0; i < 300; i++) {
    const client = clients[i % 20]!;
    let update: Uint8Array | undefined;
    const record = (u: Uint8Array) => (update = u);
    client.on('update', record);
    const text = client.getText('code');
    text.insert(Math.floor(random() * (text.length + 1)), `/*e${i % 20}:${i}@1732262400123.456*/ `);
    client.off('update', record);
    for (const other of clients) if (other !== client) Y.applyUpdate(other, update!);
    send(update!);
  }
  for (const client of clients) client.destroy();
};

const sessions: Record<string, Session> = {
  'one paste (4 KB)': oneEditor((text, i) => {
    text.insert(0, `${'p'.repeat(3990)}${i}${Math.random()}`);
    return false;
  }),
  'pasted line by line (4 KB)': oneEditor((text, i) => {
    text.insert(text.length, `  const values${i} = input.map((value) => value * 3 + ${i});\n`);
    return text.length < 4000;
  }),
  'typed, with corrections (4 KB)': oneEditor((text, i) => {
    text.insert(text.length, LINE[i % LINE.length]!);
    if (i % 17 === 16) text.delete(text.length - 2, 2);
    return text.length < 4000;
  }),
  'typed keystroke by keystroke (4 KB)': oneEditor((text, i) => {
    text.insert(text.length, LINE[i % LINE.length]!);
    return text.length < 4000;
  }),
  '20 editors inserting (300 inserts)': twentyEditors,
};

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const fullGc = () => {
  for (let i = 0; i < 4; i++) gc();
};
// Everything is recorded first, and every doc kept to the end, so that nothing freed while
// one kind is measured lands in its figure.
const recorded = Object.entries(sessions).map(([name, session]) => ({
  name,
  updates: Array.from({ length: DOCS }, (_, seed) => {
    const updates: Uint8Array[] = [];
    session((update) => updates.push(update), seed);
    return updates;
  }),
}));
const kept: Y.Doc[][] = [];
for (const { name, updates } of recorded) {
  fullGc();
  const before = process.memoryUsage();
  const docs = updates.map((list) => {
    const doc = new Y.Doc();
    for (const update of list) Y.applyUpdate(doc, update);
    return doc;
  });
  fullGc();
  const after = process.memoryUsage();
  kept.push(docs);
  const heap = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / DOCS;
  const encoded = docs.reduce((sum, doc) => sum + Y.encodeStateAsUpdate(doc).byteLength, 0) / DOCS;
  console.log(
    `${name.padEnd(38)} encoded ${encoded.toFixed(0).padStart(6)} B, live ${heap.toFixed(0).padStart(7)} B: ${(heap / encoded).toFixed(1)}×`,
  );
}
