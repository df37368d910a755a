import { describe, expect, it } from 'vitest';
import { appendSample, describeSeries, sparklinePath } from './sparkline.js';

describe('a sparkline’s history', () => {
  it('keeps the last samples up to its capacity, oldest dropped first', () => {
    let history: number[] = [];
    for (let value = 1; value <= 5; value++) history = appendSample(history, value, 3);
    expect(history).toEqual([3, 4, 5]);
  });

  it('holds a minute of samples by default', () => {
    let history: number[] = [];
    for (let value = 0; value < 75; value++) history = appendSample(history, value);
    expect(history).toHaveLength(60);
    expect(history[0]).toBe(15);
  });
});

describe('a sparkline’s path', () => {
  it('draws nothing without samples', () => {
    expect(sparklinePath([], 100, 20)).toBe('');
  });

  it('puts the newest sample at the right edge and scales the largest to the top', () => {
    // Five slots across 100 px: 25 px apart.
    expect(sparklinePath([0, 2, 4], 100, 20, 5)).toBe('M50 20 L75 10 L100 0');
  });

  it('fills the width once full', () => {
    expect(sparklinePath([1, 1, 1, 1, 1], 100, 20, 5)).toBe('M0 0 L25 0 L50 0 L75 0 L100 0');
  });

  it('keeps a line of zeros at the bottom', () => {
    expect(sparklinePath([0, 0], 100, 20, 5)).toBe('M75 20 L100 20');
  });

  it('draws one sample as a short level line', () => {
    expect(sparklinePath([3], 100, 20, 5)).toBe('M75 0 L100 0');
  });
});

describe('a sparkline in words', () => {
  it('says the latest value and the range it moved in', () => {
    expect(describeSeries('Connections', [3, 1, 6, 4])).toBe(
      'Connections, last 4 s: now 4, lowest 1, highest 6.',
    );
    expect(describeSeries('Messages', [0.5, 2], (v) => `${v}/s`)).toBe(
      'Messages, last 2 s: now 2/s, lowest 0.5/s, highest 2/s.',
    );
  });

  it('says when there is nothing yet', () => {
    expect(describeSeries('Uploads', [])).toBe('Uploads: no samples yet.');
  });
});
