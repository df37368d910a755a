/**
 * The account's pages, loaded when one is opened: `/account` (sign in or sign up, or who is
 * signed in), `/account/rooms` ("My rooms") and `/account/sessions` ("Sessions").
 */
import { useState } from 'react';
import { CenteredPage } from '../../components/CenteredPage.js';
import { NotFoundPage } from '../../components/SimplePages.js';
import { Link } from '../../components/Link.js';
import { describeError } from '../../lib/errorMessages.js';
import { navigate } from '../../lib/router.js';
import { useDocumentTitle } from '../../lib/useDocumentTitle.js';
import { fetchMyRooms } from './accountApi.js';
import { AuthForm } from './AuthForm.js';
import { SessionsList } from './SessionsList.js';
import { ChangePasswordForm } from './ChangePasswordForm.js';
import { signOut, useCheckedSignIn } from './signedIn.js';
import { SignedInPage } from './SignedInPage.js';
import { useAccountData } from './useAccountData.js';

/** The page for an `/account…` path. */
export function AccountPages({ path }: { path: string }) {
  if (path === '/account') return <AccountPage />;
  if (path === '/account/rooms') return <MyRoomsPage />;
  if (path === '/account/sessions') return <SessionsPage />;
  return <NotFoundPage />;
}

/** Pages that send a browser to sign in and back (`/account?next=…`); nothing else is followed. */
const RETURN_PATHS = new Set(['/admin']);

/** Where to go once signed in: `?next=` when it names a page of this app that asks, else none. */
function returnPath(): string | null {
  const next = new URLSearchParams(window.location.search).get('next');
  return next !== null && RETURN_PATHS.has(next) ? next : null;
}

/**
 * `/account`: the sign-in form, then "My rooms" (or back where `?next=` says); signed in
 * already, where to go from here.
 */
function AccountPage() {
  const username = useCheckedSignIn();
  const next = returnPath();
  useDocumentTitle(username === null ? 'Sign in' : 'Account');
  return (
    <CenteredPage>
      <div className="account-page">
        {username === null ? (
          <>
            <h1>Sign in</h1>
            <p>
              With an account you join rooms under your username, keep the rooms you create, and
              find your rooms again from any device.
            </p>
            <AuthForm onSignedIn={() => navigate(next ?? '/account/rooms', { replace: true })} />
          </>
        ) : (
          <SignedInSummary username={username} next={next} />
        )}
      </div>
    </CenteredPage>
  );
}

function SignedInSummary({ username, next }: { username: string; next: string | null }) {
  const [error, setError] = useState<string | null>(null);
  const leave = async () => {
    setError(null);
    try {
      await signOut();
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <>
      <h1>Account</h1>
      <p>
        Signed in as <strong>{username}</strong>.
      </p>
      <ul className="account-links">
        {next === '/admin' && (
          <li>
            <Link href="/admin">Back to the admin page</Link>
          </li>
        )}
        <li>
          <Link href="/account/rooms">My rooms</Link>
        </li>
        <li>
          <Link href="/account/sessions">Sessions</Link>
        </li>
      </ul>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button type="button" onClick={() => void leave()}>
        Sign out
      </button>
    </>
  );
}

/** `/account/rooms`: the live rooms the account is a member of, each a link into it. */
function MyRoomsPage() {
  return (
    <SignedInPage title="My rooms" purpose="your rooms">
      {() => <MyRooms />}
    </SignedInPage>
  );
}

function MyRooms() {
  const [rooms] = useAccountData(fetchMyRooms);
  if (rooms.status === 'loading') return <p role="status">Loading your rooms…</p>;
  if (rooms.status === 'failed')
    return (
      <p className="field-error" role="alert">
        {rooms.message}
      </p>
    );
  const list = rooms.data.rooms;
  if (list.length === 0)
    return (
      <p className="empty-state">
        No rooms yet. Rooms you join while signed in, and those you create, are listed here.{' '}
        <Link href="/">Create or join a room</Link>.
      </p>
    );
  return (
    <ul className="account-list">
      {list.map(({ room, member, owner, unread }) => (
        <li key={room.id}>
          <Link href={`/r/${encodeURIComponent(room.id)}`} className="account-room">
            {room.name}
          </Link>
          {owner && <span className="badge">Owner</span>}
          {unread > 0 && <span className="badge unread">{unreadLabel(unread)}</span>}
          <span className="muted">as {member.displayName}</span>
        </li>
      ))}
    </ul>
  );
}

/** "3 unread"; the server counts up to 100, shown as "99+". */
function unreadLabel(count: number): string {
  return `${count > 99 ? '99+' : count} unread`;
}

/** `/account/sessions`: where the account is signed in, and changing its password. */
function SessionsPage() {
  return (
    <SignedInPage title="Sessions" purpose="where you are signed in">
      {(username) => <Sessions username={username} />}
    </SignedInPage>
  );
}

function Sessions({ username }: { username: string }) {
  // A password change ends the other sessions: the list is loaded again.
  const [round, setRound] = useState(0);
  return (
    <>
      <SessionsList key={round} />
      <ChangePasswordForm username={username} onChanged={() => setRound((n) => n + 1)} />
    </>
  );
}
