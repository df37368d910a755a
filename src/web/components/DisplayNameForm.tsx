import { useId, useState, type FormEvent } from 'react';
import { checkDisplayName, displayNameMessages } from '../../protocol/displayName.js';
import { lastDisplayName } from '../lib/memberships.js';

export interface DisplayNameFormProps {
  /** Joins under the (already checked and normalised) name; resolves to an error sentence or null. */
  onSubmit: (displayName: string) => Promise<string | null>;
  /** The submit button's text; "Join" unless the form does more than join. */
  submitLabel?: string;
}

/** Asks for the name to join a room under, checking it early with the server's own rules. */
export function DisplayNameForm({ onSubmit, submitLabel = 'Join' }: DisplayNameFormProps) {
  const [value, setValue] = useState(lastDisplayName);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldId = useId();
  const errorId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    const checked = checkDisplayName(value);
    if (!checked.ok) {
      setError(displayNameMessages[checked.reason]);
      return;
    }
    setBusy(true);
    setError(null);
    const failure = await onSubmit(checked.name);
    setBusy(false);
    setError(failure);
  };

  return (
    <form className="stack" onSubmit={(event) => void submit(event)} noValidate>
      <label htmlFor={fieldId}>Display name</label>
      <div className="row">
        <input
          id={fieldId}
          name="displayName"
          autoComplete="nickname"
          autoFocus
          value={value}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(event) => setValue(event.target.value)}
        />
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
