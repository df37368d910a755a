import { describe, expect, it } from 'vitest';
import {
  clampShare,
  EDITOR_SHARE,
  parseStoredShare,
  shareAfterKey,
  shareAtPointer,
  SHARE_STEP,
} from './splitSize.js';

describe('the editor/output split', () => {
  it('gives the editor most of the width at first', () => {
    expect(EDITOR_SHARE.initial).toBeGreaterThan(50);
    expect(parseStoredShare(null)).toBe(EDITOR_SHARE.initial);
  });

  it('keeps a minimum for each side', () => {
    expect(clampShare(0)).toBe(EDITOR_SHARE.min);
    expect(clampShare(100)).toBe(EDITOR_SHARE.max);
    expect(clampShare(50.4)).toBe(50);
    expect(clampShare(Number.NaN)).toBe(EDITOR_SHARE.initial);
  });

  it('moves a step with the arrow keys, further with Page Up/Down, to the ends with Home/End', () => {
    expect(shareAfterKey(60, 'ArrowLeft')).toBe(60 - SHARE_STEP);
    expect(shareAfterKey(60, 'ArrowRight')).toBe(60 + SHARE_STEP);
    expect(shareAfterKey(60, 'ArrowDown')).toBe(60 - SHARE_STEP);
    expect(shareAfterKey(60, 'ArrowUp')).toBe(60 + SHARE_STEP);
    expect(shareAfterKey(60, 'PageDown')).toBe(60 - 2 * SHARE_STEP);
    expect(shareAfterKey(60, 'PageUp')).toBe(60 + 2 * SHARE_STEP);
    expect(shareAfterKey(60, 'Home')).toBe(EDITOR_SHARE.min);
    expect(shareAfterKey(60, 'End')).toBe(EDITOR_SHARE.max);
    expect(shareAfterKey(EDITOR_SHARE.max, 'ArrowRight')).toBe(EDITOR_SHARE.max);
    expect(shareAfterKey(EDITOR_SHARE.min, 'ArrowLeft')).toBe(EDITOR_SHARE.min);
    expect(shareAfterKey(60, 'Enter')).toBeNull();
  });

  it('follows a dragging pointer, within the bounds', () => {
    expect(shareAtPointer(700, 100, 1000)).toBe(60);
    expect(shareAtPointer(50, 100, 1000)).toBe(EDITOR_SHARE.min);
    expect(shareAtPointer(2000, 100, 1000)).toBe(EDITOR_SHARE.max);
    expect(shareAtPointer(500, 100, 0)).toBe(EDITOR_SHARE.initial);
  });

  it('reads back what was stored, and ignores what is not a share', () => {
    expect(parseStoredShare('72')).toBe(72);
    expect(parseStoredShare('99')).toBe(EDITOR_SHARE.max);
    expect(parseStoredShare('-5')).toBe(EDITOR_SHARE.min);
    expect(parseStoredShare('')).toBe(EDITOR_SHARE.initial);
    expect(parseStoredShare('wide')).toBe(EDITOR_SHARE.initial);
    expect(parseStoredShare('Infinity')).toBe(EDITOR_SHARE.initial);
  });
});
