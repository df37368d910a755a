import { describe, expect, it } from 'vitest';
import {
  callSummary,
  formatDuration,
  formatRate,
  formatShare,
  formatUptime,
  memoryMarks,
} from './adminFormat.js';

describe('the admin page’s numbers', () => {
  it('writes rates with a tenth below ten a second, whole above', () => {
    expect(formatRate(0)).toBe('0/s');
    expect(formatRate(0.44)).toBe('0.4/s');
    expect(formatRate(12.6)).toBe('13/s');
  });

  it('writes uptime in its two largest units, dropping a zero second one', () => {
    expect(formatUptime(0)).toBe('0 s');
    expect(formatUptime(45)).toBe('45 s');
    expect(formatUptime(185)).toBe('3 min 5 s');
    expect(formatUptime(3_600)).toBe('1 h');
    expect(formatUptime(2 * 86_400 + 4 * 3_600 + 59)).toBe('2 d 4 h');
  });

  it('puts the memory gauge’s marks at the warning and critical lines', () => {
    expect(memoryMarks(1000)).toEqual({ low: 750, high: 900, max: 1000 });
    expect(memoryMarks(0).max).toBe(1);
  });

  it('writes memory as a share of its budget', () => {
    expect(formatShare(512, 1024)).toBe('50 %');
    expect(formatShare(5, 0)).toBe('–');
  });

  it('writes a code run’s length in ms below a second', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(2_340)).toBe('2.3 s');
  });

  it('sums up a participant of a call: what it sends, how it connects, its slowest round trip', () => {
    const base = { audio: true, video: false, screen: false, peers: null };
    expect(callSummary(base)).toBe('in the call (microphone)');
    expect(callSummary({ ...base, audio: false })).toBe('in the call (listening)');
    expect(
      callSummary({
        ...base,
        video: true,
        peers: [
          { candidateType: 'relay', rttMs: 41.6 },
          { candidateType: 'host', rttMs: 3 },
          { candidateType: null, rttMs: null },
        ],
      }),
    ).toBe('in the call (microphone, camera; host/relay, 42 ms)');
  });
});
