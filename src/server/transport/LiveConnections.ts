import type { RoomkitContext } from '../core/context.js';
import type { Membership } from '../core/Membership.js';

/**
 * Why a connection was ended from outside: its room ended, its member left or was removed, or
 * the account session its token was issued to was revoked (`signed_out`).
 */
export type EndReason = 'room_closed' | 'left' | 'signed_out';

/** Who a connection belongs to: a member of one room, as its credentials proved. */
export interface LiveMember {
  roomId: string;
  memberId: string;
  /** The account session the member's token was issued to, if any. */
  sessionId?: string | undefined;
}

/** The transports a live connection can come through. */
export type ConnectionKind = 'socket' | 'sse' | 'collab';

/** Open connections by transport. */
export type ConnectionCounts = Record<ConnectionKind, number>;

/** How a transport ends one of its connections. */
export interface LiveTransport {
  /** Which transport this is (the admin panel counts connections by it). */
  readonly kind: ConnectionKind;
  /**
   * Ends the connection the transport's own way (a disconnect, the end of a stream, a close
   * code). Called at most once, never before `ready` has resolved nor after `close()`; for an
   * event on the bus, only once every transport has delivered the event itself.
   */
  end(reason: EndReason): void;
  /**
   * What the client is sent before its member counts as present, once the membership is
   * checked (Socket.IO: `room:state` before the member's own `presence`).
   */
  welcome?(membership: Membership): Promise<void>;
  /**
   * Set by a transport whose cluster adapter ends its connections for an event of another
   * instance, in order behind the event (Socket.IO: the origin's `disconnectSockets` travels the
   * adapter's stream after the broadcast, which the bus relay, over pub/sub, can overtake). Its
   * connections are then left to the adapter for relayed events.
   */
  endedByCluster?: boolean;
}

/** One registered live connection. */
export interface LiveConnection {
  /**
   * The membership, checked again once the connection was registered, with the client welcomed
   * and the member counted present. Rejects with the AppError of a membership that is gone (the connection is then
   * unregistered, and `end` is never called).
   */
  readonly ready: Promise<Membership>;
  /** Unregisters the connection and releases its presence; safe at any time, and twice. */
  close(): void;
}

interface Entry extends LiveMember {
  transport: LiveTransport;
  opened: boolean;
  closed: boolean;
  ending: EndReason | undefined;
  release: (() => Promise<void>) | undefined;
}

/**
 * Every live connection of this instance (Socket.IO, SSE, collab), by room and member: one place
 * counts their presence and ends them when their room ends or their member leaves, whichever
 * instance that happened on. A transport opens each authenticated connection here and closes it
 * when the connection goes away.
 */
export class LiveConnections {
  private readonly byRoom = new Map<string, Set<Entry>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: Pick<RoomkitContext, 'bus' | 'rooms' | 'log'>) {
    this.unsubscribe = ctx.bus.subscribe((event) => {
      // The bus hands the event to every listener in turn (SSE streams after this one), so the
      // connections end right after: not at once, which would cut the event itself off, and not
      // a turn later, which would let what follows (the presence, "Grace left") reach them.
      const remote = event.remote === true;
      if (event.name === 'room:closed') {
        queueMicrotask(() => this.endWhere(event.roomId, () => true, 'room_closed', remote));
      } else if (event.name === 'member:left') {
        const { memberId } = event.payload;
        const isMember = (entry: Entry) => entry.memberId === memberId;
        queueMicrotask(() => this.endWhere(event.roomId, isMember, 'left', remote));
      }
    });
  }

  /**
   * Registers a connection of `member`, whose credentials were checked just before. The
   * membership is checked again once registered: a leave or the room's end between the two
   * went unheard, and is seen now by one of them.
   */
  open(member: LiveMember, transport: LiveTransport): LiveConnection {
    const entry: Entry = {
      roomId: member.roomId,
      memberId: member.memberId,
      sessionId: member.sessionId,
      transport,
      opened: false,
      closed: false,
      ending: undefined,
      release: undefined,
    };
    let room = this.byRoom.get(entry.roomId);
    if (!room) {
      room = new Set();
      this.byRoom.set(entry.roomId, room);
    }
    room.add(entry);
    return { ready: this.start(entry), close: () => this.unregister(entry) };
  }

  /** Ends every connection of a member on this instance (a leave, a removal, a revocation). */
  endMember(roomId: string, memberId: string, reason: EndReason): void {
    this.endWhere(roomId, (entry) => entry.memberId === memberId, reason, false);
  }

  /** Ends every connection on this instance made with a token of one of these account sessions. */
  endSessions(sessionIds: readonly string[]): void {
    const revoked = new Set(sessionIds);
    for (const roomId of this.byRoom.keys()) {
      this.endWhere(
        roomId,
        (entry) => entry.sessionId !== undefined && revoked.has(entry.sessionId),
        'signed_out',
        false,
      );
    }
  }

  /** Ends every connection to a room on this instance. */
  endRoom(roomId: string, reason: EndReason): void {
    this.endWhere(roomId, () => true, reason, false);
  }

  /** This instance's open connections of each room that has any, by transport. */
  countsByRoom(): Map<string, ConnectionCounts> {
    const counts = new Map<string, ConnectionCounts>();
    for (const [roomId, entries] of this.byRoom) {
      const room: ConnectionCounts = { socket: 0, sse: 0, collab: 0 };
      for (const entry of entries) if (!entry.closed) room[entry.transport.kind]++;
      counts.set(roomId, room);
    }
    return counts;
  }

  /** Stops listening to the bus; the transports close their own connections at shutdown. */
  close(): void {
    this.unsubscribe();
  }

  private async start(entry: Entry): Promise<Membership> {
    let membership: Membership;
    try {
      membership = await this.ctx.rooms.membership(entry.roomId, entry.memberId);
      if (!entry.closed) await entry.transport.welcome?.(membership);
      if (!entry.closed) entry.release = await this.ctx.rooms.connect(membership);
    } catch (error) {
      this.unregister(entry);
      throw error;
    }
    if (entry.closed) this.release(entry);
    entry.opened = true;
    // Ended while it opened: the transport hears of it once it has taken the connection on.
    const { ending } = entry;
    if (ending !== undefined) setImmediate(() => !entry.closed && entry.transport.end(ending));
    return membership;
  }

  private endWhere(
    roomId: string,
    matches: (entry: Entry) => boolean,
    reason: EndReason,
    remote: boolean,
  ): void {
    for (const entry of this.byRoom.get(roomId) ?? []) {
      if (matches(entry) && !(remote && entry.transport.endedByCluster)) this.end(entry, reason);
    }
  }

  private end(entry: Entry, reason: EndReason): void {
    if (entry.closed || entry.ending !== undefined) return;
    entry.ending = reason;
    if (entry.opened) entry.transport.end(reason);
  }

  private unregister(entry: Entry): void {
    if (entry.closed) return;
    entry.closed = true;
    const room = this.byRoom.get(entry.roomId);
    room?.delete(entry);
    if (room?.size === 0) this.byRoom.delete(entry.roomId);
    this.release(entry);
  }

  private release(entry: Entry): void {
    const { release } = entry;
    entry.release = undefined;
    release?.().catch((error: unknown) =>
      this.ctx.log.error({ err: error }, 'presence release failed'),
    );
  }
}
