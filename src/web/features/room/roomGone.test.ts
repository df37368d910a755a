import { describe, expect, it } from 'vitest';
import { goneReason, keptInMemory } from './roomGone.js';

const memoryRoom = { persistent: false, expiresAt: '2026-01-01T12:00:00.000Z' };
const before = Date.parse('2026-01-01T11:00:00.000Z');
const after = Date.parse('2026-01-01T12:00:01.000Z');

describe('keptInMemory', () => {
  it('reads the room and the server’s configured dependencies', () => {
    expect(keptInMemory({ persistent: false }, {})).toBe(true);
    expect(keptInMemory({ persistent: false }, { database: 'ok' })).toBe(true);
    expect(keptInMemory({ persistent: true }, { database: 'ok' })).toBe(false);
    // With several instances every room is in the database.
    expect(keptInMemory({ persistent: false }, { database: 'ok', redis: 'ok' })).toBe(false);
    expect(keptInMemory({ persistent: false }, null)).toBeNull();
    expect(keptInMemory(null, {})).toBeNull();
  });
});

describe('goneReason', () => {
  it('says the room expired when its time is up', () => {
    expect(goneReason({ room: memoryRoom, now: after, serverRestarting: true, checks: {} })).toBe(
      'expired',
    );
  });

  it('says a memory room is gone with the restart the server announced', () => {
    expect(goneReason({ room: memoryRoom, now: before, serverRestarting: true, checks: {} })).toBe(
      'restarted',
    );
    expect(goneReason({ room: memoryRoom, now: before, serverRestarting: false, checks: {} })).toBe(
      'gone_from_memory',
    );
  });

  it('claims no cause it cannot know', () => {
    expect(
      goneReason({ room: memoryRoom, now: before, serverRestarting: true, checks: null }),
    ).toBe('gone');
    expect(
      goneReason({
        room: { persistent: true, expiresAt: null },
        now: before,
        serverRestarting: true,
        checks: { database: 'ok' },
      }),
    ).toBe('gone');
  });
});
