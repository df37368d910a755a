/**
 * Worker side of fanout.ts, kept for the whole benchmark: each round it opens its share of the
 * receivers, each listening to one room either as a Server-Sent Events stream (a raw `node:http`
 * GET, the frames cut and parsed here) or as a websocket-only socket.io-client socket. Every
 * chat message's body carries its wall-clock send time (`m17@1732262400123.456`), so each
 * receiver times the delivery from the payload itself.
 */
import { request, type ClientRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { io, type Socket } from 'socket.io-client';
import { wallNow } from '../lib/stats.js';

export type Transport = 'sse' | 'socketio';

export interface Receiver {
  transport: Transport;
  /** The server's base URL, `http://127.0.0.1:<port>`. */
  url: string;
  roomId: string;
  token: string;
}

export type ReceiverToWorker =
  /** Connect these receivers (the previous round's are closed by now). */
  | { type: 'open'; receivers: Receiver[] }
  | {
      type: 'go';
      /** Wall-clock times (ms): messages sent in [measureFrom, measureTo) are counted. */
      measureFrom: number;
      measureTo: number;
      /** How long after `measureTo` late deliveries are still counted; then the receivers close. */
      drainMs: number;
    };

export type ReceiverFromWorker =
  /** Loaded (first message), or every receiver connected (after `open`). */
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | {
      type: 'done';
      /** Deliveries of messages sent within the window, to this worker's receivers. */
      received: number;
      /** Send → receive, ms, of each of those. */
      latencies: Float64Array;
      /** Event-loop utilisation over the window: near 1, the client set the pace. */
      elu: number;
    };

const CONNECT_TIMEOUT_MS = 15_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let window = { from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY };
let latencies = new Float64Array(1 << 16);
let received = 0;

function onMessage(message: { type: string; body: string }): void {
  if (message.type !== 'text') return;
  const at = wallNow();
  const sentAt = Number(message.body.slice(message.body.indexOf('@') + 1));
  if (sentAt < window.from || sentAt >= window.to) return;
  if (received === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[received++] = at - sentAt;
}

/**
 * One SSE stream, read as EventSource would read it but without its machinery: frames end at a
 * blank line, `event:` names them and `data:` carries the JSON. Resolves once `room:state` has
 * arrived (the server has registered the stream by then).
 */
function openStream(receiver: Receiver): Promise<() => void> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined = undefined;
    const timer = setTimeout(() => {
      req?.destroy();
      reject(new Error('event stream did not open'));
    }, CONNECT_TIMEOUT_MS);
    req = request(`${receiver.url}/api/rooms/${receiver.roomId}/events`, {
      agent: false,
      headers: { accept: 'text/event-stream', authorization: `Bearer ${receiver.token}` },
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.on('response', (response) => {
      if (response.statusCode !== 200) {
        clearTimeout(timer);
        reject(new Error(`event stream: ${response.statusCode}`));
        response.resume();
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          let event = '';
          let data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
          }
          if (event === 'message:new') {
            onMessage((JSON.parse(data) as { message: { type: string; body: string } }).message);
          } else if (event === 'room:state') {
            clearTimeout(timer);
            resolve(() => req?.destroy());
          }
        }
      });
    });
    req.end();
  });
}

function openSocket(receiver: Receiver): Promise<() => void> {
  const socket: Socket = io(receiver.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { token: receiver.token },
  });
  socket.on('message:new', ({ message }: { message: { type: string; body: string } }) =>
    onMessage(message),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not connect')), CONNECT_TIMEOUT_MS);
    socket.once('room:state', () => {
      clearTimeout(timer);
      resolve(() => socket.disconnect());
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

const post = (message: ReceiverFromWorker, transfer: ArrayBuffer[] = []) =>
  parentPort?.postMessage(message, transfer);

const closers: (() => void)[] = [];

async function open(list: Receiver[]): Promise<void> {
  // A few at a time: a hundred handshakes at once would time out on a busy machine.
  for (let i = 0; i < list.length; i += 10) {
    const batch = list.slice(i, i + 10);
    closers.push(
      ...(await Promise.all(
        batch.map((r) => (r.transport === 'sse' ? openStream(r) : openSocket(r))),
      )),
    );
  }
}

async function measure(go: Extract<ReceiverToWorker, { type: 'go' }>): Promise<void> {
  received = 0;
  window = { from: go.measureFrom, to: go.measureTo };
  await sleep(Math.max(0, go.measureFrom - wallNow()));
  const eluFrom = performance.eventLoopUtilization();
  await sleep(Math.max(0, go.measureTo - wallNow()));
  const elu = performance.eventLoopUtilization(eluFrom).utilization;
  await sleep(go.drainMs);
  for (const close of closers.splice(0)) close();
  window = { from: Number.POSITIVE_INFINITY, to: Number.NEGATIVE_INFINITY };
  const result = latencies.slice(0, received);
  post({ type: 'done', received, latencies: result, elu }, [result.buffer]);
}

parentPort?.on('message', (message: ReceiverToWorker) => {
  const work =
    message.type === 'open'
      ? open(message.receivers).then(() => post({ type: 'ready' }))
      : measure(message);
  work.catch((error: unknown) => {
    for (const close of closers.splice(0)) close();
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  });
});
post({ type: 'ready' });
