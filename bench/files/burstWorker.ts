/**
 * Worker side of memoryBurst.ts: many members, each in a room of its own with its socket
 * connected (as in the web app, so the room is not idle), uploading distinct photos one after
 * another — half over Socket.IO, half over multipart — until the server keeps answering 503
 * `overloaded`. Runs in a worker so that the parent's 50 ms RSS sampler keeps its pace.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Socket } from 'socket.io-client';
import {
  connect,
  filesUrl,
  roomWith,
  uploadOverHttp,
  uploadOverSocket,
  type Member,
  type UploadResult,
} from '../lib/roomkitClient.js';

export interface BurstOptions {
  url: string;
  /** Distinct copies of the photo; each client goes through them in turn. */
  photos: Uint8Array[];
  clients: number;
  /** A client stops after this many 503 `overloaded` answers in a row. */
  stopAfterRefusals: number;
  pauseAfterRefusalMs: number;
  maxMs: number;
}

export interface BurstTally {
  accepted: number;
  overloaded: number;
  other: Record<string, number>;
}

export type BurstMessage =
  | { type: 'ready' }
  | {
      type: 'done';
      socket: BurstTally;
      http: BurstTally;
      firstRefusalMs: number | undefined;
      durationMs: number;
      maxInFlight: number;
    };

const options = workerData as BurstOptions;
const photos = options.photos.map((photo) => Buffer.from(photo));
const tally = (): BurstTally => ({ accepted: 0, overloaded: 0, other: {} });
const tallies = { socket: tally(), http: tally() };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Client {
  member: Member;
  socket: Socket;
  transport: 'socket' | 'http';
}

const clients: Client[] = [];
for (let i = 0; i < options.clients; i++) {
  const [member] = await roomWith(options.url, `Sharer ${i}`);
  if (!member) throw new Error('no member');
  const socket = await connect(options.url, { token: member.token }, { waitForState: true });
  clients.push({ member, socket, transport: i % 2 === 0 ? 'socket' : 'http' });
}

parentPort?.postMessage({ type: 'ready' } satisfies BurstMessage);
await new Promise((resolve) => parentPort?.once('message', resolve));

const started = performance.now();
let firstRefusalMs: number | undefined = undefined;
let inFlight = 0;
let maxInFlight = 0;

async function run(client: Client): Promise<void> {
  let refusalsInARow = 0;
  for (let n = 0; performance.now() - started < options.maxMs; n++) {
    const name = `burst-${n}.jpg`;
    const photo = photos[n % photos.length] as Buffer;
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let result: UploadResult;
    try {
      result =
        client.transport === 'socket'
          ? await uploadOverSocket(client.socket, name, photo, options.maxMs)
          : await uploadOverHttp(
              filesUrl(options.url, client.member),
              client.member.token,
              name,
              photo,
            );
    } catch (error) {
      result = { ok: false, status: 0, code: (error as Error).message, body: undefined };
    } finally {
      inFlight -= 1;
    }
    const counts = tallies[client.transport];
    if (result.ok) {
      counts.accepted += 1;
      refusalsInARow = 0;
    } else if (result.code === 'overloaded') {
      counts.overloaded += 1;
      firstRefusalMs ??= performance.now() - started;
      if (++refusalsInARow >= options.stopAfterRefusals) return;
      await sleep(options.pauseAfterRefusalMs);
    } else {
      const code = result.code ?? `status ${result.status}`;
      counts.other[code] = (counts.other[code] ?? 0) + 1;
      return;
    }
  }
}

await Promise.all(clients.map(run));
const durationMs = performance.now() - started;
for (const client of clients) client.socket.disconnect();
parentPort?.postMessage({
  type: 'done',
  socket: tallies.socket,
  http: tallies.http,
  firstRefusalMs,
  durationMs,
  maxInFlight,
} satisfies BurstMessage);
