import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../protocol/events.js';

export type RoomSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Creates (without connecting) the Socket.IO connection for one room session. `lastSeq` is read
 * on every connection attempt, so after a drop the server replays the messages missed since then.
 * The caller attaches its listeners and then calls `connect()`, so no event is lost in between.
 */
export function createRoomSocket(token: string, lastSeq: () => number): RoomSocket {
  return io(window.location.origin, {
    path: '/socket.io',
    autoConnect: false,
    auth: (callback) => {
      const seq = lastSeq();
      callback(seq > 0 ? { token, lastSeq: seq } : { token });
    },
  });
}
