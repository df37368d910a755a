import { describe, expect, it } from 'vitest';
import { AVATAR_COLOURS, avatarColour, contrast, initials } from './avatar.js';

describe('avatar colours', () => {
  it('carry white initials at 4.5:1 or more, every one of them', () => {
    for (const colour of AVATAR_COLOURS)
      expect(contrast(colour, '#ffffff')).toBeGreaterThanOrEqual(4.5);
  });

  it('are the same for the same member id, every time', () => {
    expect(avatarColour('m_4f2a9c')).toBe(avatarColour('m_4f2a9c'));
  });

  it('spread member ids over the palette', () => {
    const used = new Set(Array.from({ length: 200 }, (_, i) => avatarColour(`member-${i}`)));
    expect(used.size).toBe(AVATAR_COLOURS.length);
  });
});

describe('initials', () => {
  it.each([
    ['Ada Lovelace', 'AL'],
    ['ada', 'A'],
    ['Jean-Luc  de la Mer', 'JM'],
    ['élodie durand', 'ÉD'],
    ['  ', '?'],
    ['🙂 Sam', 'S'],
    ['(Bob)', 'B'],
  ])('of %j is %j', (name, expected) => {
    expect(initials(name)).toBe(expected);
  });
});
