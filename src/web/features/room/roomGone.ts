/**
 * Why a room this page holds is no longer on the server, when no `room:closed` said so: the
 * reconnect was refused and the room is not found. Pure, so it is tested without a server.
 */
import type { Room } from '../../../protocol/schemas.js';
import { ENDED_HERE } from './roomReducer.js';

/**
 * Whether the server kept this room in its memory only (so a restart ends it), from the room and
 * `/readyz`'s `checks`: a room that is not persistent lives in memory unless several instances
 * share it through Redis (then it is in the database). Null when either is unknown.
 */
export function keptInMemory(
  room: Pick<Room, 'persistent'> | null,
  checks: Readonly<Record<string, unknown>> | null,
): boolean | null {
  if (room === null || checks === null) return null;
  if (room.persistent) return false;
  return !('redis' in checks);
}

/**
 * The `closed` reason for a room found gone: its time was up; it lived in memory and the server
 * said it was restarting (or the cause went unseen); or, knowing neither, just gone.
 */
export function goneReason({
  room,
  now,
  serverRestarting,
  checks,
}: {
  room: Pick<Room, 'persistent' | 'expiresAt'> | null;
  now: number;
  serverRestarting: boolean;
  checks: Readonly<Record<string, unknown>> | null;
}): string {
  if (room?.expiresAt != null && Date.parse(room.expiresAt) <= now) return 'expired';
  if (keptInMemory(room, checks) === true) {
    return serverRestarting ? ENDED_HERE.restarted : ENDED_HERE.goneFromMemory;
  }
  return ENDED_HERE.gone;
}
