import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions } from 'socket.io';
import type { ServerSideEvents } from '../cluster/serverSideEvents.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../protocol/events.js';
import { socketAuthSchema } from '../../protocol/schemas.js';
import { AppError, toErrorBody } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { MemoryExpiringKeys, type ExpiringKeys } from '../core/ExpiringKeys.js';
import type { Membership } from '../core/Membership.js';
import type { RateLimiter } from '../core/RateLimiter.js';
import { messageView } from '../core/presenters.js';
import { readCredentials } from '../http/auth/credentials.js';
import { authenticateMember } from '../http/auth/principal.js';
import { corsOrigins } from '../http/origins.js';
import type { MessageRecord } from '../storage/records.js';
import { catchUp, missedMessages } from './catchUp.js';
import type { LiveConnections } from './LiveConnections.js';
import { RECOVERY_WINDOW_MS, RecoveryAdapter } from './RecoveryAdapter.js';
import { RecoveryGate } from './RecoveryGate.js';
import { limitedParser } from './limitedParser.js';
import {
  ackOf,
  registrarFor,
  type ClientEventTable,
  type RoomSocket,
  type SocketData,
  type SocketFeature,
} from './socketHandlers.js';

/** Most messages a reconnecting client is sent one by one; past that it pages through history. */
const REPLAY_MAX = 500;
/** How long shutdown waits for the goodbye (`room:closing`, disconnect) to reach each socket. */
const CLOSE_FLUSH_MS = 1000;
const memberRoom = (memberId: string) => `member:${memberId}`;
/** A bus event's emit: its name and payload are checked where it is published. */
type Emit = (name: string, payload: unknown) => boolean;

/**
 * The Socket.IO transport: authenticates each connection with its member token, sends
 * `room:state`, hands the socket to every feature's handler set, and delivers the room event
 * bus to the room's sockets.
 */
export class SocketGateway {
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, ServerSideEvents, SocketData>;
  /** Per feature: registers its handlers on a new socket, through a registrar for its table. */
  private readonly features: ((socket: RoomSocket) => void)[] = [];
  /** Which feature's table defines each event name: two features cannot answer one event. */
  private readonly owners = new Map<string, ClientEventTable>();
  /** How every handler gets its socket's membership, afresh per event, and reports a failure. */
  private readonly handling = {
    membershipOf: (s: RoomSocket) => this.ctx.rooms.membership(s.data.roomId, s.data.memberId),
    onError: (error: unknown) => this.ctx.log.error({ err: error }, 'socket handler failed'),
  };
  private readonly eventLimit: RateLimiter;
  private readonly abuseLimit: RateLimiter;
  private readonly recovery: RecoveryGate;
  private readonly unsubscribe: () => void;
  /** Whether other instances share the adapter (multi-instance mode). */
  private readonly clustered: boolean;

