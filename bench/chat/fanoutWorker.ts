/**
 * Worker side of fanout.ts: its share of the chat members of every server under test, each a
 * websocket-only socket.io-client socket, connected once and kept for all rounds. On `go` the
 * members of one server send `message:send` at a fixed rate, each body carrying the sender's
 * wall-clock send time (`<seq>@<ms>`), and every member times each `message:new` against it.
 */
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Socket } from 'socket.io-client';
import { pool } from '../lib/bench.js';
import { connect } from '../lib/roomkitClient.js';
import { wallNow } from '../lib/stats.js';

/** One member: where it connects and with what `auth`. */
export interface ChatTarget {
  url: string;
  auth: Record<string, unknown>;
  /** Roomkit sends `room:state` once the socket is set up; the bare server sends nothing. */
  waitForState: boolean;
}

export interface FanoutWorkerData {
  /** This worker's members of each server, by the server's index. */
  sides: ChatTarget[][];
}

export type FanoutToWorker =
  | {
      type: 'go';
      side: number;
      /** Messages per second per member. */
      rate: number;
      /** Wall-clock times (ms): sending starts at `startAt`, is counted from `measureFrom` to `measureTo`. */
      startAt: number;
      measureFrom: number;
      measureTo: number;
      /** How long after `measureTo` late deliveries are still awaited. */
      drainMs: number;
    }
  | { type: 'close' };

export type FanoutFromWorker =
  | { type: 'ready' }
  | {
      type: 'done';
      /** Messages sent within the window by this worker's members. */
      sent: number;
      /** Messages sent within the window (by anyone) that reached this worker's members. */
      received: number;
      /** Send → `message:new`, ms, of each of those. */
      latencies: Float64Array;
      /** Event-loop utilisation over the window: near 1, the client set the pace. */
      elu: number;
      /** The first refusal among the acks, if any. */
      refused?: string;
    };

interface TextMessage {
  message: { type: string; body: string };
}

const { sides } = workerData as FanoutWorkerData;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let window = { from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY };
let latencies = new Float64Array(1 << 16);
let received = 0;

function record(ms: number): void {
  if (received === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[received++] = ms;
}

function onMessage({ message }: TextMessage): void {
  if (message.type !== 'text') return;
  const at = wallNow();
  const sentAt = Number(message.body.slice(message.body.indexOf('@') + 1));
  if (sentAt >= window.from && sentAt < window.to) record(at - sentAt);
}

const sockets: Socket[][] = [];
for (const targets of sides) {
  const connected = await pool(
    16,
    targets.map((target) => async () => {
      const socket = await connect(target.url, target.auth, { waitForState: target.waitForState });
      socket.on('message:new', onMessage);
      return socket;
    }),
  );
  sockets.push(connected);
}
parentPort?.postMessage({ type: 'ready' } satisfies FanoutFromWorker);

async function run(go: Extract<FanoutToWorker, { type: 'go' }>): Promise<FanoutFromWorker> {
  window = { from: go.measureFrom, to: go.measureTo };
  received = 0;
  let sent = 0;
  let refused: string | undefined = undefined;
  const members = sockets[go.side] ?? [];
  const period = 1000 / go.rate;
  const sending = members.map(async (socket, index) => {
    // Spread over the period, so that the members do not all send in the same millisecond.
    let next = go.startAt + (period * index) / members.length;
    for (let seq = 0; ; seq++) {
      await sleep(Math.max(0, next - wallNow()));
      const at = wallNow();
      if (at >= go.measureTo) return;
      socket.emit('message:send', { body: `${seq}@${at.toFixed(3)}` }, (ack: { ok: boolean }) => {
        if (!ack.ok) refused ??= JSON.stringify(ack);
      });
      if (at >= go.measureFrom) sent++;
      next += period;
    }
  });
  await sleep(Math.max(0, go.measureFrom - wallNow()));
  const eluFrom = performance.eventLoopUtilization();
  await sleep(Math.max(0, go.measureTo - wallNow()));
  const elu = performance.eventLoopUtilization(eluFrom).utilization;
  await Promise.all(sending);
  await sleep(go.drainMs);
  // Later arrivals of this window are not counted, nor timed.
  window = { from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY };
  const result: FanoutFromWorker = {
    type: 'done',
    sent,
    received,
    latencies: latencies.slice(0, received),
    elu,
    ...(refused !== undefined && { refused }),
  };
  return result;
}

parentPort?.on('message', (request: FanoutToWorker) => {
  if (request.type === 'close') {
    for (const socket of sockets.flat()) socket.disconnect();
    parentPort?.close();
    return;
  }
  void run(request).then((result) => {
    if (result.type === 'done')
      parentPort?.postMessage(result, [result.latencies.buffer as ArrayBuffer]);
  });
});
