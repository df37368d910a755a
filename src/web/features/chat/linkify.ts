import { LinkifyIt } from 'linkify-it';

/** A piece of a message body: plain text, or a link to an http(s) address. */
export type BodySegment = { text: string } | { text: string; href: string };

// Only addresses written with http:// or https://: a bare `main.py` or `notes.md` in a code room
// names a file, not a site (.py and .md are country domains), and ftp:, mailto: and
// protocol-relative links are not followed.
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false })
  .add('ftp:', null)
  .add('mailto:', null)
  .add('//', null);

/** The address as the browser would follow it, if it is an http(s) one. */
function webAddress(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A message body cut into text and links, for rendering as text nodes and `<a>` elements —
 * never as HTML. Every link is an absolute http(s) URL.
 */
export function linkSegments(body: string): BodySegment[] {
  const matches = linkify.match(body) ?? [];
  const segments: BodySegment[] = [];
  let at = 0;
  for (const match of matches) {
    const href = webAddress(match.url);
    if (href === undefined) continue;
    if (match.index > at) segments.push({ text: body.slice(at, match.index) });
    segments.push({ text: match.raw, href });
    at = match.lastIndex;
  }
  if (at < body.length) segments.push({ text: body.slice(at) });
  return segments;
}
