import { avatarColour, initials } from '../lib/avatar.js';

/**
 * A member's initials on their colour. Decorative: the name is always written beside it, so
 * screen readers skip it.
 */
export function Avatar({ memberId, name }: { memberId: string; name: string }) {
  return (
    <span className="avatar" aria-hidden="true" style={{ backgroundColor: avatarColour(memberId) }}>
      {initials(name)}
    </span>
  );
}
