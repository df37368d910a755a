/**
 * Which account this browser is signed in as. The `rk_auth` cookie is httpOnly, so the page
 * cannot read it: the username is remembered in localStorage when signing in and forgotten when
 * signing out or when the server no longer knows the session. Only a browser that remembers one
 * asks the server (`GET /api/auth/me`), so a visitor who never signed in costs no request. Kept
 * small: the home page carries it.
 */
import { useEffect, useSyncExternalStore } from 'react';
import { ApiError } from '../../lib/api.js';
import { fetchMe, logout } from './accountApi.js';

const KEY = 'roomkit:account';
const CHANGE_EVENT = 'roomkit:account';

function read(): string | null {
  try {
    return window.localStorage.getItem(KEY);
  } catch {
    return null;
  }
}

// Where storage is unavailable the tab keeps it in memory.
let inMemory: string | null = null;

/** The username this browser is signed in as, or null. */
export function signedInAs(): string | null {
  return read() ?? inMemory;
}

/** Remembers the signed-in username (null: signed out) and tells every view of it. */
export function rememberSignedIn(username: string | null): void {
  inMemory = username;
  try {
    if (username === null) window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, username);
  } catch {
    // Kept in memory only.
  }
  window.dispatchEvent(new Event(CHANGE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  // `storage` brings a sign-in or sign-out from another tab.
  window.addEventListener(CHANGE_EVENT, onChange);
  window.addEventListener('storage', onChange);
  return () => {
    window.removeEventListener(CHANGE_EVENT, onChange);
    window.removeEventListener('storage', onChange);
  };
}

/** The signed-in username, re-rendering when it changes. */
export function useSignedIn(): string | null {
  return useSyncExternalStore(subscribe, signedInAs);
}

/**
 * The signed-in username, checked once with the server when the page opens: a session ended
 * elsewhere ("Sign out other devices", a password change) is forgotten here too.
 */
export function useCheckedSignIn(): string | null {
  const username = useSignedIn();
  const remembered = username !== null;
  useEffect(() => {
    if (!remembered) return;
    const controller = new AbortController();
    fetchMe(controller.signal).then(
      ({ account }) => {
        if (account.username !== signedInAs()) rememberSignedIn(account.username);
      },
      (error: unknown) => {
        if (error instanceof ApiError && error.code === 'unauthorized') rememberSignedIn(null);
      },
    );
    return () => controller.abort();
  }, [remembered]);
  return username;
}

/** Ends this browser's session on the server, then forgets it here; rejects if unreachable. */
export async function signOut(): Promise<void> {
  await logout();
  rememberSignedIn(null);
}
