/**
 * The split between the editor and the output on wide screens: the editor's share of the width,
 * in percent, as the separator between them reports it (`aria-valuenow`). Each side keeps a
 * minimum here and, for narrow windows, a minimum width in code.css.
 */
import { z } from 'zod';

export const EDITOR_SHARE = {
  /** The output keeps at least a sixth of the width beside the editor at its widest. */
  min: 35,
  max: 85,
  /** The editor gets most of the width. */
  initial: 65,
} as const;

/**
 * Wide enough for the editor and the output side by side (the line room.css draws for the chat
 * beside the code); below it the output sits under the editor.
 */
export const SIDE_BY_SIDE_QUERY = '(min-width: 1100px)';

/** One arrow key press; Page Up and Page Down move twice as far. */
export const SHARE_STEP = 5;

/** Where the share is remembered in localStorage, for every room on this browser. */
export const SHARE_STORAGE_KEY = 'roomkit:codeSplit';

/** `share` within the bounds, in whole percent. */
export function clampShare(share: number): number {
  if (!Number.isFinite(share)) return EDITOR_SHARE.initial;
  return Math.min(EDITOR_SHARE.max, Math.max(EDITOR_SHARE.min, Math.round(share)));
}

/**
 * The share after a key press on the separator, or null when the key is not one of the
 * separator's: ← and → (and ↓ and ↑) narrow and widen the editor, Page Down and Page Up by
 * more, Home and End go to the bounds.
 */
export function shareAfterKey(share: number, key: string): number | null {
  switch (key) {
    case 'ArrowLeft':
    case 'ArrowDown':
      return clampShare(share - SHARE_STEP);
    case 'ArrowRight':
    case 'ArrowUp':
      return clampShare(share + SHARE_STEP);
    case 'PageDown':
      return clampShare(share - 2 * SHARE_STEP);
    case 'PageUp':
      return clampShare(share + 2 * SHARE_STEP);
    case 'Home':
      return EDITOR_SHARE.min;
    case 'End':
      return EDITOR_SHARE.max;
    default:
      return null;
  }
}

/** The share that puts the separator under a pointer at `x`, in a split from `left`. */
export function shareAtPointer(x: number, left: number, width: number): number {
  if (width <= 0) return EDITOR_SHARE.initial;
  return clampShare(((x - left) / width) * 100);
}

const storedShare = z.coerce.number().finite();

/** The remembered share: what was stored if it is a number, kept within the bounds. */
export function parseStoredShare(raw: string | null): number {
  if (raw === null || raw.trim() === '') return EDITOR_SHARE.initial;
  const parsed = storedShare.safeParse(raw);
  return parsed.success ? clampShare(parsed.data) : EDITOR_SHARE.initial;
}
