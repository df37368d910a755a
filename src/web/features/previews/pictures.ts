import type { Member } from '../../../protocol/schemas.js';

/** A picture's width: twice the avatar's largest size, for sharp screens (one of THUMB_WIDTHS). */
const PICTURE_WIDTH = 128;

/**
 * The pictures of the members who have one (an integrator's ticket gave it; the server fetched
 * it), by member id: URLs on this server with the room token an `<img>` needs.
 */
export function memberPictures(
  members: readonly Pick<Member, 'id' | 'avatar'>[],
  token: string,
): ReadonlyMap<string, string> {
  const pictures = new Map<string, string>();
  for (const member of members) {
    if (member.avatar === undefined) continue;
    const query = new URLSearchParams({ w: String(PICTURE_WIDTH), token });
    pictures.set(member.id, `${member.avatar}?${query.toString()}`);
  }
  return pictures;
}
