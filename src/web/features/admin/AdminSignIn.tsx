import { useId, useState, type FormEvent } from 'react';
import { CenteredPage } from '../../components/CenteredPage.js';
import { describeError } from '../../lib/errorMessages.js';
import { fetchStats } from './adminApi.js';

/** What a refused sign-in means, by the error's code. */
const refusals = {
  // Also what a server without ADMIN_TOKEN answers: it has no right token at all.
  unauthorized: 'That admin token is wrong.',
  forbidden: 'That token may not use the admin page.',
} as const;

/**
 * Asks for the operator's admin token and checks it with one `GET /api/admin/stats` before
 * keeping it, so a wrong token is said at once rather than by an empty page.
 */
export function AdminSignIn({
  notice,
  onSignedIn,
}: {
  notice: string | null;
  onSignedIn: (token: string) => void;
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
      await fetchStats(entered);
      onSignedIn(entered);
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
    </CenteredPage>
  );
}
