/**
 * Servers under test, each in a child process of its own (bench/lib/serverHost.ts), so that the
 * load generators never share its event loop or its heap, and its memory and CPU can be read
 * from outside: VmRSS/VmHWM from /proc, CPU time through IPC.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BareLoginOptions } from '../baselines/argon2Login.js';

export type ServerSpec =
  /**
   * Roomkit itself: `buildApp(loadConfig(env), { limits: relaxed })` listening on 127.0.0.1:0;
   * with `web`, serving the built web client (dist/web) too, for benchmarks that drive a browser.
   */
  | { kind: 'roomkit'; env?: Record<string, string>; web?: boolean }
  /**
   * A bare Socket.IO server (plus a bare HTTP upload route) that moves the same bytes without
   * looking at them: `file:upload` is acked and announced as `file:added` to the room; with
   * `echo`, the announcement carries the bytes back out to the other members.
   */
  | { kind: 'bare-socketio'; echo: boolean; maxBytes: number }
  /**
   * A bare `node:http` server answering every request with the same Buffer; `headers` adds to
   * Content-Type and Content-Length (another server's answer, header for header).
   */
  | { kind: 'bare-http'; body: Buffer; contentType: string; headers?: Record<string, string> }
  /**
   * A bare Fastify app (the framework Roomkit is built on, default options, no plugins) with one
   * route of Roomkit's shape — the thumbnail's unless `route` names another — answering with
   * the same Buffer and `headers`: the floor for any Fastify server.
   */
  | {
      kind: 'bare-fastify';
      body: Buffer;
      contentType: string;
      route?: string;
      headers?: Record<string, string>;
    }
  /**
   * A plain web site on `node:http`: `GET` or `HEAD /<name>` answers the file of that name in
   * `dir`, read from disk on each request, as image/jpeg; anything else 404. The "third-party"
   * site the image proxy and its peers fetch from.
   */
  | { kind: 'static-files'; dir: string }
  /**
   * A bare y-websocket server: @y/websocket-server's `setupWSConnection` (the reference server of
   * the y-websocket protocol, documents in memory, no auth) on node:http + ws, any path a doc.
   */
  | { kind: 'bare-yjs' }
  /**
   * ipx, the image server of Nuxt Image, as its README runs it: `createIPXNodeServer` over
   * `ipxFSStorage({ dir })`, URLs like `/w_480,f_webp,q_75/<file>`; or, with `httpDomains`
   * instead, over `ipxHttpStorage({ domains })`, URLs like `/w_480,f_webp,q_75/http://host/<file>`
   * (ipx then fetches the source from the web on each request). It has no effort modifier, so
   * AVIF is encoded at sharp's default effort unless `avifEffort` is given (through ipx's
   * `sharpOptions`, as sharp's own `heifEffort`).
   */
  | { kind: 'ipx'; dir: string; avifEffort?: number }
  | { kind: 'ipx'; httpDomains: string[]; avifEffort?: number }
  /**
   * A bare Server-Sent Events server on `node:http`, Roomkit's routes in shape:
   * `GET /api/rooms/:roomId/events` opens a stream (a `room:state` frame first), and
   * `POST /api/rooms/:roomId/messages { body }` answers 201 `{ message }` and writes one
   * `message:new` frame, serialized once, to each of the room's open streams. No auth, no store.
   */
  | { kind: 'bare-sse' }
  /**
   * A bare node:http + Socket.IO chat server with Roomkit's chat events and message shape
   * (bench/baselines/chatSocketIo.ts): the room comes from `auth: { room, name }`, nothing is
   * checked or stored.
   */
  | { kind: 'bare-chat' }
  /**
   * A bare Fastify sign-in route (bench/baselines/argon2Login.ts): @node-rs/argon2 verifying one
   * account's password with Roomkit's hash parameters under the same cap and queue.
   */
  | ({ kind: 'bare-login' } & BareLoginOptions)
  /**
   * A bare node:http + Socket.IO signalling relay (bench/baselines/signalSocketIo.ts): `signal`
   * relayed to the member `to` names, who is whoever its handshake says; nothing is checked.
   */
  | { kind: 'bare-signal' };

