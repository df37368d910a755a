import { useEffect, useId, useState } from 'react';
import type { MessageAlerts } from './useMessageAlerts.js';

/** How long the desktop header's bubble shows the note before it gets out of the way. */
const BUBBLE_MS = 8_000;

/**
 * The checkbox "Notify me of new messages", and a note when only the sound is possible. `compact`
 * (the desktop header) shows "Notify me" — the rest stays in the accessible name — and the note
 * as a bubble for a few seconds; in the phone's menu the note stays under the checkbox.
 */
export function NotifyToggle({
  alerts,
  compact = false,
}: {
  alerts: MessageAlerts;
  compact?: boolean;
}) {
  const noteId = useId();
  const note =
    alerts.enabled && alerts.note === 'sound-only'
      ? 'Notifications are not allowed in this browser: a sound plays instead.'
      : '';
  // The note whose bubble has had its time; turning alerts on again shows it again.
  const [expired, setExpired] = useState<string | null>(null);
  useEffect(() => {
    if (!compact || !note) return;
    const timer = setTimeout(() => setExpired(note), BUBBLE_MS);
    return () => clearTimeout(timer);
  }, [compact, note]);
  return (
    <div className={compact ? 'notify-toggle compact' : 'notify-toggle'}>
      <label>
        <input
          type="checkbox"
          checked={alerts.enabled}
          aria-describedby={note ? noteId : undefined}
          onChange={(event) => {
            setExpired(null);
            alerts.setEnabled(event.target.checked);
          }}
        />
        {compact ? (
          <span>
            Notify me<span className="visually-hidden"> of new messages</span>
          </span>
        ) : (
          <span>Notify me of new messages</span>
        )}
      </label>
      <p id={noteId} className="notify-note" role="status">
        {compact && expired === note ? '' : note}
      </p>
    </div>
  );
}
