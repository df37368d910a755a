/**
 * The rooms table's pure logic: which rooms a search keeps and in what order the chosen column
 * puts them. Kept apart from the component so that both are tested without a browser.
 */
import type { AdminRoom } from '../../../protocol/admin.js';

export type RoomColumn =
  | 'name'
  | 'code'
  | 'members'
  | 'connections'
  | 'files'
  | 'bytes'
  | 'messages'
  | 'created'
  | 'expires';

export type SortDirection = 'ascending' | 'descending';

export interface RoomSort {
  column: RoomColumn;
  direction: SortDirection;
}

/** Newest first: what an operator opening the page looks for. */
export const DEFAULT_ROOM_SORT: RoomSort = { column: 'created', direction: 'descending' };

/** Every connection a room has on the instance that answered, whatever its transport. */
export function connectionTotal(room: AdminRoom): number {
  const { socket, sse, collab } = room.connections;
  return socket + sse + collab;
}

/** A kept room (no end) sorts after every room that ends, as the one that lasts longest. */
function expiresValue(room: AdminRoom): number {
  return room.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(room.expiresAt);
}

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });

const compareBy: Record<RoomColumn, (a: AdminRoom, b: AdminRoom) => number> = {
  name: (a, b) => collator.compare(a.name, b.name),
  code: (a, b) => collator.compare(a.joinCode, b.joinCode),
  // Who is there now matters more than who ever joined.
  members: (a, b) => a.members.online - b.members.online || a.members.total - b.members.total,
  connections: (a, b) => connectionTotal(a) - connectionTotal(b),
  files: (a, b) => a.files - b.files,
  bytes: (a, b) => a.bytes - b.bytes,
  messages: (a, b) => a.messages - b.messages,
  created: (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt),
  expires: (a, b) => {
    const [x, y] = [expiresValue(a), expiresValue(b)];
    return x === y ? 0 : x < y ? -1 : 1;
  },
};

/**
 * The rooms in the order of `sort`; ties keep a stable order by name and then id, so rows do not
 * swap places from one refresh to the next.
 */
export function sortRooms(rooms: readonly AdminRoom[], sort: RoomSort): AdminRoom[] {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const compare = compareBy[sort.column];
  return [...rooms].sort(
    (a, b) =>
      sign * compare(a, b) || compareBy.name(a, b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/**
 * Clicking a column's header: the same column turns its order around; another column starts
 * ascending for words and descending for numbers and times (the biggest, newest first).
 */
export function nextSort(current: RoomSort, column: RoomColumn): RoomSort {
  if (current.column === column) {
    return {
      column,
      direction: current.direction === 'ascending' ? 'descending' : 'ascending',
    };
  }
  const words = column === 'name' || column === 'code';
  return { column, direction: words ? 'ascending' : 'descending' };
}

/**
 * The rooms whose name or join code holds what was typed, ignoring case and accents; a code
 * matches with or without the spaces or dashes people type into one.
 */
export function searchRooms(rooms: readonly AdminRoom[], query: string): AdminRoom[] {
  const wanted = fold(query.trim());
  if (wanted === '') return [...rooms];
  const wantedCode = wanted.replace(/[\s-]/g, '');
  return rooms.filter(
    (room) =>
      fold(room.name).includes(wanted) ||
      (room.integrator !== null && fold(room.integrator).includes(wanted)) ||
      (wantedCode !== '' && fold(room.joinCode).includes(wantedCode)),
  );
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** Seconds left of a delete countdown at `now` (ms), never below 0; null when none runs. */
export function closingInSeconds(closingAt: string | null, now: number): number | null {
  if (closingAt === null) return null;
  return Math.max(0, Math.ceil((Date.parse(closingAt) - now) / 1000));
}
