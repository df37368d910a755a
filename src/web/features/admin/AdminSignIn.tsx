import { useId, useState, type FormEvent } from 'react';
import type { AdminIdentity } from '../../../protocol/admin.js';
import { CenteredPage } from '../../components/CenteredPage.js';
import { Link } from '../../components/Link.js';
import { describeError } from '../../lib/errorMessages.js';
import { fetchIdentity } from './adminApi.js';

/** What a refused sign-in means, by the error's code. */
const refusals = {
  // Also what a server without ADMIN_TOKEN answers: it has no right token at all.
  unauthorized: 'That admin token is wrong.',
  forbidden: 'That token may not use the admin page.',
} as const;

/** Where the account sign-in sends the browser back to once signed in. */
export const ACCOUNT_SIGN_IN_HREF = '/account?next=/admin';

/**
 * Asks for the operator's admin token and checks it with one `GET /api/admin/me` before keeping
 * it, so a wrong token is said at once rather than by an empty page. A browser not signed in
 * with an account is also offered the account sign-in: an admin account needs no token.
 */
export function AdminSignIn({
  notice,
  signedInAccount,
  onSignedIn,
}: {
  notice: string | null;
  /** Whether this browser is signed in with an account (one without an admin role). */
  signedInAccount: boolean;
  onSignedIn: (token: string, identity: AdminIdentity) => void;
}) {
  const [token, setToken] = useState('');
  const [checking, setChecking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  const errorId = useId();

  const signIn = async (event: FormEvent) => {
    event.preventDefault();
    const entered = token.trim();
    if (entered === '') {
      setError('Enter the admin token.');
      return;
    }
    setChecking(true);
    setError(null);
    try {
      onSignedIn(entered, await fetchIdentity({ via: 'token', token: entered }));
    } catch (failure) {
      setError(describeError(failure, refusals));
      setChecking(false);
    }
  };

  return (
    <CenteredPage>
      <h1>Admin</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      <form className="stack admin-sign-in" onSubmit={(event) => void signIn(event)} noValidate>
        <label htmlFor={inputId}>Admin token</label>
        {/* A textbox, masked by the stylesheet: the token is a long random string, not a password
            a browser should offer to save. */}
        <input
          id={inputId}
          className="secret"
          name="adminToken"
          autoComplete="off"
          autoCapitalize="off"
          spellCheck={false}
          value={token}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(event) => setToken(event.target.value)}
        />
        {error && (
          <p id={errorId} className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={checking}>
          Sign in
        </button>
      </form>
      <p className="admin-hint">
        The token is the server's <code>ADMIN_TOKEN</code>. It is kept in this tab only, until you
        sign out or close it.
      </p>
      {!signedInAccount && (
        <p className="admin-hint">
          An account the server's operator made an administrator needs no token:{' '}
          <Link href={ACCOUNT_SIGN_IN_HREF}>sign in with your account</Link>.
        </p>
      )}
    </CenteredPage>
  );
}
