import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../lib/api.js';
import { describeError } from '../../lib/errorMessages.js';
import { rememberSignedIn } from './signedIn.js';

export type Loaded<T> =
  { status: 'loading' } | { status: 'failed'; message: string } | { status: 'ready'; data: T };

/**
 * Loads something of the signed-in account and loads it again on `reload()`. A 401 means the
 * session ended (signed out elsewhere): this browser forgets it, and the page asks to sign in.
 */
export function useAccountData<T>(load: () => Promise<T>): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ status: 'ready', data }),
      (error: unknown) => {
        if (!current) return;
        if (error instanceof ApiError && error.code === 'unauthorized') rememberSignedIn(null);
        else setState({ status: 'failed', message: describeError(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [load, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return [state, reload];
}
