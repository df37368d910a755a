import { describe, expect, it } from 'vitest';
import { userColor } from './userColor.js';

describe('userColor', () => {
  it('gives a member the same colour everywhere, and a light version for selections', () => {
    const { color, colorLight } = userColor('member-1');
    expect(userColor('member-1')).toEqual({ color, colorLight });
    expect(color).toMatch(/^#[0-9a-f]{6}$/);
    expect(colorLight).toBe(`${color}33`);
  });

  it('spreads members over several colours', () => {
    const colours = new Set(Array.from({ length: 40 }, (_, i) => userColor(`member-${i}`).color));
    expect(colours.size).toBeGreaterThanOrEqual(6);
  });
});
