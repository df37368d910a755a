import { useId } from 'react';
import type { AdminRoomDetail } from '../../../protocol/admin.js';
import type { MemberPresence } from '../../../protocol/members.js';
import { callSummary } from './adminFormat.js';

type RoomCall = NonNullable<AdminRoomDetail['call']>;

/** " · in the call (relay, 42 ms)" for a member in the room's call, else nothing. */
function callLine(call: RoomCall, memberId: string): string {
  const participant = call.participants.find((p) => p.memberId === memberId);
  return participant ? ` · ${callSummary(participant)}` : '';
}

/** The members of the room opened in table "Rooms", each with "Kick" for an operator. */
export function RoomMembers({
  detail,
  error,
  onKick,
  onClose,
}: {
  detail: AdminRoomDetail | null;
  error: string | null;
  /** Absent for a viewer, who may not kick. */
  onKick?: (member: MemberPresence) => void;
  onClose: () => void;
}) {
  const headingId = useId();
  const title = detail ? `Members of ${detail.room.name}` : 'Members';
  return (
    <section id="admin-room-members" className="admin-section" aria-labelledby={headingId}>
      <div className="admin-section-head">
        <h2 id={headingId}>{title}</h2>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      {detail === null && !error && <p>Loading…</p>}
      {detail?.members.length === 0 && <p className="admin-empty">Nobody has joined it.</p>}
      {detail && detail.members.length > 0 && (
        <ul className="admin-members">
          {detail.members.map((member) => (
            <li key={member.id}>
              <span className={`presence-dot ${member.online ? 'online' : 'offline'}`} />
              <span className="member-name">{member.displayName}</span>
              <span className="member-meta">
                {member.role} · {member.online ? 'online' : 'offline'}
                {detail.call && callLine(detail.call, member.id)}
              </span>
              {onKick && (
                <button type="button" className="small" onClick={() => onKick(member)}>
                  Kick
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
