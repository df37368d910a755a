import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { fastifyCookie } from '@fastify/cookie';
import { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../protocol/events.js';
import { socketAuthSchema } from '../../protocol/schemas.js';
import { AppError, toErrorBody } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { RateLimiter } from '../core/RateLimiter.js';
import { messageView } from '../core/views.js';
import { corsOrigins, isAllowedOrigin } from '../http/origins.js';
import { SESSION_COOKIE } from '../http/sessionAuth.js';
import {
  ackOf,
  registrarFor,
  type RoomSocket,
  type SocketData,
  type SocketFeature,
} from './socketHandlers.js';

/** Most messages a reconnecting client is sent one by one; past that it pages through history. */
const REPLAY_MAX = 500;
const memberRoom = (memberId: string) => `member:${memberId}`;

type TrustedRequest = IncomingMessage & { roomkitTrustedOrigin?: boolean };

/**
 * The Socket.IO transport: authenticates each connection with its session token, sends
 * `room:state`, hands the socket to every feature's handler set, and delivers the room event
 * bus to the room's sockets.
 */
export class SocketGateway {
  readonly io: Server<
    ClientToServerEvents,
    ServerToClientEvents,
    Record<string, never>,
    SocketData
  >;
  private readonly features: SocketFeature[] = [];
  private readonly eventLimit: RateLimiter;
  private readonly abuseLimit: RateLimiter;
  private readonly unsubscribe: () => void;

  constructor(
    httpServer: HttpServer,
    private readonly ctx: RoomkitContext,
  ) {
    this.eventLimit = new RateLimiter('socket-events', ctx.limits.socketEvents);
    this.abuseLimit = new RateLimiter('socket-abuse', ctx.limits.socketAbuse);
    this.io = new Server(httpServer, {
      path: '/socket.io',
      serveClient: false,
      // Chat payloads are small; binary features that need more raise it with their own limit.
      maxHttpBufferSize: 1_048_576,
      connectionStateRecovery: { maxDisconnectionDuration: 2 * 60_000, skipMiddlewares: false },
      cors: { origin: corsOrigins(ctx.config), credentials: true },
      allowRequest: (request, callback) => {
        // Token clients may come from anywhere; only a cookie needs a trusted origin (see auth).
        (request as TrustedRequest).roomkitTrustedOrigin = isAllowedOrigin(
          request.headers.origin,
          request,
          ctx.config,
        );
        callback(null, true);
      },
    });
    this.io.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => {
          const refusal = new Error('unauthorized') as Error & { data?: unknown };
          refusal.data = { code: error instanceof AppError ? error.code : 'unauthorized' };
          next(refusal);
        },
      );
    });
    this.io.on('connection', (socket) => {
      this.onConnection(socket).catch((error: unknown) => {
        ctx.log.error({ err: error }, 'socket connection failed');
        socket.disconnect(true);
      });
    });
    this.unsubscribe = ctx.bus.subscribe((event) => {
      const target =
        event.to === undefined ? this.io.to(event.roomId) : this.io.to(memberRoom(event.to));
      (target.emit as (name: string, payload: unknown) => boolean)(event.name, event.payload);
      if (event.name === 'room:closed') this.io.in(event.roomId).disconnectSockets(true);
      if (event.name === 'member:left')
        this.io.in(memberRoom(event.payload.memberId)).disconnectSockets(true);
    });
  }

  /** Adds a feature's socket events. */
  use(feature: SocketFeature): void {
    this.features.push(feature);
  }

  connections(): number {
    return this.io.engine.clientsCount;
  }

  /** Tells every client the server is going away, then closes all connections. */
  async close(): Promise<void> {
    this.unsubscribe();
    this.io.emit('room:closing', { secondsLeft: 0, reason: 'server_shutdown' });
    this.io.disconnectSockets(true);
    await this.io.close();
  }

  private async authenticate(socket: RoomSocket): Promise<void> {
    const auth = socketAuthSchema.safeParse(socket.handshake.auth);
    let token = auth.success ? auth.data.token : undefined;
    if (token === undefined && (socket.request as TrustedRequest).roomkitTrustedOrigin) {
      token = fastifyCookie.parse(socket.request.headers.cookie ?? '')[SESSION_COOKIE];
    }
    const session = await this.ctx.rooms.authenticate(token);
    socket.data.roomId = session.room.id;
    socket.data.memberId = session.member.id;
  }

  private async onConnection(socket: RoomSocket): Promise<void> {
    const { roomId, memberId } = socket.data;
    const session = await this.ctx.rooms.session(roomId, memberId);
    await socket.join([roomId, memberRoom(memberId)]);
    const release = await this.ctx.rooms.connect(session);
    socket.on('disconnect', () => {
      release().catch((error: unknown) =>
        this.ctx.log.error({ err: error }, 'presence release failed'),
      );
    });

    this.limitEvents(socket);
    const handle = registrarFor(
      socket,
      (s) => this.ctx.rooms.session(s.data.roomId, s.data.memberId),
      (error) => this.ctx.log.error({ err: error }, 'socket handler failed'),
    );
    for (const feature of this.features) feature(socket, handle);
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = ackOf(args);
      if (ack && socket.listeners(event as 'disconnect').length === 0) {
        ack({
          ok: false,
          error: { code: 'not_found', message: `Unknown event: ${event.slice(0, 64)}` },
        });
      }
    });

    if (socket.recovered) return; // Socket.IO has delivered what was missed
    socket.emit('room:state', await this.ctx.rooms.state(session));
    const lastSeq = socketAuthSchema.safeParse(socket.handshake.auth).data?.lastSeq;
    if (lastSeq !== undefined) await this.replay(socket, roomId, lastSeq);
  }

  /** Sends the messages after `lastSeq`, for a client that reconnects after missing some. */
  private async replay(socket: RoomSocket, roomId: string, lastSeq: number): Promise<void> {
    const missed = await this.ctx.stores.messages.listAfter(roomId, lastSeq, REPLAY_MAX);
    for (const message of missed.messages)
      socket.emit('message:new', { message: messageView(message) });
  }

  /**
   * Every incoming event spends from the socket's budget; over it, the event is refused with
   * `rate_limited`, and a socket that keeps flooding is disconnected. Other sockets are unaffected.
   */
  private limitEvents(socket: RoomSocket): void {
    socket.use(([, ...args], next) => {
      this.eventLimit.consume(socket.id).then(
        () => next(),
        async (error: unknown) => {
          ackOf(args)?.({ ok: false, error: toErrorBody(error) });
          if (!(await this.abuseLimit.tryConsume(socket.id))) socket.disconnect(true);
        },
      );
    });
  }
}
