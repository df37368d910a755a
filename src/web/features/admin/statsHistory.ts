/**
 * The last minute of the stats the page draws as sparklines. The server already averages its
 * rates over ten seconds (`rates` of `GET /api/admin/stats`), so the page keeps what each second's
 * answer says rather than differencing counters itself.
 */
import type { AdminStats } from '../../../protocol/admin.js';
import { appendSample } from './sparkline.js';

export interface StatsHistory {
  connections: readonly number[];
  /** Messages a second. */
  messages: readonly number[];
  /** Uploads a second. */
  uploads: readonly number[];
}

export const EMPTY_HISTORY: StatsHistory = { connections: [], messages: [], uploads: [] };

export function recordStats(history: StatsHistory, stats: AdminStats): StatsHistory {
  return {
    connections: appendSample(history.connections, stats.connections),
    messages: appendSample(history.messages, stats.rates.messages),
    uploads: appendSample(history.uploads, stats.rates.uploads),
  };
}
