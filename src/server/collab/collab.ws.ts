import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  collabCloseCodes,
  COLLAB_MAX_MESSAGE_BYTES,
  COLLAB_PATH,
  type CollabCloseReason,
} from '../../protocol/collab.js';
import { ROOM_ID_PATTERN } from '../../protocol/constants.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import type { LimitObserver, RateLimit } from '../core/RateLimiter.js';
import { readCredentials } from '../http/auth/credentials.js';
import { authenticateMember } from '../http/auth/principal.js';
import type { LiveConnection, LiveConnections } from '../transport/LiveConnections.js';
import {
  CollabRefusal,
  type CollabConnection,
  type CollabPeer,
  type CollabService,
} from './CollabService.js';

/** Messages a client may send before its connection is set up (sync step 1, awareness, edits). */
const EARLY_MESSAGES_MAX = 64;
/** How long shutdown waits for clients to answer the close handshake before cutting them off. */
const CLOSE_FLUSH_MS = 1000;

export interface CollabSocketsOptions {
  /** Ping interval; a client that has not answered the previous ping is dropped (default 30 s). */
  heartbeatMs?: number;
}

export interface CollabSockets {
  /** Closes every collab connection (1001 `server_shutdown`) and stops accepting new ones. */
  close(): Promise<void>;
  /** Open collab WebSockets, authenticated or not yet. */
  readonly size: number;
}

interface Client {
  ws: WebSocket;
  alive: boolean;
  close(reason: CollabCloseReason): void;
}

/**
 * The collab transport: WebSockets at `/collab/<roomId>` speaking y-websocket's protocol, on the
 * HTTP server's `upgrade` event beside Socket.IO (engine.io ignores paths that are not its own,
 * and its clean-up of unanswered upgrades never fires here because the handshake is answered at
 * once). Every connection completes the handshake first; one that may not open the document is
 * then closed with a 44xx code (protocol/collab.ts) before anything is synced. Messages that
 * arrive while the token is checked and the document loads are held, then handled in order.
 */
