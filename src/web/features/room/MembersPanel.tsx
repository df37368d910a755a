import type { ReactNode } from 'react';
import { Avatar } from '../../components/Avatar.js';
import type { Member, MemberPresence } from '../../../protocol/schemas.js';

function byPresenceThenName(a: MemberPresence, b: MemberPresence): number {
  if (a.online !== b.online) return a.online ? -1 : 1;
  return a.displayName.localeCompare(b.displayName);
}

function byName(a: MemberPresence, b: MemberPresence): number {
  return a.displayName.localeCompare(b.displayName);
}

/**
 * The region "Members": everyone in the room, online first, with "(you)" and the owner marked.
 * While the connection is down nobody's presence is known, and the list says so instead of
 * showing the last flags it had.
 */
export function MembersPanel({
  id,
  members,
  me,
  onClose,
  presenceNote = null,
  pictures,
  children,
}: {
  id: string;
  members: readonly MemberPresence[];
  me: Member;
  /** On a phone the panel is a drawer: a button closes it (Escape and the backdrop do too). */
  onClose?: () => void;
  /** Why presence is unknown now (reconnecting, the room ended); null while it is known. */
  presenceNote?: string | null;
  /** Members' pictures by member id (URLs on this server); initials for the others. */
  pictures?: ReadonlyMap<string, string>;
  /** Under the list: the owner's room settings. */
  children?: ReactNode;
}) {
  const known = presenceNote === null;
  const online = members.filter((member) => member.online).length;
  return (
    <section id={id} aria-label="Members" className="members-panel">
      <div className="members-heading">
        <h2>
          Members <span className="count">{known ? `${online} online` : presenceNote}</span>
        </h2>
        {onClose && (
          <button type="button" className="small quiet" onClick={onClose}>
            Close
          </button>
        )}
      </div>
      <ul className="member-list">
        {[...members].sort(known ? byPresenceThenName : byName).map((member) => (
          <li
            key={member.id}
            className={
              !known ? 'member unknown' : member.online ? 'member online' : 'member offline'
            }
          >
            <span className="dot" aria-hidden="true" />
            <Avatar
              memberId={member.id}
              name={member.displayName}
              picture={pictures?.get(member.id)}
            />
            <span className="name">{member.displayName}</span>
            {member.id === me.id && <span className="you"> (you)</span>}
            {member.role !== 'member' && <span className="badge">{member.role}</span>}
            <span className="visually-hidden">
              {!known ? 'presence unknown' : member.online ? 'online' : 'offline'}
            </span>
          </li>
        ))}
      </ul>
      {children}
    </section>
  );
}
