/**
 * Initials avatars: one or two letters of a member's name on a colour chosen from the member's id,
 * so the same person keeps the same colour in every room view and on every device, and two people
 * with the same name usually differ. Every colour of the palette carries white text at a contrast
 * of at least 4.5:1 (WCAG AA for small text), in light and dark themes alike.
 */

import { colourForId } from './idColour.js';

/** Tailwind's 700 shades (and slate): saturated enough to tell apart, dark enough for white. */
export const AVATAR_COLOURS = [
  '#b91c1c',
  '#c2410c',
  '#a16207',
  '#4d7c0f',
  '#15803d',
  '#0f766e',
  '#0e7490',
  '#1d4ed8',
  '#4338ca',
  '#6d28d9',
  '#a21caf',
  '#be185d',
  '#475569',
] as const;

/** The avatar's background for a member id. */
export function avatarColour(memberId: string): string {
  return colourForId(memberId, AVATAR_COLOURS);
}

/**
 * The initials of a display name: the first letter of its first and last words ("Ada Lovelace"
 * → "AL"), or the first letter of a single word; "?" for a name without letters. Whole
 * characters (an emoji or an accented letter is one), upper-cased.
 */
export function initials(displayName: string): string {
  const words = displayName
    .split(/\s+/u)
    .map((word) => [...word].find((char) => /[\p{L}\p{N}]/u.test(char)))
    .filter((char): char is string => char !== undefined);
  if (words.length === 0) return '?';
  const picked = words.length === 1 ? [words[0]!] : [words[0]!, words.at(-1)!];
  return picked.join('').toLocaleUpperCase();
}

/** The WCAG relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const channel = (offset: number) => {
    const c = parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** The WCAG contrast ratio of two `#rrggbb` colours. */
export function contrast(a: string, b: string): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (light + 0.05) / (dark + 0.05);
}
