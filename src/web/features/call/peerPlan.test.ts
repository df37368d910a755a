import { describe, expect, it } from 'vitest';
import type { CallParticipant } from '../../../protocol/schemas.js';
import { isPolite, planPeers, trackRole } from './peerPlan.js';

const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;
const participant = (memberId: string, second = 0): CallParticipant => ({
  memberId,
  audio: true,
  video: false,
  screen: false,
  since: at(second),
});

describe('planPeers', () => {
  it('opens one connection to each other participant once this member is in the call', () => {
    const plan = planPeers(
      new Map(),
      [participant('ada'), participant('bob'), participant('cy')],
      'ada',
    );
    expect(plan.open).toEqual([
      { memberId: 'bob', since: at(0) },
      { memberId: 'cy', since: at(0) },
    ]);
    expect(plan.close).toEqual([]);
  });

  it('opens none while this member is not in the call, and closes all when the call ends', () => {
    expect(planPeers(new Map(), [participant('bob'), participant('cy')], 'ada').open).toEqual([]);
    const held = new Map([['bob', at(0)]]);
    expect(planPeers(held, null, 'ada').close).toEqual(['bob']);
    expect(planPeers(held, [participant('bob')], 'ada').close).toEqual(['bob']);
  });

  it('closes the connection to a member who left and keeps the others untouched', () => {
    const held = new Map([
      ['bob', at(0)],
      ['cy', at(0)],
    ]);
    const plan = planPeers(held, [participant('ada'), participant('cy')], 'ada');
    expect(plan).toEqual({ close: ['bob'], open: [], adopt: [] });
  });

  it('starts afresh with a member who joined again (a new since)', () => {
    const held = new Map([['bob', at(0)]]);
    const plan = planPeers(held, [participant('ada'), participant('bob', 9)], 'ada');
    expect(plan.close).toEqual(['bob']);
    expect(plan.open).toEqual([{ memberId: 'bob', since: at(9) }]);
  });

  it('starts every connection afresh when this member joined again', () => {
    const held = new Map([['bob', at(0)]]);
    const plan = planPeers(held, [participant('ada', 5), participant('bob')], 'ada', true);
    expect(plan.close).toEqual(['bob']);
    expect(plan.open).toEqual([{ memberId: 'bob', since: at(0) }]);
  });

  it('keeps a connection opened on a first signal once the call names that member', () => {
    const held = new Map<string, string | null>([['bob', null]]);
    const plan = planPeers(held, [participant('ada'), participant('bob', 3)], 'ada');
    expect(plan).toEqual({ close: [], open: [], adopt: [{ memberId: 'bob', since: at(3) }] });
  });
});

describe('isPolite', () => {
  it('gives exactly one of two members the polite role: the smaller id', () => {
    expect(isPolite('a1', 'b2')).toBe(true);
    expect(isPolite('b2', 'a1')).toBe(false);
  });
});

describe('trackRole', () => {
  it('tells the camera (sent with the microphone) from the screen (sent alone)', () => {
    expect(trackRole('audio', true)).toBe('audio');
    expect(trackRole('video', true)).toBe('camera');
    expect(trackRole('video', false)).toBe('screen');
  });
});
