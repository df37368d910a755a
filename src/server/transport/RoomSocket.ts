import type { Room } from 'socket.io-adapter';
import type { Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../protocol/events.js';

/** What Socket.IO would have restored at once: kept on the socket until it has authenticated. */
export interface HeldSession {
  rooms: Room[];
  missedPackets: unknown[][];
  data: Partial<SocketData>;
}

export interface SocketData {
  roomId: string;
  memberId: string;
  /** The account session the member's token was issued to, if any. */
  sessionId?: string;
  /** Set on a socket Socket.IO recovered (RecoveryAdapter): what the gateway sends again. */
  resume?: Resume;
  /** A restored membership, until the connection has authenticated (RecoveryGate). */
  held?: HeldSession;
}

/** What a recovered socket missed that the recovery buffer keeps only as a marker. */
export interface Resume {
  /** The room's messages after this seq, from the store. */
  afterSeq?: number;
  /** Its own `room:state`: it gets a fresh one. */
  state?: boolean;
  /** A `presence`: it gets the room's presence as it is now. */
  presence?: boolean;
}

export type RoomSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
