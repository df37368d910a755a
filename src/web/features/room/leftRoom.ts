/**
 * The name of the room a person just left, handed from the room to the home page so it can say
 * "You left <room>." once. Kept in sessionStorage: it belongs to this tab, and survives the page
 * being reloaded before the home page read it.
 */
const LEFT_ROOM_KEY = 'roomkit:leftRoom';

/** The part of the Storage interface this needs (sessionStorage in the app). */
export type NoticeStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

function sessionStore(): NoticeStorage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null; // Storage disabled: the home page just says nothing.
  }
}

export function rememberLeftRoom(roomName: string, storage = sessionStore()): void {
  try {
    storage?.setItem(LEFT_ROOM_KEY, roomName);
  } catch {
    // Full or refused: the notice is a courtesy, leaving still worked.
  }
}

/** The room left, if any, and forgets it: the notice shows once. */
export function takeLeftRoom(storage = sessionStore()): string | null {
  try {
    const name = storage?.getItem(LEFT_ROOM_KEY) ?? null;
    if (name !== null) storage?.removeItem(LEFT_ROOM_KEY);
    return name && name.trim() ? name : null;
  } catch {
    return null;
  }
}
