import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { Link } from '../../components/Link.js';
import { describeError } from '../../lib/errorMessages.js';
import { useEscape } from '../../lib/useEscape.js';
import { signOut, useCheckedSignIn } from './signedIn.js';

/**
 * The home page's header: link "Sign in", or, signed in, the username as a disclosure over
 * "My rooms", "Sessions" and "Sign out". The pages themselves load when opened; this stays small.
 */
export function AccountHeader() {
  const username = useCheckedSignIn();
  return (
    <header className="page-header">
      <nav aria-label="Account">
        {username === null ? (
          <Link href="/account" className="header-link">
            Sign in
          </Link>
        ) : (
          <AccountMenu username={username} />
        )}
      </nav>
    </header>
  );
}

/** The signed-in menu; closes on Escape, on a click outside and after a choice. */
function AccountMenu({ username }: { username: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const container = useRef<HTMLDivElement>(null);
  const listId = useId();

  const close = useCallback(() => {
    setOpen(false);
    toggle.current?.focus();
  }, []);
  useEscape(open, close);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!container.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const leave = async () => {
    setError(null);
    try {
      await signOut();
    } catch (failure) {
      setError(describeError(failure));
    }
  };

  return (
    <div className="account-menu" ref={container}>
      <button
        ref={toggle}
        type="button"
        className="small quiet"
        aria-expanded={open}
        aria-controls={listId}
        onClick={() => setOpen((shown) => !shown)}
      >
        {username}
      </button>
      <ul id={listId} className="account-menu-list" hidden={!open}>
        <li>
          <Link href="/account/rooms">My rooms</Link>
        </li>
        <li>
          <Link href="/account/sessions">Sessions</Link>
        </li>
        <li>
          <button type="button" onClick={() => void leave()}>
            Sign out
          </button>
        </li>
      </ul>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
