import { describe, expect, it } from 'vitest';
import { expiringWarning, extensionSeconds, formatCountdown, roomEndView } from './roomEnd.js';

const at = (ms: number) => new Date(ms).toISOString();
const now = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('a room’s end', () => {
  it('is nothing to show for a room kept until deleted', () => {
    expect(roomEndView(null, now)).toEqual({ kind: 'none' });
  });

  it('is a quiet time while it is more than 15 minutes away', () => {
    const view = roomEndView(at(now + 3600_000), now);
    expect(view.kind).toBe('far');
    expect(view.kind === 'far' && view.text).toMatch(/^Ends at /);
    const tomorrow = roomEndView(at(now + 30 * 3600_000), now);
    expect(tomorrow.kind === 'far' && tomorrow.text).toMatch(/^Ends .+, at /);
  });

  it('is a countdown in the last 15 minutes, never below zero', () => {
    expect(roomEndView(at(now + 15 * 60_000), now)).toEqual({ kind: 'soon', secondsLeft: 900 });
    expect(roomEndView(at(now + 59_500), now)).toEqual({ kind: 'soon', secondsLeft: 60 });
    expect(roomEndView(at(now - 5_000), now)).toEqual({ kind: 'soon', secondsLeft: 0 });
    expect(formatCountdown(900)).toBe('15:00');
    expect(formatCountdown(61)).toBe('1:01');
    expect(formatCountdown(42)).toBe('42 s');
  });

  it('moves an hour past the current end when extended', () => {
    expect(extensionSeconds(at(now + 300_000), now)).toBe(300 + 3600);
    expect(extensionSeconds(at(now - 1_000), now)).toBe(3600);
  });

  it('is announced at 5 minutes and at 1 minute', () => {
    expect(expiringWarning(300)).toBe('This room ends in about 5 minutes.');
    expect(expiringWarning(296)).toBe('This room ends in about 5 minutes.');
    expect(expiringWarning(60)).toBe('This room ends in about a minute.');
    expect(expiringWarning(55)).toBe('This room ends in about a minute.');
  });
});
