import { useId, useRef, useState } from 'react';
import { ApiError } from '../../lib/api.js';
import { describeError, isRoomGone } from '../../lib/errorMessages.js';
import { clearMembership, type SavedMembership } from '../../lib/memberships.js';
import { navigate } from '../../lib/router.js';
import { useModalDialog } from '../../lib/useModalDialog.js';
import { rememberLeftRoom } from './leftRoom.js';
import { leaveRoom } from './roomApi.js';

/**
 * "Leave <room>?": a modal <dialog> (focus stays inside, the page behind is inert) that says what
 * leaving means. "Stay" and Escape close it, and the browser gives focus back to what opened it;
 * "Leave room" leaves, forgets this browser's membership and goes home, where "You left <room>."
 * is shown once.
 */
export function LeaveDialog({
  session,
  roomName,
  onStay,
  onLeft,
}: {
  session: SavedMembership;
  roomName: string | null;
  onStay: () => void;
  /** Instead of going home: an embedded room stays in its page and tells it. */
  onLeft?: () => void;
}) {
  const stay = useRef<HTMLButtonElement>(null);
  const dialog = useModalDialog(stay);
  const [leaving, setLeaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const titleId = useId();
  const textId = useId();

  const leave = async () => {
    setLeaving(true);
    setError(null);
    try {
      await leaveRoom(session.roomId, session.token);
    } catch (failure) {
      // A refused token or a vanished room means we are out already; anything else we report.
      const out =
        failure instanceof ApiError &&
        (failure.code === 'unauthorized' || isRoomGone(failure.code));
      if (!out) {
        setError(describeError(failure));
        setLeaving(false);
        return;
      }
    }
    if (onLeft) {
      onLeft();
      return;
    }
    clearMembership(session.roomId);
    if (roomName) rememberLeftRoom(roomName);
    navigate('/');
  };

  return (
    <dialog
      ref={dialog}
      className="leave-dialog"
      aria-labelledby={titleId}
      aria-describedby={textId}
      onCancel={(event) => {
        // Escape: the dialog closes when this component goes, not behind React's back.
        event.preventDefault();
        if (!leaving) onStay();
      }}
    >
      <h2 id={titleId}>{roomName ? `Leave ${roomName}?` : 'Leave this room?'}</h2>
      <p id={textId}>
        You will stop receiving its messages and leave the member list. While the room lasts, you
        can come back with its link or code, under a name of your choice.
      </p>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button ref={stay} type="button" onClick={onStay} disabled={leaving}>
          Stay
        </button>
        <button
          type="button"
          className="primary danger"
          onClick={() => void leave()}
          disabled={leaving}
        >
          Leave room
        </button>
      </div>
    </dialog>
  );
}
