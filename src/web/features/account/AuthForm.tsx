import { useId, useState, type FormEvent } from 'react';
import type { Account } from '../../../protocol/accounts.js';
import { login, register } from './accountApi.js';
import { describeAccountError, passwordProblem, usernameProblem } from './credentials.js';
import { rememberSignedIn } from './signedIn.js';

export type AuthIntent = 'sign-in' | 'sign-up';

/**
 * Textboxes "Username" and "Password", buttons "Sign in" (also Enter) and "Sign up": one form for
 * both, since a person often does not remember whether they have an account. What is typed is
 * checked by the server's rules first (a new password against them all); the server's refusal
 * is shown as it explains itself. `onSignedIn` runs once the cookie is set and before the form
 * says it is done, so what follows (a claim) can report in its place.
 */
export function AuthForm({
  onSignedIn,
}: {
  onSignedIn: (account: Account, intent: AuthIntent) => Promise<void> | void;
}) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const usernameId = useId();
  const passwordId = useId();
  const hintId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const intent: AuthIntent =
      submitter instanceof HTMLButtonElement && submitter.value === 'sign-up'
        ? 'sign-up'
        : 'sign-in';
    const problem =
      usernameProblem(username) ??
      passwordProblem(password, intent === 'sign-up' ? 'new' : 'existing', username);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const credentials = { username: username.trim(), password };
      const { account } = await (intent === 'sign-up' ? register : login)(credentials);
      rememberSignedIn(account.username);
      await onSignedIn(account, intent);
    } catch (failure) {
      setError(describeAccountError(failure));
    } finally {
      setBusy(false);
    }
  };

  const describedBy = error ? `${hintId} ${errorId}` : hintId;
  return (
    <form className="stack auth-form" onSubmit={(event) => void submit(event)} noValidate>
      <label htmlFor={usernameId}>Username</label>
      <input
        id={usernameId}
        name="username"
        autoComplete="username"
        autoCapitalize="none"
        spellCheck={false}
        maxLength={120}
        value={username}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => setUsername(event.target.value)}
      />
      <label htmlFor={passwordId}>Password</label>
      <input
        id={passwordId}
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        onChange={(event) => setPassword(event.target.value)}
      />
      <p id={hintId} className="field-hint">
        New here? Pick a username and a password of at least 8 characters, then “Sign up”.
      </p>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="row auth-actions">
        <button type="submit" className="primary" value="sign-in" disabled={busy}>
          Sign in
        </button>
        <button type="submit" value="sign-up" disabled={busy}>
          Sign up
        </button>
      </div>
    </form>
  );
}
