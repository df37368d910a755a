/**
 * Worker side of relay.ts: its share of the editors, each a WebsocketProvider typing small
 * inserts at a fixed rate into one shared document. Every insert carries its editor, sequence
 * number and wall-clock send time (as a code comment, `/*e3:17@1732262400123.456*\/`), so each
 * receiving editor times the relay from the text itself.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type * as Y from 'yjs';
import { wallNow } from '../lib/stats.js';
import { openEditor, type DocTarget, type Editor } from '../lib/yjsClient.js';

export interface RelayWorkerData {
  /** One target per editor of this worker; `ids` names them in the markers. */
  targets: DocTarget[];
  ids: number[];
  /** Inserts per second per editor. */
  rate: number;
}

export type RelayToWorker = {
  type: 'go';
  /** Wall-clock times (ms): typing starts at `startAt`, is counted from `measureFrom` to `measureTo`. */
  startAt: number;
  measureFrom: number;
  measureTo: number;
  /** How long after `measureTo` late deliveries are still awaited. */
  drainMs: number;
};

export type RelayFromWorker =
  | { type: 'ready' }
  | {
      type: 'done';
      /** Inserts made within the window by this worker's editors. */
      sent: number;
      /** Inserts made within the window (by anyone) that reached this worker's editors. */
      received: number;
      /** Send → receive, ms, of each of those. */
      latencies: Float64Array;
      /** Event-loop utilisation over the window: near 1, the client set the pace. */
      elu: number;
    };

const { targets, ids, rate } = workerData as RelayWorkerData;
const MARKER = /\/\*e(\d+):(\d+)@(\d+\.\d+)\*\//g;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const editors: Editor[] = [];
for (const target of targets) editors.push(await openEditor(target));

let window = { from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY };
let latencies = new Float64Array(1 << 16);
let received = 0;
let sent = 0;

function record(ms: number): void {
  if (received === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[received++] = ms;
}

for (const editor of editors) {
  editor.text.observe((event: Y.YTextEvent, transaction: Y.Transaction) => {
    if (transaction.local) return;
    const at = wallNow();
    for (const op of event.delta) {
      if (typeof op.insert !== 'string') continue;
      for (const match of op.insert.matchAll(MARKER)) {
        const sentAt = Number(match[3]);
        if (sentAt >= window.from && sentAt < window.to) record(at - sentAt);
      }
    }
  });
}

parentPort?.postMessage({ type: 'ready' } satisfies RelayFromWorker);
const go = await new Promise<RelayToWorker>((resolve) => parentPort?.once('message', resolve));
window = { from: go.measureFrom, to: go.measureTo };

const period = 1000 / rate;
const typing = editors.map(async (editor, index) => {
  const id = ids[index] as number;
  // Spread over the period, so that the editors do not all type in the same millisecond.
  let next = go.startAt + (period * index) / editors.length + Math.random() * period * 0.1;
  for (let seq = 0; ; seq++) {
    await sleep(Math.max(0, next - wallNow()));
    const at = wallNow();
    if (at >= go.measureTo) return;
    const text = editor.text;
    text.insert(
      Math.floor(Math.random() * (text.length + 1)),
      `/*e${id}:${seq}@${at.toFixed(3)}*/`,
    );
    if (at >= go.measureFrom) sent++;
    next += period;
  }
});

await sleep(Math.max(0, go.measureFrom - wallNow()));
const eluFrom = performance.eventLoopUtilization();
await sleep(Math.max(0, go.measureTo - wallNow()));
const elu = performance.eventLoopUtilization(eluFrom).utilization;
await Promise.all(typing);
await sleep(go.drainMs);
for (const editor of editors) editor.close();
const result: RelayFromWorker = {
  type: 'done',
  sent,
  received,
  latencies: latencies.slice(0, received),
  elu,
};
parentPort?.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
