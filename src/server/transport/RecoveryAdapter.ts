import {
  Adapter,
  type BroadcastOptions,
  type PrivateSessionId,
  type Room,
  type Session,
} from 'socket.io-adapter';
import type { Resume, SocketData } from './RoomSocket.js';

/** How long a dropped socket can be recovered (API.md, "Socket.IO"). */
export const RECOVERY_WINDOW_MS = 2 * 60_000;

/** Socket.IO's packet as an adapter sees it: `data` is `[event, ...args]`. */
interface Packet {
  type: number;
  data: unknown[];
  id?: number;
}

type SessionToPersist = Parameters<Adapter['persistSession']>[0];

/**
 * An event the server can send again from what it holds now, kept as a marker: a message (the
 * store has it by seq), a socket's own `room:state` and a room's `presence` (both recomputed).
 */
type Marker =
  { kind: 'message'; room: Room; seq: number } | { kind: 'state' | 'presence'; room: Room };

/** One broadcast, in the order they went out: `n` is its offset, counted up from 1. */
type Sent = { n: number; at: number } & (
  { kind: 'packet'; opts: BroadcastOptions; data: unknown[] } | Marker
);

interface Persisted {
  session: SessionToPersist;
  disconnectedAt: number;
}

const EVENT = 2;

/**
 * Socket.IO connection-state recovery for a single instance (decision 008). Socket.IO's own
 * SessionAwareAdapter keeps every event it sends for the recovery window, whole. This one keeps
 * whole only what it could not send again: a `message:new` is kept as its room and seq (the
 * store has the message), a socket's own `room:state` and a room's `presence` as markers (the
 * server can compute them afresh). A recovered socket gets the kept events it missed, as from
 * Socket.IO's, and `data.resume` says what the gateway must send again.
 *
 * Under a busy chat the messages are most of the buffer, and on joins the snapshots and presence
 * lists are (a room of n sends n² presence entries): each kept packet holds its arguments, its
 * options and their two Sets for two minutes, long-lived objects that the old generation's
 * collections then walk.
 *
 * Offsets are the broadcast's number (`n`) as a string, every broadcast numbered, so a socket's
 * offset says exactly what it had: everything up to `n`. An offset older than the buffer's oldest
 * entry, or one the server never gave, recovers nothing (the socket gets a fresh `room:state`, as
 * after any expiry).
 */
export class RecoveryAdapter extends Adapter {
  private readonly sessions = new Map<PrivateSessionId, Persisted>();
  /** Broadcasts of the last RECOVERY_WINDOW_MS, oldest first, from index `head` on. */
  private sent: Sent[] = [];
  private head = 0;
  private count = 0;
  private readonly timer: NodeJS.Timeout;

  // Socket.IO constructs its adapter itself, with the namespace as the only argument.
  constructor(nsp: ConstructorParameters<typeof Adapter>[0]) {
    super(nsp);
    this.timer = setInterval(() => this.expireSessions(Date.now()), 10_000);
    this.timer.unref();
  }

  override close(): Promise<void> | void {
    clearInterval(this.timer);
    return super.close();
  }

  override persistSession(session: SessionToPersist): void {
    this.sessions.set(session.pid, { session, disconnectedAt: Date.now() });
  }

  override restoreSession(pid: PrivateSessionId, offset: string): Promise<Session> {
    const persisted = this.sessions.get(pid);
    this.sessions.delete(pid);
    const now = Date.now();
    this.expire(now);
    const had = /^[1-9]\d{0,15}$/.test(offset) ? Number(offset) : Number.NaN;
    const oldest = this.sent[this.head]?.n ?? this.count + 1;
    // Socket.IO's typing says Session, but null (nothing to recover) is what it checks for.
    const none = Promise.resolve(null) as unknown as Promise<Session>;
    if (persisted === undefined || persisted.disconnectedAt + RECOVERY_WINDOW_MS < now) {
      return none;
    }
    // What came after `had` must all still be here, and `had` must be a broadcast of ours.
    if (!(had >= oldest - 1 && had <= this.count)) return none;
    const { session } = persisted;
    const missedPackets: unknown[][] = [];
    const resume: Resume = {};
    for (let i = this.head + (had - oldest + 1); i < this.sent.length; i++) {
      const sent = this.sent[i] as Sent;
      if (sent.kind === 'packet') {
        if (reaches(session.rooms, sent.opts)) missedPackets.push(sent.data);
      } else if (session.rooms.includes(sent.room)) {
        if (sent.kind === 'message') resume.afterSeq ??= sent.seq - 1;
        else resume[sent.kind] = true;
      }
    }
    const data: Partial<SocketData> = { ...(session.data as SocketData), resume };
    return Promise.resolve({ ...session, data, missedPackets });
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    // As Socket.IO's: a packet with an ack or sent as volatile is not kept, nor numbered. Nor is
    // one sent to this instance's sockets only: as with several instances (whose adapter keeps
    // only what goes through the stream), it is of the moment — a call's signal (decision 021).
    const kept = opts.flags?.volatile === undefined && opts.flags?.local === undefined;
    if (packet.type === EVENT && packet.id === undefined && kept) {
      const n = ++this.count;
      const at = Date.now();
      const marker = markerOf(packet, opts);
      this.sent.push(
        marker === undefined
          ? { n, at, kind: 'packet', opts, data: packet.data }
          : { n, at, ...marker },
      );
      // The offset goes last, where socket.io-client reads it from.
      packet.data.push(String(n));
      this.expire(at);
    }
    super.broadcast(packet, opts);
  }

  /** Drops the broadcasts older than the window. */
  private expire(now: number): void {
    const threshold = now - RECOVERY_WINDOW_MS;
    while (this.head < this.sent.length && (this.sent[this.head] as Sent).at < threshold) {
      this.sent[this.head] = undefined as unknown as Sent;
      this.head++;
    }
    // The array is cut once half of it is gone: a shift per broadcast would copy it each time.
    if (this.head > 1024 && this.head * 2 > this.sent.length) {
      this.sent = this.sent.slice(this.head);
      this.head = 0;
    }
  }

  private expireSessions(now: number): void {
    this.expire(now);
    for (const [pid, { disconnectedAt }] of this.sessions) {
      if (disconnectedAt + RECOVERY_WINDOW_MS < now) this.sessions.delete(pid);
    }
  }
}

/** The marker for an event to exactly one room (as the gateway sends these), if it has one. */
function markerOf(packet: Packet, opts: BroadcastOptions): Marker | undefined {
  if (opts.rooms.size !== 1 || (opts.except?.size ?? 0) > 0) return undefined;
  const room = opts.rooms.values().next().value as Room;
  switch (packet.data[0]) {
    case 'message:new': {
      const seq = (packet.data[1] as { message?: { seq?: unknown } } | undefined)?.message?.seq;
      return typeof seq === 'number' ? { kind: 'message', room, seq } : undefined;
    }
    case 'room:state':
      return { kind: 'state', room };
    case 'presence':
      return { kind: 'presence', room };
    default:
      return undefined;
  }
}

/** Whether a socket in `rooms` was sent a broadcast with these options (Socket.IO's rule). */
function reaches(rooms: Room[], opts: BroadcastOptions): boolean {
  const included = opts.rooms.size === 0 || rooms.some((room) => opts.rooms.has(room));
  return included && !rooms.some((room) => opts.except?.has(room));
}
