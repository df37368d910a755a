import { describe, expect, it } from 'vitest';
import {
  collabReducer,
  describeClose,
  initialCollabStatus,
  phaseLabel,
  type CollabEvent,
  type CollabStatus,
} from './collabStatus.js';

const run = (...events: CollabEvent[]): CollabStatus =>
  events.reduce(collabReducer, initialCollabStatus);

describe('collabReducer', () => {
  it('shows "Connecting…" until the first sync, then "Synced"', () => {
    expect(phaseLabel(run({ type: 'connecting' }).phase)).toBe('Connecting…');
    expect(run({ type: 'connecting' }, { type: 'connected' }).loaded).toBe(false);
    const synced = run({ type: 'connecting' }, { type: 'connected' }, { type: 'synced' });
    expect(phaseLabel(synced.phase)).toBe('Synced');
    expect(synced.loaded).toBe(true);
  });

  it('stays "Offline" through reconnection attempts until in step again', () => {
    const dropped = run({ type: 'synced' }, { type: 'closed', code: 1006 });
    expect(phaseLabel(dropped.phase)).toBe('Offline');
    expect(dropped.loaded).toBe(true);
    const retrying = [
      { type: 'connecting' },
      { type: 'closed', code: 1006 },
      { type: 'connecting' },
    ]
      .map((event) => event as CollabEvent)
      .reduce(collabReducer, dropped);
    expect(retrying.phase).toBe('offline');
    expect(collabReducer(retrying, { type: 'synced' }).phase).toBe('synced');
  });

  it('is "Offline" when the server cannot be reached at all', () => {
    expect(run({ type: 'connecting' }, { type: 'closed', code: 1006 }).phase).toBe('offline');
  });

  it('stops for good on a 44xx close, until retried by hand', () => {
    const stopped = run({ type: 'synced' }, { type: 'closed', code: 4413 });
    expect(stopped.phase).toBe('stopped');
    expect(stopped.stop?.message).toBe('The code is too large to share (max 1 MB).');
    expect(collabReducer(stopped, { type: 'connecting' })).toBe(stopped);
    expect(collabReducer(stopped, { type: 'synced' })).toBe(stopped);
    expect(collabReducer(stopped, { type: 'retry' }).phase).toBe('connecting');
  });
});

describe('describeClose', () => {
  it('maps the close codes of the contract', () => {
    expect(describeClose(4401)?.action).toBe('session_ended');
    expect(describeClose(4403)?.action).toBe('explain');
    expect(describeClose(4404)?.action).toBe('room_gone');
    expect(describeClose(4410)?.action).toBe('room_gone');
    expect(describeClose(4413)).toMatchObject({ action: 'explain', retriable: true });
    expect(describeClose(4499)?.action).toBe('explain');
  });

  it('leaves transient closes to the automatic reconnection', () => {
    // 1013: rate_limited and overloaded, where the retry's sync sends the refused edit again.
    for (const code of [1000, 1001, 1006, 1011, 1013, 4500]) expect(describeClose(code)).toBeNull();
  });
});
