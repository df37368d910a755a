/**
 * The outbox kept in this browser: messages typed in a room and not yet confirmed by the server,
 * so that a reload, a closed tab or a crash while offline loses none of them. Kept in
 * localStorage (it outlives the tab, like the membership it belongs to) under the room and the
 * member, and restored when that member's room opens again; sent then with the same
 * `clientMsgId`, which the server takes for the same message if it had it already.
 */
import type { OutboxEntry } from '../room/roomReducer.js';

const OUTBOX_PREFIX = 'roomkit:outbox:';
/** `clientMsgIdSchema`'s rule (src/protocol/chat.ts), without loading zod into the page. */
const CLIENT_MSG_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * What is stored is read back like any input: another version or a hand edit may have written
 * it. Checked by hand, as memberships.ts does: zod's parsers probe for `eval`, which the app's
 * Content-Security-Policy refuses (and reports).
 */
function isStoredEntry(value: unknown): value is OutboxEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Partial<Record<keyof OutboxEntry, unknown>>;
  return (
    typeof entry.clientMsgId === 'string' &&
    CLIENT_MSG_ID.test(entry.clientMsgId) &&
    typeof entry.body === 'string' &&
    entry.body.length > 0 &&
    typeof entry.createdAt === 'string'
  );
}

export function outboxKey(roomId: string, memberId: string): string {
  return `${OUTBOX_PREFIX}${roomId}:${memberId}`;
}

/**
 * The stored outbox of one member in one room, oldest first; empty when there is none or it
 * cannot be read. `storage` is the browser's localStorage unless given (tests).
 */
export function loadOutbox(
  roomId: string,
  memberId: string,
  storage: Pick<Storage, 'getItem'> | undefined = localStorageOrNone(),
): OutboxEntry[] {
  let raw: string | null = null;
  try {
    raw = storage?.getItem(outboxKey(roomId, memberId)) ?? null;
  } catch {
    return [];
  }
  if (raw === null) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed) || !parsed.every(isStoredEntry)) return [];
    return parsed.map(({ clientMsgId, body, createdAt }) => ({ clientMsgId, body, createdAt }));
  } catch {
    return [];
  }
}

/** Stores the outbox (its text, id and time, not its state); an empty one removes the entry. */
export function saveOutbox(
  roomId: string,
  memberId: string,
  outbox: readonly OutboxEntry[],
  storage: Pick<Storage, 'setItem' | 'removeItem'> | undefined = localStorageOrNone(),
): void {
  const key = outboxKey(roomId, memberId);
  try {
    if (outbox.length === 0) storage?.removeItem(key);
    else {
      const entries = outbox.map(({ clientMsgId, body, createdAt }) => ({
        clientMsgId,
        body,
        createdAt,
      }));
      storage?.setItem(key, JSON.stringify(entries));
    }
  } catch {
    // Storage full or refused (private modes): the outbox still lives in the page.
  }
}

function localStorageOrNone(): Storage | undefined {
  try {
    return typeof window === 'undefined' ? undefined : window.localStorage;
  } catch {
    return undefined;
  }
}
