import { useId, useLayoutEffect, useRef, useState } from 'react';
import type { Account } from '../../../protocol/accounts.js';
import { Link } from '../../components/Link.js';
import { ApiError } from '../../lib/api.js';
import { describeError } from '../../lib/errorMessages.js';
import { saveMembership, type SavedMembership } from '../../lib/memberships.js';
import { claimMembership } from './accountApi.js';
import { AuthForm, type AuthIntent } from './AuthForm.js';
import { signOut, useCheckedSignIn } from './signedIn.js';

/**
 * The room's "Account" dialog. A guest who signs up or signs in here keeps their place: the
 * guest's member (its name, its messages) is claimed for the account at once, with the room
 * token this browser holds, and the room goes on as it was. The status line says what happened.
 */
export default function RoomAccountDialog({
  session,
  onClose,
}: {
  session: SavedMembership;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const username = useCheckedSignIn();
  const [status, setStatus] = useState('');
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();

  // As LeaveDialog: modal while shown, focus back to the opener when it goes.
  useLayoutEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement;
    if (!element.open) element.showModal();
    return () => {
      element.close();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
    };
  }, []);

  const claim = async (account: Account, intent: AuthIntent) => {
    const who = `${intent === 'sign-up' ? 'Signed up' : 'Signed in'} as ${account.username}.`;
    try {
      const { member } = await claimMembership(session.roomId, session.token);
      saveMembership({ ...session, member });
      setStatus(`${who} This room and what you posted in it are now your account's.`);
    } catch (failure) {
      setStatus(`${who} ${claimRefusal(failure)}`);
    }
    // The form that had the focus is gone: the focus goes to the way out, below what happened.
    closeButton.current?.focus();
  };

  const leave = async () => {
    setError(null);
    setStatus('');
    try {
      await signOut();
      setStatus('Signed out.');
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <dialog
      ref={dialog}
      className="account-dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId}>Account</h2>
      <p role="status" className="status-line">
        {status}
      </p>
      {username === null ? (
        <>
          <p>
            Sign up or sign in to keep your place here: your name in this room and what you posted
            become your account&rsquo;s, and the room is listed in &ldquo;My rooms&rdquo;.
          </p>
          <AuthForm onSignedIn={claim} />
        </>
      ) : (
        <>
          <p>
            Signed in as <strong>{username}</strong>.
          </p>
          <ul className="account-links">
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
        </>
      )}
      <div className="dialog-actions">
        {username !== null && (
          <button type="button" onClick={() => void leave()}>
            Sign out
          </button>
        )}
        <button ref={closeButton} type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </dialog>
  );
}

/** Why the guest's place could not become the account's, in words. */
function claimRefusal(failure: unknown): string {
  if (failure instanceof ApiError && failure.code === 'forbidden')
    return 'Your account already has a place in this room, so this one stays a guest’s.';
  if (failure instanceof ApiError && failure.code === 'unauthorized')
    return 'Your place in this room had ended, so it could not be kept.';
  return `Your place in this room could not be added to the account: ${describeError(failure)}`;
}
