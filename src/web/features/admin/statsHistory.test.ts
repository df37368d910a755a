import { describe, expect, it } from 'vitest';
import type { AdminStats } from '../../../protocol/admin.js';
import { EMPTY_HISTORY, recordStats } from './statsHistory.js';

function stats(connections: number, messages: number, uploads: number): AdminStats {
  return {
    rooms: 1,
    members: 2,
    online: 1,
    connections,
    connectionsByTransport: { socket: connections, sse: 0, collab: 0 },
    memory: { usedBytes: 1, budgetBytes: 2, level: 'ok' },
    uptimeSeconds: 10,
    rates: { messages, uploads, joins: 0 },
    exec: { running: 0, queued: 0 },
    calls: { inProgress: 0, participants: 0 },
  };
}

describe('the stats’ history', () => {
  it('keeps connections and the server’s message and upload rates, one sample an answer', () => {
    const history = [stats(1, 0, 0), stats(3, 0.5, 0.1), stats(2, 1.2, 0)].reduce(
      recordStats,
      EMPTY_HISTORY,
    );
    expect(history).toEqual({
      connections: [1, 3, 2],
      messages: [0, 0.5, 1.2],
      uploads: [0, 0.1, 0],
    });
  });

  it('keeps only the last minute', () => {
    let history = EMPTY_HISTORY;
    for (let second = 0; second < 90; second++) history = recordStats(history, stats(second, 0, 0));
    expect(history.connections).toHaveLength(60);
    expect(history.connections.at(-1)).toBe(89);
  });
});
