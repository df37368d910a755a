/** Ids (API.md, "Rooms and members": opaque, URL-safe, at least 128 random bits). */
import { describe, expect, it } from 'vitest';
import { ROOM_ID_PATTERN } from '../../protocol/schemas.js';
import { randomId } from './ids.js';

describe('randomId', () => {
  it('is URL-safe and as long as its bytes in base64url', () => {
    for (const bytes of [16, 24, 32, 5000]) {
      const id = randomId(bytes);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(id).toHaveLength(Math.ceil((bytes * 4) / 3));
    }
    expect(randomId(32)).toMatch(ROOM_ID_PATTERN);
  });

  it('never repeats, across many refills of its pool', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => randomId(i % 3 === 0 ? 32 : 16));
    expect(new Set(ids).size).toBe(ids.length);
    // Sixteen random bytes spread over the whole alphabet, not a counter in disguise.
    const firsts = new Set(ids.map((id) => id[0]));
    expect(firsts.size).toBe(64);
  });
});
