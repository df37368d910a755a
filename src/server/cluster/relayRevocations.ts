import type { Server } from 'socket.io';
import type { CheckedMemberships } from '../core/CheckedMemberships.js';
import { REVOKE_EVENT, type ServerSideEvents } from './serverSideEvents.js';

/**
 * Carries session revocations between instances (decision 001): this instance's `revoke` asks
 * every other instance, through Socket.IO's adapter (`serverSideEmitWithAck`: a Redis pub/sub
 * message, one reply per instance the adapter counts), to drop the room's checked sessions, and
 * resolves when they all have; theirs are dropped here and answered. Returns the function that
 * stops relaying.
 */
export function relayRevocations(
  io: Server<never, never, ServerSideEvents>,
  sessions: CheckedMemberships,
  onInvalid: (error: Error) => void,
): () => void {
  const stopRelaying = sessions.relayTo(async (roomId) => {
    await io.serverSideEmitWithAck(REVOKE_EVENT, roomId);
  });
  const onRevoke = (roomId: unknown, dropped: unknown) => {
    if (typeof roomId !== 'string' || typeof dropped !== 'function')
      return onInvalid(new Error('relayed revocation refused: not a room id and an ack'));
    sessions.forget(roomId);
    (dropped as (done: true) => void)(true);
  };
  io.on(REVOKE_EVENT, onRevoke);
  return () => {
    stopRelaying();
    io.off(REVOKE_EVENT, onRevoke);
  };
}
