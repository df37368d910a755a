/**
 * Test helpers: a real server on port 0 and real clients. Nothing of Roomkit is mocked; only
 * time can be made manual, so expiry is tested without waiting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EventSource } from 'eventsource';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { afterEach } from 'vitest';
import {
  serverEvents,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../src/protocol/events.js';
import type { Member, Room } from '../src/protocol/schemas.js';
import { buildApp, type AppOptions, type RoomkitApp } from '../src/server/app.js';
import { loadConfig, type Env } from '../src/server/config.js';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer extends RoomkitApp {
  url: string;
  close: () => Promise<void>;
}

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Generous limits by default so tests measure behaviour, not the limiter; tests of limits set their own. */
const relaxed = { points: 100_000, seconds: 1 };

export async function startServer(
  env: Partial<Record<keyof Env, string>> = {},
  options: AppOptions = {},
): Promise<TestServer> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env, PORT: '0', HOST: '127.0.0.1' });
  const roomkit = await buildApp(config, {
    webRoot: false,
    ...options,
    limits: {
      createRoom: relaxed,
      joinFailures: relaxed,
      joins: relaxed,
      messages: relaxed,
      socketEvents: relaxed,
      socketAbuse: relaxed,
      uploads: relaxed,
      exec: relaxed,
      signals: relaxed,
      collabMessages: relaxed,
      loginPerAddress: relaxed,
      loginPerUsername: relaxed,
      registerPerAddress: relaxed,
      webFetches: relaxed,
      ...options.limits,
    },
  });
  await roomkit.app.listen({ port: 0, host: '127.0.0.1' });
  const address = roomkit.app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const server: TestServer = {
    ...roomkit,
    url: `http://127.0.0.1:${address.port}`,
    close: () => roomkit.app.close(),
  };
  cleanups.push(server.close);
  return server;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function api<T = any>(
  server: { url: string },
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(server.url + path, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export interface Joined {
  token: string;
  member: Member;
  room: Room;
}

export async function createRoom(server: { url: string }, body: object = {}): Promise<Room> {
  const response = await api<{ room: Room }>(server, 'POST', '/api/rooms', { body });
  if (response.status !== 201)
    throw new Error(`create room: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.room;
}

export async function join(
  server: { url: string },
  room: { id: string } | string,
  displayName: string,
): Promise<Joined> {
  const roomId = typeof room === 'string' ? room : room.id;
  const response = await api<Joined>(server, 'POST', '/api/rooms/join', {
    body: { roomId, displayName },
  });
  if (response.status !== 200)
    throw new Error(`join: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** A room with members joined under the given names, in order (the first is the owner). */
export async function roomWith(
  server: { url: string },
  ...names: string[]
): Promise<{ room: Room; members: Joined[] }> {
  const room = await createRoom(server);
  const members: Joined[] = [];
  for (const name of names) members.push(await join(server, room, name));
  return { room, members };
}

/** Connects, recording every event, and waits for room:state (sent right after connecting). */
export async function connectWithState(
  server: { url: string },
  token: string,
  extra: Record<string, unknown> = {},
) {
  const collected = await connectCollecting(server, { token, ...extra });
  const state = await waitFor(
    () => collected.events.find((e) => e.name === 'room:state')?.payload,
    5000,
    'room:state',
  );
  return { ...collected, state };
}

export interface Collected {
  socket: TestSocket;
  /** Every server event received, in order. */
  events: { name: string; payload: any }[];
}

/** Connects and records every event from the very first packet. */
export function connectCollecting(
  server: { url: string },
  auth: Record<string, unknown>,
): Promise<Collected> {
  return connectWith(server, { auth });
}

/** Waits until `predicate` holds over the collected events (polling; fails after `ms`). */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function emitAck<T = any>(socket: TestSocket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve) => {
    (socket.emit as (e: string, p: unknown, ack: (r: T) => void) => void)(event, payload, resolve);
  });
}

/** An EventSource on the room's stream that records every event. */
export function openEvents(
  server: { url: string },
  roomId: string,
  token: string,
  options: { lastEventId?: number } = {},
): {
  source: EventSource;
  events: { name: string; data: any; id: string }[];
  opened: Promise<void>;
} {
  const events: { name: string; data: any; id: string }[] = [];
  const url = `${server.url}/api/rooms/${roomId}/events?token=${encodeURIComponent(token)}`;
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          ...(options.lastEventId === undefined
            ? {}
            : { 'Last-Event-ID': String(options.lastEventId) }),
        },
      }),
  });
  // Every event the protocol defines, so a new one is recorded too.
  const names = Object.keys(serverEvents);
  for (const name of names) {
    source.addEventListener(name, (event) => {
      events.push({ name, data: JSON.parse(event.data), id: event.lastEventId });
    });
  }
  cleanups.push(() => source.close());
  const opened = new Promise<void>((resolve, reject) => {
    source.onopen = () => resolve();
    source.onerror = (error) =>
      reject(new Error(`event stream failed: ${error.message ?? error.code}`));
  });
  return { source, events, opened };
}

