/**
 * Child-process entry of bench/lib/servers.ts: starts the server it is told to over IPC, on
 * 127.0.0.1 and a free port, answers stats requests, and closes on `stop` or when the parent
 * goes away.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server as HttpServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SharpOptions } from 'sharp';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import { startBareLogin } from '../baselines/argon2Login.js';
import { startChatSocketIo } from '../baselines/chatSocketIo.js';
import { startSignalSocketIo } from '../baselines/signalSocketIo.js';
import type * as AppModule from '../../src/server/app.js';
import type * as ConfigModule from '../../src/server/config.js';
import type { MemoryAccountant } from '../../src/server/core/MemoryAccountant.js';
import {
  RELAXED,
  type HostReply,
  type HostRequest,
  type ServerSpec,
  type ServerStats,
} from './servers.js';

interface Running {
  port: number;
  accountant?: MemoryAccountant;
  close: () => Promise<void>;
}

const reply = (message: HostReply) => process.send?.(message);

// Each process loads only what its server needs: Roomkit's app alone takes seconds to load under
// tsx, which a baseline should not wait for.

/**
 * Roomkit runs as users run it, built (`npm run bench` builds first when the sources are newer
 * than dist/). tsx leaves JavaScript as it is; the sources through tsx would be compiled with
 * esbuild's keepNames, which costs about 1.5 KB more per connected socket.
 */
const BUILT = (file: string) => new URL(`../../dist/server/${file}`, import.meta.url).href;

const WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

async function startRoomkit(env: Record<string, string>, web: boolean): Promise<Running> {
  const { buildApp } = (await import(BUILT('app.js'))) as typeof AppModule;
  const { loadConfig } = (await import(BUILT('config.js'))) as typeof ConfigModule;
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env, HOST: '127.0.0.1', PORT: '0' });
  const { app, ctx } = await buildApp(config, {
    webRoot: web ? WEB_ROOT : false,
    limits: {
      createRoom: RELAXED,
      joinFailures: RELAXED,
      joins: RELAXED,
      messages: RELAXED,
      socketEvents: RELAXED,
      socketAbuse: RELAXED,
      uploads: RELAXED,
      exec: RELAXED,
      signals: RELAXED,
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { port, accountant: ctx.accountant, close: () => app.close() };
}

/** A plain node:http server listening, closed with every connection it still has. */
async function listening(http: HttpServer): Promise<Running> {
  const port = await listen(http);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

function listen(server: HttpServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

async function startBareSocketIo(echo: boolean, maxBytes: number): Promise<Running> {
  let io: Server | undefined = undefined;
  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method !== 'POST' || url.pathname !== '/upload') {
      response.writeHead(404).end();
      return;
    }
    // The floor for an HTTP upload: the whole body read into memory, the room told.
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const size = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
      const file = { name: url.searchParams.get('name') ?? 'file', size };
      io?.to(url.searchParams.get('room') ?? '').emit('file:added', { file });
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ file }));
    });
  });
  io = new Server(http, { maxHttpBufferSize: maxBytes, serveClient: false });
  io.on('connection', (socket) => {
    const { room: given } = socket.handshake.auth as { room?: unknown };
    const room = typeof given === 'string' ? given : '';
    void socket.join(room);
    socket.on(
      'file:upload',
      (payload: { name: string; data: Buffer }, ack: (r: object) => void) => {
        const file = { name: payload.name, size: payload.data.byteLength };
        if (echo) socket.to(room).emit('file:added', { file, data: payload.data });
        else io?.to(room).emit('file:added', { file });
        ack({ ok: true, file });
      },
    );
  });
  const port = await listen(http);
  return {
    port,
    close: async () => {
      await io?.close();
    },
  };
}

async function startBareHttp(
  body: Buffer,
  contentType: string,
  headers: Record<string, string>,
): Promise<Running> {
  const http = createServer((request, response) => {
    request.resume();
    response.writeHead(200, {
      ...headers,
      'content-type': contentType,
      'content-length': body.byteLength,
    });
    response.end(body);
  });
  return listening(http);
}

