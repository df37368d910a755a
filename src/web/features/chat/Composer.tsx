import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import { MESSAGE_MAX_CHARS } from '../../../protocol/constants.js';

/** Show the character count once a message gets this close to the limit. */
const COUNT_FROM = MESSAGE_MAX_CHARS - 500;

export interface ComposerProps {
  draft: string;
  onDraftChange: (draft: string) => void;
  onSend: (body: string) => void;
  /** Called on every keystroke that changes the text (for the typing indicator). */
  onTyping: () => void;
}

/** The message box: Enter sends, Shift+Enter starts a new line. */
export function Composer({ draft, onDraftChange, onSend, onTyping }: ComposerProps) {
  const [error, setError] = useState<string | null>(null);
  const fieldId = useId();
  const errorId = useId();
  const countId = useId();
  const length = [...draft].length;

  const submit = () => {
    if (draft.trim().length === 0) return;
    if (length > MESSAGE_MAX_CHARS) {
      setError(`A message has at most ${MESSAGE_MAX_CHARS} characters.`);
      return;
    }
    setError(null);
    onSend(draft);
    onDraftChange('');
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME composition (Japanese, Chinese…) must not send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  const describedBy = [error ? errorId : '', length >= COUNT_FROM ? countId : '']
    .filter(Boolean)
    .join(' ');

  return (
    <form className="composer" onSubmit={onSubmit}>
      <label className="visually-hidden" htmlFor={fieldId}>
        Message
      </label>
      <textarea
        id={fieldId}
        name="message"
        rows={1}
        placeholder="Write a message…"
        value={draft}
        enterKeyHint="send"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        onChange={(event) => {
          onDraftChange(event.target.value);
          if (error) setError(null);
          if (event.target.value) onTyping();
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="primary">
        Send
      </button>
      {length >= COUNT_FROM && (
        <p
          id={countId}
          className={length > MESSAGE_MAX_CHARS ? 'char-count over' : 'char-count'}
          aria-live="polite"
        >
          {length} / {MESSAGE_MAX_CHARS}
        </p>
      )}
      {error && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
