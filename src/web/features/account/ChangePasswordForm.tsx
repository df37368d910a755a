import { useId, useState, type FormEvent } from 'react';
import { changePassword } from './accountApi.js';
import { describeAccountError, passwordProblem } from './credentials.js';

/**
 * Textboxes "Current password" and "New password", button "Change password". The server ends
 * every other session once it is changed; the page says so.
 */
export function ChangePasswordForm({
  username,
  onChanged,
}: {
  username: string;
  onChanged?: () => void;
}) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);
  const currentId = useId();
  const nextId = useId();
  const headingId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const problem =
      (current ? null : 'Enter your current password.') ?? passwordProblem(next, 'new', username);
    setDone('');
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setDone('Password changed. Every other device has been signed out.');
      onChanged?.();
    } catch (failure) {
      setError(describeAccountError(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="stack change-password"
      aria-labelledby={headingId}
      onSubmit={(event) => void submit(event)}
      noValidate
    >
      <h2 id={headingId}>Change password</h2>
      {/* Lets a password manager know whose password this is. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      <label htmlFor={currentId}>Current password</label>
      <input
        id={currentId}
        type="password"
        autoComplete="current-password"
        value={current}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setCurrent(event.target.value)}
      />
      <label htmlFor={nextId}>New password</label>
      <input
        id={nextId}
        type="password"
        autoComplete="new-password"
        value={next}
        aria-invalid={error ? true : undefined}
        onChange={(event) => setNext(event.target.value)}
      />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <p role="status" className="status-line">
        {done}
      </p>
      <button type="submit" className="primary" disabled={busy}>
        Change password
      </button>
    </form>
  );
}
