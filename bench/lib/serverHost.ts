/**
 * Child-process entry of bench/lib/servers.ts: starts the server it is told to over IPC, on
 * 127.0.0.1 and a free port, answers stats requests, and closes on `stop` or when the parent
 * goes away.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setupWSConnection } from '@y/websocket-server/utils';
import Fastify from 'fastify';
import { Server } from 'socket.io';
import { WebSocketServer } from 'ws';
import { startChatSocketIo } from '../baselines/chatSocketIo.js';
import { buildApp } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
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

async function startRoomkit(env: Record<string, string>): Promise<Running> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env, HOST: '127.0.0.1', PORT: '0' });
  const { app, ctx } = await buildApp(config, {
    webRoot: false,
    limits: {
      createRoom: RELAXED,
      joinRoom: RELAXED,
      messages: RELAXED,
      socketEvents: RELAXED,
      socketAbuse: RELAXED,
      uploads: RELAXED,
      exec: RELAXED,
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { port, accountant: ctx.accountant, close: () => app.close() };
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

async function startBareHttp(body: Buffer, contentType: string): Promise<Running> {
  const http = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': contentType, 'content-length': body.byteLength });
    response.end(body);
  });
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

async function startBareFastify(body: Buffer, contentType: string): Promise<Running> {
  const app = Fastify();
  app.get('/api/rooms/:roomId/files/:fileId/thumb', (_request, reply) => {
    void reply.header('content-type', contentType);
    return reply.send(body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { port, close: () => app.close() };
}

async function startBareYjs(): Promise<Running> {
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

function start(spec: ServerSpec): Promise<Running> {
  switch (spec.kind) {
    case 'roomkit':
      return startRoomkit(spec.env ?? {});
    case 'bare-socketio':
      return startBareSocketIo(spec.echo, spec.maxBytes);
    case 'bare-http':
      return startBareHttp(Buffer.from(spec.body), spec.contentType);
    case 'bare-fastify':
      return startBareFastify(Buffer.from(spec.body), spec.contentType);
    case 'bare-yjs':
      return startBareYjs();
    case 'bare-chat':
      return startChatSocketIo();
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
