import { describe, expect, it } from 'vitest';
import { userColor } from './userColor.js';

describe('userColor', () => {
  it('gives a member the same colour everywhere, and a light version for selections', () => {
    const { color, colorLight } = userColor('member-1');
    expect(userColor('member-1')).toEqual({ color, colorLight });
    expect(color).toMatch(/^#[0-9a-f]{6}$/);
    expect(colorLight).toBe(`${color}33`);
  });

  it('keeps the white name label readable on every colour (WCAG AA, 4.5:1)', () => {
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => {
        const c = parseInt(hex.slice(i, i + 2), 16) / 255;
        return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const colours = new Set(Array.from({ length: 500 }, (_, i) => userColor(`m-${i}`).color));
    expect(colours.size).toBe(10);
    for (const colour of colours) {
      expect({ colour, contrast: 1.05 / (luminance(colour) + 0.05) }).toEqual({
        colour,
        contrast: expect.toSatisfy((ratio: number) => ratio >= 4.5),
      });
    }
  });

  it('spreads members over several colours', () => {
    const colours = new Set(Array.from({ length: 40 }, (_, i) => userColor(`member-${i}`).color));
    expect(colours.size).toBeGreaterThanOrEqual(6);
  });
});
