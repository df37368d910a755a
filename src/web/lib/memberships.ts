/**
 * The rooms this browser is a member of (each with its member token), kept in localStorage, so a
 * reload or a dropped network puts a person back in the room under the same name without asking
 * again. A member token is bound to one room (API.md), so it is stored under that room's id; the
 * storage key keeps its first name, `roomkit:session:`, so saved rooms survive upgrades.
 */
import type { Member } from '../../protocol/schemas.js';

export interface SavedMembership {
  roomId: string;
  token: string;
  member: Member;
  /** The room's name when this browser last saw it, so lists of rooms can show it offline. */
  roomName?: string;
}

const MEMBERSHIP_PREFIX = 'roomkit:membership:';
const membershipKey = (roomId: string) => `${MEMBERSHIP_PREFIX}${roomId}`;
const LAST_NAME_KEY = 'roomkit:displayName';

// Storage can be missing or throw (private modes, disabled cookies); the app then keeps memberships
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

function isStoredSession(value: unknown, roomId: string): value is SavedMembership {
  if (typeof value !== 'object' || value === null) return false;
  const membership = value as Partial<SavedMembership>;
  return (
    membership.roomId === roomId &&
    typeof membership.token === 'string' &&
    typeof membership.member === 'object' &&
    membership.member !== null &&
    typeof membership.member.id === 'string' &&
    typeof membership.member.displayName === 'string' &&
    (membership.roomName === undefined || typeof membership.roomName === 'string')
  );
}

export function loadMembership(roomId: string): SavedMembership | null {
  const raw = read(membershipKey(roomId));
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isStoredSession(parsed, roomId)) return parsed;
  } catch {
    // Unreadable: treated as no membership, and replaced on the next join.
  }
  return null;
}

/** Every room this browser holds a membership for (the rooms a person can share into). */
export function listMemberships(): SavedMembership[] {
  let keys: string[];
  try {
    keys = Object.keys(window.localStorage);
  } catch {
    keys = [...fallback.keys()];
  }
  return keys
    .filter((key) => key.startsWith(MEMBERSHIP_PREFIX))
    .flatMap((key) => {
      const membership = loadMembership(key.slice(MEMBERSHIP_PREFIX.length));
      return membership ? [membership] : [];
    });
}

/** Remembers the room's current name with its membership (no-op without a membership). */
export function rememberRoomName(roomId: string, roomName: string): void {
  const membership = loadMembership(roomId);
  if (membership && membership.roomName !== roomName) saveMembership({ ...membership, roomName });
}

export function saveMembership(membership: SavedMembership): void {
  write(membershipKey(membership.roomId), JSON.stringify(membership));
  write(LAST_NAME_KEY, membership.member.displayName);
}

export function clearMembership(roomId: string): void {
  write(membershipKey(roomId), null);
}

/** The name last used to join any room, to pre-fill the next join form. */
export function lastDisplayName(): string {
  return read(LAST_NAME_KEY) ?? '';
}

const REMOVALS_KEY = 'roomkit:removals';
const REMOVALS_KEPT = 10;

interface Removal {
  roomId: string;
  token: string;
}

function removals(): Removal[] {
  try {
    const parsed: unknown = JSON.parse(read(REMOVALS_KEY) ?? '[]');
    return Array.isArray(parsed)
      ? parsed.filter(
          (entry): entry is Removal =>
            typeof entry === 'object' &&
            entry !== null &&
            typeof (entry as Removal).roomId === 'string' &&
            typeof (entry as Removal).token === 'string',
        )
      : [];
  } catch {
    return [];
  }
}

/**
 * Keeps the token of a membership an administrator removed: a join of that room from this
 * browser shows it, so the server can hold the removal's ban (API.md, "Admin": kick).
 */
export function rememberRemoval(roomId: string, token: string): void {
  const kept = removals().filter((entry) => entry.roomId !== roomId);
  kept.unshift({ roomId, token });
  write(REMOVALS_KEY, JSON.stringify(kept.slice(0, REMOVALS_KEPT)));
}

/**
 * The token of this browser's removed membership of `roomId`; for a join by code (the room not
 * known yet), the latest removal's — the server looks only at a token of the room joined.
 */
export function removalToken(roomId?: string): string | undefined {
  const all = removals();
  return (roomId === undefined ? all[0] : all.find((entry) => entry.roomId === roomId))?.token;
}
