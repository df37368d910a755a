import { describe, expect, it } from 'vitest';
import { fitWithin } from './fitWithin.js';

describe('fitWithin', () => {
  const box = { width: 320, height: 320 };

  it('shrinks landscape and portrait pictures to the box, keeping their shape', () => {
    expect(fitWithin(1200, 800, box)).toEqual({ width: 320, height: 213 });
    expect(fitWithin(800, 1200, box)).toEqual({ width: 213, height: 320 });
  });

  it('never enlarges a small picture', () => {
    expect(fitWithin(100, 50, box)).toEqual({ width: 100, height: 50 });
  });

  it('has no answer without dimensions', () => {
    expect(fitWithin(undefined, 50, box)).toBeNull();
    expect(fitWithin(0, 0, box)).toBeNull();
  });
});