async function startBareFastify(
  body: Buffer,
  contentType: string,
  route: string,
  headers: Record<string, string>,
): Promise<Running> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify();
  app.get(route, (_request, reply) => {
    void reply.headers(headers);
    void reply.header('content-type', contentType);
    return reply.send(body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { port, close: () => app.close() };
}

async function startBareYjs(): Promise<Running> {
  const { setupWSConnection } = await import('@y/websocket-server/utils');
  const http = createServer((_request, response) => response.writeHead(404).end());
  // As Roomkit's collab sockets: no compression.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  http.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => setupWSConnection(ws, request));
  });
  const port = await listen(http);
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

async function startIpx(
  source: { dir: string } | { httpDomains: string[] },
  avifEffort: number | undefined,
): Promise<Running> {
  const { createIPX, createIPXNodeServer, ipxFSStorage, ipxHttpStorage } = await import('ipx');
  const { default: sharp } = await import('sharp');
  // As Roomkit runs it (src/server/media/processImage.ts), so that the two differ only in what
  // the benchmarks compare; with a new input per request, the cache would hold memory, not hits.
  sharp.cache(false);
  const ipx = createIPX({
    storage:
      'dir' in source
        ? ipxFSStorage({ dir: source.dir })
        : ipxHttpStorage({ domains: source.httpDomains }),
    // ipx copies sharpOptions onto each pipeline's options, where sharp's avif() leaves an
    // effort it is not given as it found it.
    ...(avifEffort !== undefined && { sharpOptions: { heifEffort: avifEffort } as SharpOptions }),
  });
  const http = createServer(createIPXNodeServer(ipx));
  return listening(http);
}

/** The "third-party" site: each file of `dir` by its name, read on each request. */
async function startStaticFiles(dir: string): Promise<Running> {
  const http = createServer((request, response) => {
    request.resume();
    const name = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname.slice(1));
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !/^[\w.-]+$/.test(name)) {
      response.writeHead(404).end();
      return;
    }
    readFile(path.join(dir, name)).then(
      (bytes) => {
        response.writeHead(200, {
          'content-type': 'image/jpeg',
          'content-length': bytes.byteLength,
        });
        response.end(request.method === 'HEAD' ? undefined : bytes);
      },
      () => response.writeHead(404).end(),
    );
  });
  return listening(http);
}

async function startBareSse(): Promise<Running> {
  const rooms = new Map<string, Set<ServerResponse>>();
  const seqs = new Map<string, number>();
  const route = /^\/api\/rooms\/([^/]+)\/(events|messages)$/;
  const http = createServer((request, response) => {
    const [, roomId = '', what] =
      route.exec(new URL(request.url ?? '/', 'http://x').pathname) ?? [];
    if (request.method === 'GET' && what === 'events') {
      response.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
      });
      response.write('event: room:state\ndata: {}\n\n');
      const streams = rooms.get(roomId) ?? new Set();
      rooms.set(roomId, streams);
      streams.add(response);
      response.on('close', () => streams.delete(response));
      return;
    }
    if (request.method !== 'POST' || what !== 'messages') {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { body } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string };
      const seq = (seqs.get(roomId) ?? 0) + 1;
      seqs.set(roomId, seq);
      // Roomkit's message view in shape and size (ids of its length).
      const message = {
        id: `m${String(seq).padStart(21, '0')}`,
        roomId,
        seq,
        type: 'text',
        body,
        sender: { id: 'sender0000000000000000', displayName: 'Sender', role: 'member' },
        createdAt: new Date().toISOString(),
      };
      const frame = Buffer.from(
        `id: ${seq}\nevent: message:new\ndata: ${JSON.stringify({ message })}\n\n`,
      );
      for (const stream of rooms.get(roomId) ?? []) stream.write(frame);
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message }));
    });
  });
  return listening(http);
}

function start(spec: ServerSpec): Promise<Running> {
  switch (spec.kind) {
    case 'roomkit':
      return startRoomkit(spec.env ?? {}, spec.web ?? false);
    case 'bare-socketio':
      return startBareSocketIo(spec.echo, spec.maxBytes);
    case 'bare-http':
      return startBareHttp(Buffer.from(spec.body), spec.contentType, spec.headers ?? {});
    case 'bare-fastify':
      return startBareFastify(
        Buffer.from(spec.body),
        spec.contentType,
        spec.route ?? '/api/rooms/:roomId/files/:fileId/thumb',
        spec.headers ?? {},
      );
    case 'static-files':
      return startStaticFiles(spec.dir);
    case 'bare-yjs':
      return startBareYjs();
    case 'ipx':
      return startIpx(spec, spec.avifEffort);
    case 'bare-sse':
      return startBareSse();
    case 'bare-chat':
      return startChatSocketIo();
    case 'bare-login':
      return startBareLogin(spec);
    case 'bare-signal':
      return startSignalSocketIo();
  }
}

function stats(running: Running | undefined, gc: boolean): ServerStats {
  // Twice: the ArrayBuffers the first collection finds dead are subtracted from `external` only
  // by the next one (a document's compaction leaves about three times its size of them), so
  // after one collection `external` still counted garbage.
  if (gc) for (let i = 0; i < 2; i++) globalThis.gc?.();
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage();
  const accountant = running?.accountant;
  return {
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    cpuMicros: cpu.user + cpu.system,
    ...(accountant && {
      accountant: {
        usedBytes: accountant.usedBytes,
        reservedBytes: accountant.reservedBytes,
        level: accountant.level,
      },
    }),
  };
}

let running: Running | undefined = undefined;

async function stop(): Promise<void> {
  await running?.close();
  process.exit(0);
}

process.on('message', (request: HostRequest) => {
  switch (request.type) {
    case 'start':
      start(request.spec).then(
        (started) => {
          running = started;
          reply({ type: 'listening', port: started.port });
        },
        (error: unknown) => {
          reply({
            type: 'failed',
            message: error instanceof Error ? error.message : String(error),
          });
          process.exit(1);
        },
      );
      break;
    case 'stats':
      reply({ type: 'stats', id: request.id, stats: stats(running, request.gc) });
      break;
    case 'stop':
      void stop();
      break;
  }
});
process.on('disconnect', () => void stop());
