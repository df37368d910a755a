/**
 * Text and URLs read from someone else's page, made fit to show in a card: whatever the page
 * says, what comes out is one line of bounded length with nothing that can reorder or hide the
 * text around it, and URLs that are absolute http(s) and bounded too.
 */

/** A URL longer than this is dropped: nobody links to it on purpose, and it bloats every card. */
export const MAX_URL_LENGTH = 2048;

/** The lengths a card shows, in characters (user-perceived, so an emoji counts once). */
export const TEXT_LIMITS = { title: 200, description: 500, siteName: 100 } as const;

// C0 and C1 controls and DEL: they have no business in a title, and some terminals and logs obey
// them. Each becomes a space (tabs and newlines among them), which then collapses.
const CONTROLS = /\p{Cc}/gu;
// Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder text after
// them, past the end of the card's own text (the "Trojan Source" trick). Marks (LRM, RLM) only
// affect their neighbours, and right-to-left titles need them, so they stay.
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;
const SPACES = /\s+/g;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` as one clean line of at most `max` characters: controls and bidi overrides removed,
 * whitespace collapsed and trimmed, and when too long, cut between two characters (never
 * inside an emoji or a letter with its accents) and ended with "…". Empty comes back undefined.
 */
export function cleanText(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  const line = text.replace(CONTROLS, ' ').replace(BIDI_CONTROLS, '').replace(SPACES, ' ').trim();
  if (line === '') return undefined;
  let count = 0;
  let end = 0;
  // The segmenter is lazy: a page's megabyte-long description is walked only as far as needed.
  for (const { index } of graphemes.segment(line)) {
    if (count === max) return `${line.slice(0, end).trimEnd()}…`;
    if (count === max - 1) end = index;
    count++;
  }
  return line;
}

/**
 * `href` made absolute against `base`, if it is an http(s) URL of at most MAX_URL_LENGTH
 * characters; anything else (`javascript:`, `data:`, unparsable) is undefined.
 */
export function absoluteHttpUrl(href: string | undefined, base: string | URL): string | undefined {
  if (href === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return url.href.length <= MAX_URL_LENGTH ? url.href : undefined;
}

/** `value` without its undefined fields, so that what is sent and stored has only what was found. */
export function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, one]) => one !== undefined)) as T;
}
