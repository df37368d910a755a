import { useState } from 'react';
import { signedInAs, useCheckedSignIn } from './signedIn.js';

/**
 * Above a name prompt, for a signed-in browser: button "Join as <username>", then the guest's
 * name prompt as the other way in. Nothing while signed out. Carried by the home page: small.
 */
export function JoinAsAccount({ onJoin }: { onJoin: () => Promise<string | null> }) {
  const username = useCheckedSignIn();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (username === null) return null;

  const join = async () => {
    setBusy(true);
    setError(null);
    const failure = await onJoin();
    setBusy(false);
    setError(failure);
  };
  return (
    <div className="join-as">
      <button type="button" className="primary big" disabled={busy} onClick={() => void join()}>
        Join as {username}
      </button>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <p className="divider">
        <span>or as a guest</span>
      </p>
    </div>
  );
}

/** Whether a guest's join has to leave the account cookie out (see `joinRoom`). */
export const guestJoinOptions = () => ({ withoutCookies: signedInAs() !== null });
