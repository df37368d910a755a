/**
 * The embedded room's theme: light, dark or the viewer's setting (`data-theme` on the root, which
 * styles/base.css reads), and the integrator's accent colour. An accent is taken as given when
 * it reads well; otherwise it is darkened (light theme) or lightened (dark theme) until text in
 * it, and text on it, keep 4.5:1, so no integrator's brand colour makes the room unreadable.
 */
import type { EmbedTheme } from '../../../protocol/embed.js';
import { contrast } from '../../lib/avatar.js';

/** The backgrounds the accent is read on (base.css `--bg` and `--surface`) in each theme. */
const BACKGROUNDS = { light: ['#f6f7f9', '#ffffff'], dark: ['#15171c', '#1d2027'] } as const;
const LIGHT_TEXT = '#ffffff';
const DARK_TEXT = '#11132a';
const AA = 4.5;

function mix(hex: string, toward: number, amount: number): string {
  const channel = (offset: number) => {
    const value = parseInt(hex.slice(offset, offset + 2), 16);
    return Math.round(value + (toward - value) * amount)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${channel(1)}${channel(3)}${channel(5)}`;
}

/** The CSS variables an accent sets, for a light or dark theme. */
export function accentVariables(accent: string, dark: boolean): Record<string, string> {
  const backgrounds = BACKGROUNDS[dark ? 'dark' : 'light'];
  const readable = (colour: string) => backgrounds.every((bg) => contrast(colour, bg) >= AA);
  let colour = accent.toLowerCase();
  for (let step = 1; step <= 20 && !readable(colour); step++) {
    colour = mix(accent.toLowerCase(), dark ? 255 : 0, step / 20);
  }
  const onAccent =
    contrast(colour, LIGHT_TEXT) >= contrast(colour, DARK_TEXT) ? LIGHT_TEXT : DARK_TEXT;
  return {
    '--accent': colour,
    '--accent-hover': mix(colour, dark ? 255 : 0, 0.15),
    '--accent-contrast': onAccent,
    '--accent-soft': `color-mix(in srgb, ${colour} ${dark ? 30 : 18}%, var(--surface))`,
    '--own-bg': colour,
    '--own-text': onAccent,
    '--focus': colour,
  };
}

export const ACCENT_VARIABLES = Object.keys(accentVariables('#000000', false));

/** Applies `theme` to the page: `data-theme` and, when given, the accent's variables. */
export function applyTheme(theme: EmbedTheme, systemDark: boolean, root: HTMLElement): void {
  const mode = theme.mode ?? 'auto';
  if (mode === 'auto') delete root.dataset.theme;
  else root.dataset.theme = mode;
  for (const name of ACCENT_VARIABLES) root.style.removeProperty(name);
  if (theme.accent === undefined) return;
  const dark = mode === 'dark' || (mode === 'auto' && systemDark);
  for (const [name, value] of Object.entries(accentVariables(theme.accent, dark))) {
    root.style.setProperty(name, value);
  }
}
