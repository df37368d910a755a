import type { Call, MemberPresence } from '../../../protocol/schemas.js';
import type { CallSnapshot } from './CallController.js';

/**
 * Above the room's tabs, for a member not in the call: "Call in progress — Join" while one is
 * under way, and why their last attempt to join did not work. Nothing once they are in it (the
 * call's own panel speaks then).
 */
export function CallBanner({
  call,
  snapshot,
  members,
  onJoin,
}: {
  call: Call;
  snapshot: CallSnapshot;
  members: readonly MemberPresence[];
  onJoin: () => void;
}) {
  if (snapshot.joined || (call === null && snapshot.notice === null)) return null;
  const names = (call?.participants ?? []).map(
    ({ memberId }) => members.find((member) => member.id === memberId)?.displayName ?? 'Someone',
  );
  return (
    <div className="call-banner">
      {call !== null && (
        <>
          <p>
            <strong>Call in progress</strong>
            <span className="call-banner-who"> — {names.join(', ')}</span>
          </p>
          <button type="button" className="small primary" disabled={snapshot.busy} onClick={onJoin}>
            Join call
          </button>
        </>
      )}
      {snapshot.notice && (
        <p className="call-banner-notice" role="alert">
          {snapshot.notice}
        </p>
      )}
    </div>
  );
}

/** In the room's tab bar while the room has no call. */
export function StartCallButton({
  call,
  snapshot,
  onStart,
}: {
  call: Call;
  snapshot: CallSnapshot;
  onStart: () => void;
}) {
  if (call !== null || snapshot.joined) return null;
  return (
    <button
      type="button"
      className="small quiet start-call"
      disabled={snapshot.busy}
      onClick={onStart}
    >
      Start call
    </button>
  );
}
