import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { MESSAGE_MAX_CHARS } from '../../../protocol/constants.js';
import { copyText } from '../../lib/clipboard.js';

/** Show the character count once a message gets this close to the limit. */
const COUNT_FROM = MESSAGE_MAX_CHARS - 500;

export interface ComposerProps {
  draft: string;
  onDraftChange: (draft: string) => void;
  onSend: (body: string) => void;
  /** Called on every keystroke that changes the text (for the typing indicator). */
  onTyping: () => void;
  /** Files picked with the "Upload" button. */
  onFiles: (files: File[]) => void;
  /**
   * Put the cursor in the message box when it appears (on joining, on entering a room): on
   * computers only, where it does not pop an on-screen keyboard over the conversation.
   */
  focusOnMount?: boolean;
  /**
   * The room has ended: nothing can be sent or shared, and the draft stays in the box,
   * read-only, with "Copy draft".
   */
  readOnly?: boolean;
  /** Each new value moves the focus to the message field (an embedding page's command). */
  focusRequest?: number;
}

/**
 * The message box: Enter sends, Shift+Enter starts a new line; "Upload" shares files. Sending
 * works whether or not the room is connected: the message waits in the outbox until it is.
 */
export function Composer({
  draft,
  onDraftChange,
  onSend,
  onTyping,
  onFiles,
  focusOnMount = false,
  readOnly = false,
  focusRequest = 0,
}: ComposerProps) {
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  const focusFirst = useRef(focusOnMount);
  useEffect(() => {
    // Once, when the box appears; a later change of screen does not move anyone's focus.
    if (focusFirst.current) field.current?.focus({ preventScroll: true });
  }, []);
  useEffect(() => {
    if (focusRequest > 0) field.current?.focus();
  }, [focusRequest]);
  const fieldId = useId();
  const errorId = useId();
  const countId = useId();
  const length = [...draft].length;

  const submit = () => {
    if (readOnly || draft.trim().length === 0) return;
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
      <button
        type="button"
        className="upload-button"
        title="Share photos or files"
        disabled={readOnly}
        onClick={() => picker.current?.click()}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
          <path
            d="M16.5 6.5 8.9 14.1a2 2 0 0 0 2.8 2.8l7.4-7.4a4 4 0 0 0-5.7-5.7L6 11.2a6 6 0 0 0 8.5 8.5l6-6"
            fill="none"
            stroke="currentColor"
            strokeWidth="2"
            strokeLinecap="round"
            strokeLinejoin="round"
          />
        </svg>
        <span className="visually-hidden">Upload</span>
      </button>
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        onChange={(event) => {
          const files = Array.from(event.target.files ?? []);
          // Cleared, so that picking the same file again still counts as a change.
          event.target.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
      <label className="visually-hidden" htmlFor={fieldId}>
        Message
      </label>
      <textarea
        ref={field}
        id={fieldId}
        name="message"
        rows={1}
        placeholder="Write a message…"
        value={draft}
        readOnly={readOnly}
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
      <button type="submit" className="primary" disabled={readOnly}>
        Send
      </button>
      {readOnly && (
        <p className="composer-ended">
          <span>The room has ended: nothing more can be sent.</span>
          {draft.trim().length > 0 && (
            <button
              type="button"
              className="small"
              onClick={() => {
                void copyText(draft).then((ok) =>
                  setCopied(ok ? 'Draft copied.' : 'Could not copy; select the text instead.'),
                );
              }}
            >
              Copy draft
            </button>
          )}
          <span role="status">{copied}</span>
        </p>
      )}
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