/** Runs `fn` after the current test, with the other cleanups (last registered runs first). */
export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/**
 * A socket.io-client with any client options (extra headers, transports…), closed after the
 * test. Resolves once connected; rejects with the connect_error.
 */
export function connectWith(
  server: { url: string },
  options: Partial<ManagerOptions & SocketOptions>,
): Promise<Collected> {
  const socket: TestSocket = io(server.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...options,
  });
  const events: { name: string; payload: any }[] = [];
  socket.onAny((name: string, payload: unknown) => {
    events.push({ name, payload });
  });
  cleanups.push(() => {
    socket.disconnect();
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, events }));
    socket.once('connect_error', reject);
  });
}

/** Drops the client's connection as a network would; socket.io-client may then reconnect. */
export async function dropConnection(client: Collected): Promise<void> {
  const down = new Promise((resolve) => client.socket.once('disconnect', resolve));
  client.socket.io.engine.close();
  await down;
}

/**
 * Connects a dropped client again, sending back `offset` if given (socket.io-client sends the
 * last one it read); resolves once connected.
 */
export async function reconnectSocket(client: Collected, offset?: string): Promise<void> {
  if (offset !== undefined) {
    (client.socket as unknown as { _lastOffset: string })._lastOffset = offset;
  }
  const back = new Promise<void>((resolve) => client.socket.once('connect', () => resolve()));
  client.socket.connect();
  await back;
}

/** The recovery session a socket.io-client would present: its private id and last offset. */
export function recoveryOf(client: Collected): { pid: string; offset: string } {
  const socket = client.socket as unknown as { _pid: string; _lastOffset: string };
  return { pid: socket._pid, offset: socket._lastOffset };
}

/**
 * Connects presenting a recovery session (`pid`, `offset`) beside the token, as a hostile client
 * would present someone else's. `packets` records every event packet the server sends, also
 * those sent before a refusal (socket.io-client would hold those back and never show them).
 */
export function presentSession(
  server: { url: string },
  auth: { token: string; pid: string; offset: string },
): { packets: unknown[][]; connected: Promise<Collected & { state?: undefined }> } {
  const socket: TestSocket = io(server.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    autoConnect: false,
    auth: { token: auth.token },
  });
  // Where socket.io-client keeps the session it sends back when it reconnects.
  Object.assign(socket, { _pid: auth.pid, _lastOffset: auth.offset });
  const packets: unknown[][] = [];
  socket.io.on('packet', (packet: { type: number; data?: unknown }) => {
    if (packet.type === 2 && Array.isArray(packet.data)) packets.push(packet.data);
  });
  const events: { name: string; payload: any }[] = [];
  socket.onAny((name: string, payload: unknown) => {
    events.push({ name, payload });
  });
  cleanups.push(() => {
    socket.disconnect();
  });
  const connected = new Promise<Collected>((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, events }));
    socket.once('connect_error', reject);
  });
  socket.connect();
  return { packets, connected };
}

export { freePort } from './freePort.js';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote so far. */
  output: { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * Runs the real `roomkit` command (src/server/main.ts, compiled on the fly by tsx) as a child process, killed
 * after the test if it is still running. `ready: true` waits until /healthz answers.
 */
export async function spawnRoomkit(
  args: string[],
  env: Record<string, string> = {},
  options: { ready?: boolean; port?: number } = {},
): Promise<ServerProcess> {
  const port = options.port ?? 0;
  // `node --import tsx`, not the tsx CLI: the CLI relays signals through 30 ms windows and may
  // SIGKILL a server that is busy shutting down, which is exactly what tests of SIGTERM look at.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts', ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const url = `http://127.0.0.1:${port}`;
  if (options.ready) {
    let up = false;
    const stopped = exited.then(() => true);
    for (const deadline = Date.now() + 15_000; !up && Date.now() < deadline;) {
      up = await fetch(`${url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (!up && (await Promise.race([stopped, sleep(100).then(() => false)])))
        throw new Error(`roomkit exited before serving: ${output.stderr}`);
    }
    if (!up) throw new Error(`roomkit did not answer /healthz: ${output.stderr}`);
  }
  return { child, url, output, exited };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Posts a message over REST as `member` (a string is the body; an object is the whole request). */
export function sendMessage(
  server: { url: string },
  member: Joined,
  body: string | Record<string, unknown>,
) {
  return api(server, 'POST', `/api/rooms/${member.room.id}/messages`, {
    token: member.token,
    body: typeof body === 'string' ? { body } : body,
  });
}
