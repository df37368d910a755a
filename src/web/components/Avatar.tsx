import { useState } from 'react';
import { avatarColour, initials } from '../lib/avatar.js';

/**
 * A member's picture (when an integrator's ticket gave one; served by this server, `picture`)
 * or their initials on their colour. Decorative: the name is always written beside it, so
 * screen readers skip it.
 */
export function Avatar({
  memberId,
  name,
  picture,
}: {
  memberId: string;
  name: string;
  /** The picture's URL on this server, with the token it needs; initials without it. */
  picture?: string | undefined;
}) {
  const [failed, setFailed] = useState<string | null>(null);
  if (picture !== undefined && failed !== picture) {
    return (
      <img
        className="avatar"
        aria-hidden="true"
        alt=""
        src={picture}
        onError={() => setFailed(picture)}
      />
    );
  }
  return (
    <span className="avatar" aria-hidden="true" style={{ backgroundColor: avatarColour(memberId) }}>
      {initials(name)}
    </span>
  );
}
