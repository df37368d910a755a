/**
 * Each member's colour for their cursor and selection in the shared editor, derived from the
 * member id so it is the same on every screen and after a reload. Each is dark enough for the
 * white name label drawn on it (at least 4.5:1, WCAG AA for small text), and reads on light and
 * dark themes.
 */

import { colourForId } from '../../lib/idColour.js';
const PALETTE = [
  '#c2255c',
  '#9c36b5',
  '#6741d9',
  '#3b5bdb',
  '#1864ab',
  '#0b7285',
  '#087f5b',
  '#237032',
  '#c2410c',
  '#c92a2a',
] as const;

/** Alpha of the selection colour: the text under a remote selection stays readable. */
const SELECTION_ALPHA = '33';

export interface UserColor {
  /** The caret and the name label. */
  color: string;
  /** The selection: the same colour, mostly transparent. */
  colorLight: string;
}

export function userColor(memberId: string): UserColor {
  const color = colourForId(memberId, PALETTE);
  return { color, colorLight: `${color}${SELECTION_ALPHA}` };
}
