import type { Adapter } from 'socket.io-adapter';
import type { ExpiringKeys } from '../core/ExpiringKeys.js';
import { randomId } from '../core/ids.js';
import type { MemberPrincipal } from '../http/auth/principal.js';
import { RECOVERY_WINDOW_MS } from './RecoveryAdapter.js';
import type { HeldSession, RoomSocket } from './RoomSocket.js';

const EVENT = 2;

/**
 * Connection-state recovery that only ever gives a session back to its own member (decision 009).
 *
 * Socket.IO restores a session to whoever presents its private id: it joins the saved rooms and
 * sends the missed packets while the socket is constructed, before any middleware has run. So
 * the gate holds them back — the adapter's restored session reaches Socket.IO with no rooms and
 * no packets, its real ones kept in `socket.data.held` — and `admit` hands them over after the
 * connection has authenticated, before a single packet is sent, only if the session was this
 * member's in this room and was not dropped since. Any other recovered connection is made fresh
 * (new ids, `recovered: false`) and gets its own `room:state`.
 *
 * A member's leaving (or a kick) and a room's end drop their sessions on every instance: a key
 * per member and per room that outlives every session saved before it (`ExpiringKeys`, in Redis
 * with several instances).
 */
export class RecoveryGate {
  constructor(private readonly dropped: ExpiringKeys) {}

  /** Makes `adapter`'s restored sessions wait for `admit`. Any adapter: ours or Redis Streams. */
  hold(adapter: Adapter): void {
    const restore = adapter.restoreSession.bind(adapter);
    adapter.restoreSession = async (pid, offset) => {
      const session = await restore(pid, offset);
      if (!session) return session;
      const held: HeldSession = {
        rooms: session.rooms,
        missedPackets: session.missedPackets,
        data: session.data ?? {},
      };
      return { ...session, rooms: [], missedPackets: [], data: { held } };
    };
  }

  /**
   * Decides a connection's recovery once it has authenticated as `principal`: the held session
   * is restored (rooms, missed events, what the gateway must send again) if it is this member's
   * of this room and not dropped; otherwise the socket becomes a fresh connection.
   */
  async admit(socket: RoomSocket, principal: MemberPrincipal): Promise<void> {
    const { held } = socket.data;
    socket.data = { roomId: principal.roomId, memberId: principal.memberId };
    if (principal.sessionId !== undefined) socket.data.sessionId = principal.sessionId;
    if (!socket.recovered) return;
    if (
      held !== undefined &&
      held.data.roomId === principal.roomId &&
      held.data.memberId === principal.memberId &&
      !(await this.wasDropped(principal))
    ) {
      await socket.join(held.rooms);
      for (const data of held.missedPackets) sendPacket(socket, data);
      if (held.data.resume) socket.data.resume = held.data.resume;
      return;
    }
    renew(socket);
  }

  /** Drops the recovery sessions of a member of a room, or of every member of the room. */
  async drop(roomId: string, memberId?: string): Promise<void> {
    await this.dropped.add(droppedKey(roomId, memberId), RECOVERY_WINDOW_MS);
  }

  /** Unknown (Redis away) counts as dropped: the connection is then simply a fresh one. */
  private wasDropped({ roomId, memberId }: MemberPrincipal): Promise<boolean> {
    return this.dropped
      .hasAny([droppedKey(roomId), droppedKey(roomId, memberId)])
      .catch(() => true);
  }
}

function droppedKey(roomId: string, memberId?: string): string {
  return memberId === undefined
    ? `recovery:dropped:${roomId}`
    : `recovery:dropped:${roomId}:${memberId}`;
}

/**
 * Sends an event packet as Socket.IO sends a recovered socket's missed packets: as they were
 * broadcast, their offset already in place (an emit would number them again).
 */
function sendPacket(socket: RoomSocket, data: unknown[]): void {
  (socket as unknown as { packet(packet: { type: number; data: unknown[] }): void }).packet({
    type: EVENT,
    data,
  });
}

/**
 * Turns a recovered socket that may not have its session into a fresh one before it connects:
 * new public and private ids (the saved ones are someone else's) and `recovered: false`. The
 * namespace keeps sockets that have not connected yet by id, so the entry moves with the id.
 */
function renew(socket: RoomSocket): void {
  const pending = (socket.nsp as unknown as { _preConnectSockets?: unknown })._preConnectSockets;
  if (!(pending instanceof Map)) {
    throw new Error('Socket.IO changed: cannot turn a recovered socket into a fresh one');
  }
  pending.delete(socket.id);
  const writable = socket as unknown as { id: string; pid: string; recovered: boolean };
  // Socket.IO's own ids are 15 random bytes, base64: 20 characters.
  writable.id = randomId(15);
  writable.pid = randomId(15);
  writable.recovered = false;
  pending.set(socket.id, socket);
}
