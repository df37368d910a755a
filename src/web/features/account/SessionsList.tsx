import { useId, useState } from 'react';
import type { AccountSession } from '../../../protocol/accounts.js';
import { ApiError } from '../../lib/api.js';
import { describeError } from '../../lib/errorMessages.js';
import { fetchSessions, revokeOtherSessions, revokeSession } from './accountApi.js';
import { formatDateTime } from './time.js';
import { useAccountData } from './useAccountData.js';
import { describeUserAgent } from './userAgent.js';

const loadSessions = async () => (await fetchSessions()).sessions;

/**
 * Every browser or client signed in to the account, this one first and marked "This device";
 * each other one has its own "Sign out", and "Sign out other devices" ends them all at once.
 */
export function SessionsList() {
  const [sessions, reload] = useAccountData(loadSessions);
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const headingId = useId();

  const act = async (action: () => Promise<void>, done: string) => {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      await action();
      setStatus(done);
    } catch (failure) {
      // Already gone (ended meanwhile) is what was asked for.
      if (failure instanceof ApiError && failure.code === 'not_found') setStatus(done);
      else setError(describeError(failure));
    } finally {
      setBusy(false);
      reload();
    }
  };

  if (sessions.status === 'loading') return <p role="status">Loading sessions…</p>;
  if (sessions.status === 'failed')
    return (
      <p className="field-error" role="alert">
        {sessions.message}
      </p>
    );
  // This device first, then the most recently used.
  const list = [...sessions.data].sort(
    (a, b) => Number(b.current) - Number(a.current) || b.lastSeenAt.localeCompare(a.lastSeenAt),
  );
  const others = list.filter((session) => !session.current).length;
  return (
    <section aria-labelledby={headingId} className="sessions">
      <h2 id={headingId} className="visually-hidden">
        Signed-in devices
      </h2>
      <ul className="account-list">
        {list.map((session) => (
          <SessionItem
            key={session.id}
            session={session}
            busy={busy}
            onSignOut={() =>
              void act(
                () => revokeSession(session.id),
                `Signed out ${describeUserAgent(session.userAgent)}.`,
              )
            }
          />
        ))}
      </ul>
      <p role="status" className="status-line">
        {status}
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {others > 0 && (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void act(
              revokeOtherSessions,
              others === 1 ? 'Signed out 1 other device.' : `Signed out ${others} other devices.`,
            )
          }
        >
          Sign out other devices
        </button>
      )}
    </section>
  );
}

function SessionItem({
  session,
  busy,
  onSignOut,
}: {
  session: AccountSession;
  busy: boolean;
  onSignOut: () => void;
}) {
  const nameId = useId();
  return (
    <li className="session">
      <div>
        <p className="session-device" id={nameId}>
          {describeUserAgent(session.userAgent)}
          {session.current && <span className="badge">This device</span>}
        </p>
        <p className="muted">
          Signed in <time dateTime={session.createdAt}>{formatDateTime(session.createdAt)}</time>,
          last seen <time dateTime={session.lastSeenAt}>{formatDateTime(session.lastSeenAt)}</time>
        </p>
      </div>
      {!session.current && (
        <button
          type="button"
          className="small"
          aria-describedby={nameId}
          disabled={busy}
          onClick={onSignOut}
        >
          Sign out
        </button>
      )}
    </li>
  );
}
