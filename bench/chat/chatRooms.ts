/**
 * Rooms of chat members for the chat benchmarks, the same shape on both servers: on Roomkit each
 * member joins over REST (a member record and a session token); on the bare chat server a member
 * is only the room and name its handshake carries.
 */
import { randomBytes } from 'node:crypto';
import { pool } from '../lib/bench.js';
import { roomWith, type Member } from '../lib/roomkitClient.js';

/** Rooms being made at once: enough to keep Roomkit busy, few enough not to queue long. */
const CONCURRENT_ROOMS = 6;

export const memberName = (index: number) => `Member ${index + 1}`;

/** `rooms` new Roomkit rooms of `perRoom` members each. */
export function roomkitRooms(base: string, rooms: number, perRoom: number): Promise<Member[][]> {
  const names = Array.from({ length: perRoom }, (_, i) => memberName(i));
  return pool(
    CONCURRENT_ROOMS,
    Array.from({ length: rooms }, () => () => roomWith(base, ...names)),
  );
}

/** The handshakes of `rooms` rooms of `perRoom` members for the bare server. */
export function bareRooms(rooms: number, perRoom: number): { room: string; name: string }[][] {
  return Array.from({ length: rooms }, () => {
    // As long as a Roomkit room id (32 random bytes), so the messages weigh the same.
    const room = randomBytes(32).toString('base64url');
    return Array.from({ length: perRoom }, (_, i) => ({ room, name: memberName(i) }));
  });
}
