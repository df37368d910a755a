import { describe, expect, it } from 'vitest';
import { exceedsCodeLimit } from './codeLimit.js';

describe('exceedsCodeLimit', () => {
  it('allows 1 MiB of characters and no more', () => {
    expect(exceedsCodeLimit(1024 * 1024)).toBe(false);
    expect(exceedsCodeLimit(1024 * 1024 + 1)).toBe(true);
  });
});