export function attachCollabSockets(
  server: HttpServer,
  ctx: RoomkitContext,
  live: LiveConnections,
  collab: CollabService,
  options: CollabSocketsOptions = {},
): CollabSockets {
  // No compression: nothing to gain on small edits, and no inflation bombs.
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: COLLAB_MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  const all = new Set<Client>();
  let closing = false;

  const onConnection = (ws: WebSocket, request: IncomingMessage, target: CollabTarget) => {
    let closed = false;
    let connection: CollabConnection | undefined;
    let member: LiveConnection | undefined;
    const early: Uint8Array[] = [];
    let earlyBytes = 0;
    const client: Client = {
      ws,
      alive: true,
      close: (reason) => {
        if (closed) return;
        closed = true;
        ws.close(collabCloseCodes[reason], reason);
      },
    };
    const peer: CollabPeer = {
      // No completion callback: one per message per peer costs a closure and a call on every
      // relayed update, and a failed write ends the connection anyway (ws destroys the socket,
      // and 'close' below cleans up).
      send: (message) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(message);
      },
      close: (reason) => client.close(reason),
    };
    const allowance = new TokenBucket(
      ctx.limits.collabMessages,
      () => ctx.clock.now(),
      ctx.limiters.observer('collabMessages'),
    );
    const cleanUp = () => {
      connection?.leave();
      member?.close();
    };
    all.add(client);

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (closed) return;
      if (!isBinary) return client.close('invalid_message');
      if (!allowance.take()) return client.close('rate_limited');
      const message = toBytes(data);
      if (connection) return connection.receive(message);
      early.push(message);
      earlyBytes += message.byteLength;
      if (early.length > EARLY_MESSAGES_MAX || earlyBytes > COLLAB_MAX_MESSAGE_BYTES) {
        client.close('invalid_message');
      }
    });
    ws.on('pong', () => {
      client.alive = true;
    });
    // A frame over maxPayload or a protocol violation: ws closes the connection (1009, 1002).
    ws.on('error', (error) => ctx.log.debug({ err: error }, 'collab socket error'));
    ws.on('close', () => {
      closed = true;
      all.delete(client);
      cleanUp();
    });

    const open = async () => {
      if (!ROOM_ID_PATTERN.test(target.roomId)) {
        throw new AppError('room_not_found', 'No such room.');
      }
      // A token in the URL from anywhere (it had to be read by a script of this app); the
      // cookie only from this server's own origin, so another site cannot open a member's
      // document in their browser.
      const credentials = readCredentials(request, ctx.config, {
        query: { token: target.token },
        cookie: 'trusted-origin',
      });
      const principal = await authenticateMember(ctx, credentials, target.roomId);
      if (closed) return;
      // Its room's end and its member's leaving close it: 4410 room_closed, 4401 left.
      member = live.open(principal, {
        kind: 'collab',
        end: (reason) => client.close(reason),
      });
      const membership = await member.ready;
      if (closed) return;
      connection = await collab.connect(target.roomId, peer, membership.member);
      if (closed) return cleanUp();
      for (const message of early.splice(0)) {
        if (closed) break;
        connection.receive(message);
      }
    };
    open().catch((error: unknown) => {
      if (!(error instanceof AppError) && !(error instanceof CollabRefusal)) {
        ctx.log.error({ err: error }, 'collab connection failed');
      }
      client.close(refusalReason(error));
    });
  };

  server.on('upgrade', (request, socket, head) => {
    const target = collabTarget(request.url);
    if (target === undefined) return;
    if (closing) return void socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws, request, target));
  });

  // A client that did not answer the last ping is gone (a dropped network never says so).
  const heartbeat = setInterval(() => {
    for (const client of all) {
      if (!client.alive) {
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      if (client.ws.readyState === WebSocket.OPEN) client.ws.ping();
    }
  }, options.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return {
    get size() {
      return all.size;
    },
    async close() {
      closing = true;
      clearInterval(heartbeat);
      const open = [...all];
      const closed = open.map(
        ({ ws }) =>
          new Promise<void>((resolve) =>
            ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()),
          ),
      );
      for (const client of open) client.close('server_shutdown');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(closed),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_FLUSH_MS))),
      ]);
      clearTimeout(timer);
      for (const client of open) client.ws.terminate();
      await Promise.all(closed);
      wss.close();
    },
  };
}

interface CollabTarget {
  roomId: string;
  token: string | undefined;
}

/** The room and `?token=` of a `/collab/<roomId>` URL, or undefined for any other path. */
function collabTarget(url: string | undefined): CollabTarget | undefined {
  if (url === undefined) return undefined;
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  if (path !== COLLAB_PATH && !path.startsWith(`${COLLAB_PATH}/`)) return undefined;
  const token = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1)).get('token');
  return { roomId: path.slice(COLLAB_PATH.length + 1), token: token ?? undefined };
}

function refusalReason(error: unknown): CollabCloseReason {
  if (error instanceof CollabRefusal) return error.reason;
  if (error instanceof AppError) {
    switch (error.code) {
      case 'unauthorized':
      case 'forbidden':
      case 'room_not_found':
      case 'room_expired':
        return error.code;
    }
  }
  return 'internal_error';
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/**
 * A connection's message allowance: `points` at once, refilled at `points` per `seconds`.
 * Synchronous, so messages are never reordered while the limit is checked.
 */
class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
    private readonly observer: LimitObserver,
  ) {
    this.tokens = limit.points;
    this.last = now();
  }

  take(): boolean {
    const now = this.now();
    const refill = ((now - this.last) / (this.limit.seconds * 1000)) * this.limit.points;
    this.tokens = Math.min(this.limit.points, this.tokens + refill);
    this.last = now;
    if (this.tokens < 1) {
      this.observer.refused();
      return false;
    }
    this.tokens -= 1;
    this.observer.consumed(1);
    return true;
  }
}
