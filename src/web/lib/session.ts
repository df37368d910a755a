/**
 * Per-room sessions kept in localStorage, so a reload or a dropped network puts a person back in
 * the room under the same name without asking again. A session is bound to one room (API.md), so
 * it is stored under that room's id.
 */
import type { Member } from '../../protocol/schemas.js';

export interface StoredSession {
  roomId: string;
  token: string;
  member: Member;
  /** The room's name when this browser last saw it, so lists of rooms can show it offline. */
  roomName?: string;
}

const SESSION_PREFIX = 'roomkit:session:';
const sessionKey = (roomId: string) => `${SESSION_PREFIX}${roomId}`;
const LAST_NAME_KEY = 'roomkit:displayName';

// Storage can be missing or throw (private modes, disabled cookies); the app then keeps sessions
// for the life of the tab only.
const fallback = new Map<string, string>();

function read(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return fallback.get(key) ?? null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch {
    if (value === null) fallback.delete(key);
    else fallback.set(key, value);
  }
}

function isStoredSession(value: unknown, roomId: string): value is StoredSession {
  if (typeof value !== 'object' || value === null) return false;
  const session = value as Partial<StoredSession>;
  return (
    session.roomId === roomId &&
    typeof session.token === 'string' &&
    typeof session.member === 'object' &&
    session.member !== null &&
    typeof session.member.id === 'string' &&
    typeof session.member.displayName === 'string' &&
    (session.roomName === undefined || typeof session.roomName === 'string')
  );
}

export function loadSession(roomId: string): StoredSession | null {
  const raw = read(sessionKey(roomId));
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isStoredSession(parsed, roomId)) return parsed;
  } catch {
    // Unreadable: treated as no session, and replaced on the next join.
  }
  return null;
}

/** Every room this browser holds a session for (the rooms a person can share into). */
export function listSessions(): StoredSession[] {
  let keys: string[];
  try {
    keys = Object.keys(window.localStorage);
  } catch {
    keys = [...fallback.keys()];
  }
  return keys
    .filter((key) => key.startsWith(SESSION_PREFIX))
    .flatMap((key) => {
      const session = loadSession(key.slice(SESSION_PREFIX.length));
      return session ? [session] : [];
    });
}

/** Remembers the room's current name with its session (no-op without a session). */
export function rememberRoomName(roomId: string, roomName: string): void {
  const session = loadSession(roomId);
  if (session && session.roomName !== roomName) saveSession({ ...session, roomName });
}

export function saveSession(session: StoredSession): void {
  write(sessionKey(session.roomId), JSON.stringify(session));
  write(LAST_NAME_KEY, session.member.displayName);
}

export function clearSession(roomId: string): void {
  write(sessionKey(roomId), null);
}

/** The name last used to join any room, to pre-fill the next join form. */
export function lastDisplayName(): string {
  return read(LAST_NAME_KEY) ?? '';
}