export interface ServerStats {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** CPU time of the whole process (every thread, libvips' included), in microseconds. */
  cpuMicros: number;
  /** Roomkit's memory accountant, when the server is Roomkit. */
  accountant?: { usedBytes: number; reservedBytes: number; level: string };
}

export type HostRequest =
  | { type: 'start'; spec: ServerSpec }
  | { type: 'stats'; id: number; gc: boolean }
  | { type: 'stop' };

export type HostReply =
  | { type: 'listening'; port: number }
  | { type: 'stats'; id: number; stats: ServerStats }
  | { type: 'failed'; message: string };

export interface ServerHandle {
  url: string;
  port: number;
  pid: number;
  /**
   * The process's own view: memoryUsage(), cpuUsage() and the accountant; with `gc`, after a
   * full garbage collection (so heap figures count live objects only).
   */
  stats(options?: { gc?: boolean }): Promise<ServerStats>;
  /** VmRSS and VmHWM from /proc (Linux), read without involving the server's event loop. */
  procMemory(): { rss: number; peak: number } | undefined;
  /** Resets VmHWM to the current RSS (Linux ≥ 4.0); false where that is not possible. */
  resetPeak(): boolean;
  stop(): Promise<void>;
}

const HOST = fileURLToPath(new URL('./serverHost.ts', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/**
 * Starts the server in a child process; `processEnv` adds to the child's environment (for
 * things the process reads itself, like LD_PRELOAD — Roomkit's own settings go in the spec).
 */
export async function startServer(
  spec: ServerSpec,
  processEnv: Record<string, string> = {},
): Promise<ServerHandle> {
  // --expose-gc only makes global.gc() callable, for stats({ gc: true }).
  const args = [...profileArgs(), '--expose-gc', '--import', 'tsx', HOST];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    env: { ...process.env, NO_COLOR: '1', ...processEnv },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pending = new Map<number, (stats: ServerStats) => void>();
  let nextId = 0;
  child.on('message', (reply: HostReply) => {
    if (reply.type === 'stats') {
      pending.get(reply.id)?.(reply.stats);
      pending.delete(reply.id);
    }
  });
  const send = (request: HostRequest) => child.send(request);

  const gone = () => child.exitCode !== null || child.signalCode !== null;

  let timer: NodeJS.Timeout | undefined = undefined;
  const port = await new Promise<number>((resolve, reject) => {
    timer = setTimeout(() => reject(new Error('server did not start')), START_TIMEOUT_MS);
    child.on('message', (reply: HostReply) => {
      if (reply.type === 'listening') resolve(reply.port);
      if (reply.type === 'failed') reject(new Error(`server failed: ${reply.message}`));
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    send({ type: 'start', spec });
  })
    .catch((error: unknown) => {
      if (!gone()) child.kill('SIGKILL');
      throw error;
    })
    .finally(() => clearTimeout(timer));
  const pid = child.pid as number;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    stats: (options = {}) =>
      new Promise<ServerStats>((resolve, reject) => {
        if (gone()) return reject(new Error('server has exited'));
        const id = nextId++;
        pending.set(id, resolve);
        send({ type: 'stats', id, gc: options.gc ?? false });
      }),
    procMemory: () => readProcMemory(pid),
    resetPeak: () => {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
        return true;
      } catch {
        return false;
      }
    },
    stop: async () => {
      if (gone()) return;
      send({ type: 'stop' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/**
 * Starts servers side by side (a start is mostly loading, seconds on a busy machine); if one
 * fails, the others are stopped and its error thrown.
 */
export async function startServers(specs: ServerSpec[]): Promise<ServerHandle[]> {
  const starts = await Promise.allSettled(specs.map((spec) => startServer(spec)));
  const started = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
  const failed = starts.find((start) => start.status === 'rejected');
  if (failed === undefined) return started;
  await Promise.all(started.map((server) => server.stop()));
  throw failed.reason;
}

/**
 * With BENCH_CPU_PROF_DIR set, every server writes V8 CPU profiles there when it stops, one per
 * thread, named `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile` (thread 0 is the main
 * thread); `node --import tsx bench/lib/profileSummary.ts <file>` prints the top frames.
 */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * Nanoseconds the process's main thread has spent runnable but waiting for a CPU
 * (/proc/<pid>/schedstat, Linux with schedstats), or NaN where that cannot be read.
 */
export function runQueueWaitNs(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
  } catch {
    return Number.NaN;
  }
}

function readProcMemory(pid: number): { rss: number; peak: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
  const rss = kib('VmRSS');
  const peak = kib('VmHWM');
  return Number.isFinite(rss) ? { rss: rss * 1024, peak: peak * 1024 } : undefined;
}

/**
 * Limits loose enough that the benchmarks measure the work, not the limiter (as in
 * test/helpers.ts); the memory budget still applies.
 */
export const RELAXED = { points: 1_000_000, seconds: 1 };
