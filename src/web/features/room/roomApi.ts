/** The room endpoints of API.md ("Rooms and members", "Messages") used by the web client. */
import type {
  CreateRoomBody,
  JoinCodeRoom,
  Member,
  Message,
  Room,
  RoomState,
} from '../../../protocol/schemas.js';
import { api, ApiError } from '../../lib/api.js';
import { removalToken } from '../../lib/memberships.js';

export interface JoinResponse {
  token: string;
  member: Member;
  room: Room;
}

export function createRoom(body: CreateRoomBody = {}): Promise<{ room: Room; url: string }> {
  return api('/api/rooms', { body });
}

/**
 * The outside dependencies this server is configured with, as `/readyz` names them (`database`,
 * `redis`, `s3`; `{}` in memory mode), or null when it cannot be asked. Answered with 503 too
 * while one is down: the names are what counts here.
 */
export async function fetchReadinessChecks(): Promise<Record<string, unknown> | null> {
  try {
    const response = await fetch('/readyz', { headers: { Accept: 'application/json' } });
    const body = (await response.json()) as { checks?: unknown };
    const { checks } = body;
    return typeof checks === 'object' && checks !== null && !Array.isArray(checks)
      ? (checks as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Whether this server can keep rooms (a database is configured: `/readyz` checks it). */
export async function serverKeepsRooms(): Promise<boolean> {
  const checks = await fetchReadinessChecks();
  return checks !== null && 'database' in checks;
}

/** The live room a join code belongs to; rejects with `room_not_found` when there is none. */
export function lookUpJoinCode(code: string, signal?: AbortSignal): Promise<JoinCodeRoom> {
  return api(`/api/join-codes/${encodeURIComponent(code)}`, signal ? { signal } : {});
}

/**
 * Whether a room id names a live room, asked before a person types a name. Only a member may
 * read a room, so this asks to join it under no name: the server checks the room before the name,
 * so the refusal says which it is (`invalid_request` for the name: the room is there). `unknown`
 * when the answer says neither (rate limited, offline); the name prompt is shown then.
 */
export async function roomExists(roomId: string): Promise<'live' | 'gone' | 'unknown'> {
  try {
    // Without cookies: a signed-in browser's account cookie would make this an account's join.
    await joinRoom({ roomId }, '', { withoutCookies: true });
    return 'live';
  } catch (error) {
    if (!(error instanceof ApiError)) return 'unknown';
    if (error.code === 'room_not_found' || error.code === 'room_expired') return 'gone';
    return error.code === 'invalid_request' ? 'live' : 'unknown';
  }
}

/** Moves the room's end to `seconds` from now (owner only; the server caps it). */
export function extendRoom(
  roomId: string,
  token: string,
  seconds: number,
): Promise<{ room: Room }> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}/extend`, { token, body: { seconds } });
}

/** Keeps the room until it is deleted (owner only; needs a server with a database). */
export function keepRoom(roomId: string, token: string): Promise<{ room: Room }> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}/keep`, { method: 'POST', token });
}

/**
 * Joins as a guest named `displayName`. A signed-in browser joins as a guest without its cookies,
 * since with the account cookie the server joins as the account whatever the name.
 */
export function joinRoom(
  target: { roomId: string } | { joinCode: string },
  displayName: string,
  { withoutCookies = false }: { withoutCookies?: boolean } = {},
): Promise<JoinResponse> {
  // A membership an administrator removed from this browser shows itself, so its ban holds
  // even though no cookie is sent.
  const removed = removalToken('roomId' in target ? target.roomId : undefined);
  return api('/api/rooms/join', {
    body: { ...target, displayName },
    withoutCookies,
    ...(removed === undefined ? {} : { token: removed }),
  });
}

/** Joins as the signed-in account (its cookie): the member is named after the username. */
export function joinAsAccount(
  target: { roomId: string } | { joinCode: string },
): Promise<JoinResponse> {
  const removed = removalToken('roomId' in target ? target.roomId : undefined);
  return api('/api/rooms/join', {
    body: target,
    ...(removed === undefined ? {} : { token: removed }),
  });
}

export function leaveRoom(roomId: string, token: string): Promise<void> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}/leave`, { method: 'POST', token });
}

const HISTORY_PAGE = 50;

export function fetchEarlierMessages(
  roomId: string,
  token: string,
  before: number,
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const query = new URLSearchParams({ before: String(before), limit: String(HISTORY_PAGE) });
  return api(`/api/rooms/${encodeURIComponent(roomId)}/messages?${query}`, { token });
}

/** The room as its member sees it (also a way to check that a stored session still works). */
export function fetchRoom(roomId: string, token: string): Promise<Omit<RoomState, 'member'>> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}`, { token });
}

export function postMessage(
  roomId: string,
  token: string,
  body: string,
  clientMsgId: string,
): Promise<{ message: Message }> {
  return api(`/api/rooms/${encodeURIComponent(roomId)}/messages`, {
    token,
    body: { body, clientMsgId },
  });
}
