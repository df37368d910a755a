/**
 * Display-name rules (API.md, "Rooms and members"), shared by the server (authoritative) and the
 * web client (early feedback). Uniqueness is the server's job: see core/nameKey.ts.
 */
export const DISPLAY_NAME_MAX = 40;

// Bidi embeddings/overrides/isolates and marks, zero-width characters, BOM, soft hyphen and the
// other format characters (\p{Cf}); C0/C1 controls (\p{Cc}); private use, surrogates, unassigned;
// line and paragraph separators.
const forbidden = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Cn}\p{Zl}\p{Zp}]/u;
// The zero-width joiner is allowed only where it glues an emoji sequence (👩‍💻).
const emojiJoiner = /(?<=\p{Extended_Pictographic}\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;
const spaces = /\s+/gu;
// More combining marks than this on one character is "zalgo" text meant to overflow the layout.
const MAX_MARKS_PER_GRAPHEME = 4;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export type DisplayNameResult =
  { ok: true; name: string } | { ok: false; reason: 'empty' | 'too_long' | 'forbidden_characters' };

/** Normalises (NFC, trimmed, inner white space collapsed) and checks a display name. */
export function checkDisplayName(input: string): DisplayNameResult {
  const normalized = input.normalize('NFC');
  // Checked before white space is folded, so a newline or a BOM is refused, not turned into a space.
  if (forbidden.test(normalized.replace(emojiJoiner, ''))) {
    return { ok: false, reason: 'forbidden_characters' };
  }
  const name = normalized.replace(spaces, ' ').trim();
  let graphemes = 0;
  for (const { segment } of segmenter.segment(name)) {
    graphemes += 1;
    if ((segment.match(/\p{M}/gu)?.length ?? 0) > MAX_MARKS_PER_GRAPHEME) {
      return { ok: false, reason: 'forbidden_characters' };
    }
  }
  if (graphemes === 0) return { ok: false, reason: 'empty' };
  if (graphemes > DISPLAY_NAME_MAX) return { ok: false, reason: 'too_long' };
  return { ok: true, name };
}

export const displayNameMessages: Record<
  Exclude<DisplayNameResult, { ok: true }>['reason'],
  string
> = {
  empty: 'Enter a display name.',
  too_long: `A display name has at most ${DISPLAY_NAME_MAX} characters.`,
  forbidden_characters: 'A display name cannot contain control, invisible or direction characters.',
};
