/**
 * Each member's colour for their cursor and selection in the shared editor, derived from the
 * member id so it is the same on every screen and after a reload. The colours are dark enough
 * for the white name label y-codemirror.next draws on them, and read on light and dark themes.
 */
const PALETTE = [
  '#c2255c',
  '#9c36b5',
  '#6741d9',
  '#3b5bdb',
  '#1864ab',
  '#0b7285',
  '#087f5b',
  '#2b8a3e',
  '#d9480f',
  '#c92a2a',
] as const;

/** Alpha of the selection colour: the text under a remote selection stays readable. */
const SELECTION_ALPHA = '33';

/** FNV-1a: cheap, and spreads ids that differ in one character over the whole palette. */
function hash(text: string): number {
  let value = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    value ^= text.charCodeAt(i);
    value = Math.imul(value, 0x01000193);
  }
  return value >>> 0;
}

export interface UserColor {
  /** The caret and the name label. */
  color: string;
  /** The selection: the same colour, mostly transparent. */
  colorLight: string;
}

export function userColor(memberId: string): UserColor {
  const color = PALETTE[hash(memberId) % PALETTE.length] ?? PALETTE[0];
  return { color, colorLight: `${color}${SELECTION_ALPHA}` };
}