  /**
   * Multi-instance mode (cluster/openCluster.ts) passes Socket.IO's cluster adapter and the
   * expiring keys every instance shares (where dropped recovery memberships are marked).
   */
  constructor(
    httpServer: HttpServer,
    private readonly ctx: RoomkitContext,
    private readonly live: LiveConnections,
    options: { adapter?: ServerOptions['adapter']; sharedKeys?: ExpiringKeys } = {},
  ) {
    this.clustered = options.adapter !== undefined;
    this.eventLimit = ctx.limiters.open('socketEvents', { perConnection: true });
    this.abuseLimit = ctx.limiters.open('socketAbuse', { perConnection: true });
    // A frame may carry one file (file:upload); each handler checks its own payload's size.
    // Text packets are held to 1 MiB, and a packet to one attachment, by the parser.
    const maxFrameBytes = ctx.config.maxUploadBytes + 64 * 1024;
    this.io = new Server(httpServer, {
      path: '/socket.io',
      serveClient: false,
      maxHttpBufferSize: maxFrameBytes,
      parser: limitedParser(maxFrameBytes),
      // One instance keeps what a dropped socket missed in RecoveryAdapter; several keep it in
      // the Redis stream their adapter shares.
      adapter: options.adapter ?? RecoveryAdapter,
      connectionStateRecovery: {
        maxDisconnectionDuration: RECOVERY_WINDOW_MS,
        // A recovered socket is authenticated like any other: the recovery gate hands its
        // membership back from the middleware, once the token has been checked.
        skipMiddlewares: false,
      },
      cors: { origin: corsOrigins(ctx.config), credentials: true },
    });
    // Socket.IO answers its own HTTP requests (polling, the upgrade), outside Fastify's hooks.
    this.io.engine.on('headers', (headers: Record<string, string>) => {
      headers['X-System-Status'] = ctx.accountant.level;
      headers['X-Content-Type-Options'] = 'nosniff';
    });
    this.recovery = new RecoveryGate(options.sharedKeys ?? new MemoryExpiringKeys());
    this.recovery.hold(this.io.of('/').adapter);
    this.io.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => {
          if (!(error instanceof AppError))
            ctx.log.error({ err: error }, 'socket handshake failed');
          const refusal = new Error('unauthorized') as Error & { data?: unknown };
          refusal.data = { code: error instanceof AppError ? error.code : 'unauthorized' };
          next(refusal);
        },
      );
    });
    this.io.on('connection', (socket) => {
      this.onConnection(socket).catch((error: unknown) => {
        // An AppError is a membership that ended while the socket connected.
        if (!(error instanceof AppError)) ctx.log.error({ err: error }, 'socket connection failed');
        socket.disconnect(true);
      });
    });
    this.unsubscribe = ctx.bus.subscribe((event) => {
      // An event for one member (a call's signal) is volatile (decision 021): each instance
      // hands it to its own sockets of that member, outside the adapter's stream and the
      // recovery buffer, so a reconnect never replays it.
      if (event.to !== undefined) {
        (this.io.local.to(memberRoom(event.to)).emit as Emit)(event.name, event.payload);
        return;
      }
      // Another instance emitted it through the adapter, to these sockets too, and dropped the
      // recovery memberships in the keys every instance shares.
      if (event.remote) return;
      if (event.name === 'room:closed' || event.name === 'member:left') {
        const memberId = event.name === 'member:left' ? event.payload.memberId : undefined;
        this.recovery.drop(event.roomId, memberId).catch((error: unknown) => {
          ctx.log.error({ err: error }, 'dropping recovery memberships failed');
        });
      }
      (this.io.to(event.roomId).emit as Emit)(event.name, event.payload);
      // The other instances' sockets are ended through the adapter, behind the event (this
      // instance's are ended by LiveConnections too, which is harmless).
      if (this.clustered && event.name === 'room:closed')
        this.io.in(event.roomId).disconnectSockets(true);
      if (this.clustered && event.name === 'member:left')
        this.io.in(memberRoom(event.payload.memberId)).disconnectSockets(true);
    });
  }

  /** Adds a feature's socket events: the definitions of its table, answered by `connect`. */
  use<T extends ClientEventTable>(events: T, connect: SocketFeature<T>): void {
    for (const name of Object.keys(events)) {
      if (this.owners.has(name)) throw new Error(`Two features define the socket event ${name}`);
      this.owners.set(name, events);
    }
    this.features.push((socket) => connect(socket, registrarFor(socket, events, this.handling)));
  }

  /** Tells every client the server is going away, then closes all connections. */
  async close(): Promise<void> {
    this.unsubscribe();
    const connections = [...this.io.of('/').sockets.values()].map((socket) => socket.conn);
    const closed = connections.map((conn) =>
      conn.readyState === 'closed'
        ? Promise.resolve()
        : new Promise<void>((resolve) => conn.once('close', () => resolve())),
    );
    // This instance's clients only: with the Redis adapter a plain broadcast would reach (and
    // disconnect) every instance's, and a rolling restart would drop the whole deployment.
    this.io.local.emit('room:closing', { secondsLeft: 0, reason: 'server_shutdown' });
    this.io.local.disconnectSockets(true);
    // The goodbye packets are queued behind whatever each transport is still sending; closing
    // the engine at once would cut them off, so give them a moment to go out.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_FLUSH_MS))),
    ]);
    clearTimeout(timer);
    // Not io.close(): it also closes the HTTP server and waits for every open connection, so an
    // open SSE stream would hold shutdown forever. Fastify owns the server and closes it itself
    // once every preClose hook (SSE streams included) has run.
    this.io.engine.close();
    await this.io.of('/').adapter.close();
  }

  /**
   * Who the connection is, from its token (or the membership cookie, from a trusted origin); then
   * the recovery gate decides whether a membership Socket.IO restored is given back (decision 009).
   */
  private async authenticate(socket: RoomSocket): Promise<void> {
    // The token alone decides who connects: a malformed lastSeq (null before the first message,
    // say) must not turn a good token away as `unauthorized`.
    const auth = socketAuthSchema.pick({ token: true }).safeParse(socket.handshake.auth);
    const credentials = readCredentials(socket.request, this.ctx.config, {
      handshakeToken: auth.success ? auth.data.token : undefined,
      cookie: 'trusted-origin',
    });
    const principal = await authenticateMember(this.ctx, credentials);
    await this.recovery.admit(socket, principal);
  }

  private async onConnection(socket: RoomSocket): Promise<void> {
    const { roomId, memberId } = socket.data;
    // Handlers go on before the first await: socket.io-client sends what it queued while
    // offline the moment it connects, and an event without a handler would be lost unanswered.
    this.limitEvents(socket);
    for (const connect of this.features) connect(socket);
    socket.onAny((event: string, ...args: unknown[]) => {
      const ack = ackOf(args);
      if (ack && socket.listeners(event as 'disconnect').length === 0) {
        ack({
          ok: false,
          error: { code: 'not_found', message: `Unknown event: ${event.slice(0, 64)}` },
        });
      }
    });
    const connection = this.live.open(socket.data, {
      kind: 'socket',
      end: (reason) => {
        if (reason !== 'signed_out') {
          socket.disconnect(true);
          return;
        }
        // Said before the disconnect, so the client shows it instead of reconnecting. With
        // several instances the event goes out through the adapter's stream: the disconnect
        // follows it there, so it cannot overtake it.
        socket.emit('session:ended', { reason });
        if (this.clustered) this.io.in(socket.id).disconnectSockets(true);
        else socket.disconnect(true);
      },
      endedByCluster: this.clustered,
      // Presence after the snapshot, so a client's first event is always room:state. A
      // recovered socket has had the other events it missed from Socket.IO, and gets its
      // messages from the store; any other gets the snapshot.
      welcome: async (membership) => {
        await socket.join([roomId, memberRoom(memberId)]);
        if (socket.recovered) await this.resume(socket, membership);
        else await this.sendState(socket, membership, this.lastSeqOf(socket));
      },
    });
    socket.on('disconnect', () => connection.close());
    await connection.ready;
  }

  /**
   * `room:state`, then — for a client that says which `lastSeq` it has — the messages after it,
   * with the snapshot's own messages left out so nothing arrives twice. A client that missed more
   * than REPLAY_MAX gets the ordinary snapshot and pages back through the history for the gap
   * (catchUp.ts).
   */
  private async sendState(
    socket: RoomSocket,
    membership: Membership,
    lastSeq: number | undefined,
  ): Promise<void> {
    const { state, missed } = await catchUp(this.ctx, membership, lastSeq, {
      replayMax: REPLAY_MAX,
    });
    socket.emit('room:state', {
      ...state,
      members: this.withSelfOnline(state.members, membership),
    });
    for await (const page of missed) this.replay(socket, page);
  }

  /** Messages a client missed, each as the `message:new` it would have had. */
  private replay(socket: RoomSocket, messages: MessageRecord[]): void {
    for (const message of messages) socket.emit('message:new', { message: messageView(message) });
  }

  /** The member whose socket this is is online, though its presence may not have caught up. */
  private withSelfOnline<M extends { id: string; online: boolean }>(
    members: M[],
    membership: Membership,
  ): M[] {
    return members.map((m) => (m.id === membership.member.id ? { ...m, online: true } : m));
  }

  /** A resume point that is not a seq only means "no replay". */
  private lastSeqOf(socket: RoomSocket): number | undefined {
    return socketAuthSchema.shape.lastSeq.safeParse(
      (socket.handshake.auth as Record<string, unknown>).lastSeq,
    ).data;
  }

  /**
   * What a recovered socket missed that the recovery buffer kept only as a marker (decision
   * 008): its own snapshot, if it never got it (then nothing else is needed); the room's
   * presence as it is now; the messages after the first it missed (or after the client's own
   * `lastSeq`, if that is earlier) from the store — more than REPLAY_MAX, the snapshot instead.
   */
  private async resume(socket: RoomSocket, membership: Membership): Promise<void> {
    const resume = socket.data.resume ?? {};
    delete socket.data.resume;
    const lastSeq = this.lastSeqOf(socket);
    if (resume.state) {
      await this.sendState(socket, membership, lastSeq);
      return;
    }
    const after =
      resume.afterSeq === undefined || lastSeq === undefined
        ? resume.afterSeq
        : Math.min(resume.afterSeq, lastSeq);
    const missed =
      after === undefined
        ? []
        : await missedMessages(this.ctx.stores.messages, membership.room.id, after, REPLAY_MAX);
    if (missed === undefined) {
      await this.sendState(socket, membership, undefined);
      return;
    }
    if (resume.presence) {
      const members = await this.ctx.rooms.membersWithPresence(membership.room.id);
      socket.emit('presence', { members: this.withSelfOnline(members, membership) });
    }
    for await (const page of missed) this.replay(socket, page);
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
