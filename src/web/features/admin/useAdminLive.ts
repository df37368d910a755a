import { useCallback, useState } from 'react';
import type { AdminExecRun, AdminRoom, AdminStats, AuditEntry } from '../../../protocol/admin.js';
import { ApiError } from '../../lib/api.js';
import { fetchAudit, fetchExecRuns, fetchRooms, fetchStats, type AdminAuth } from './adminApi.js';
import { EMPTY_HISTORY, recordStats, type StatsHistory } from './statsHistory.js';
import { usePolling } from './usePolling.js';

/** Stats and rooms: one request of each a second, while the tab is in view. */
export const LIVE_INTERVAL_MS = 1_000;
/** The logs change when someone acts, not every second. */
export const LOG_INTERVAL_MS = 5_000;

export interface AdminLive {
  stats: AdminStats | null;
  rooms: AdminRoom[] | null;
  /** When `rooms` arrived (ms): what delete countdowns count from. */
  roomsAt: number;
  history: StatsHistory;
  audit: AuditEntry[] | null;
  runs: AdminExecRun[] | null;
  /** The last refresh failed (what is shown is older); null once one succeeds. */
  failure: unknown;
  /** Asks for the rooms and the audit log now, after an action changed them. */
  refresh: () => Promise<void>;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/**
 * What the admin page shows, polled rather than pushed: an operator watching many rooms should
 * cost the server a request a second, not a copy of every room's traffic. Credentials the server
 * no longer takes (401; 403 for an account whose role was revoked) end the page's session through
 * `onRefused`. `auth` must keep its identity between renders.
 */
export function useAdminLive(auth: AdminAuth, onRefused: (why: ApiError) => void): AdminLive {
  const [stats, setStats] = useState<AdminStats | null>(null);
  const [rooms, setRooms] = useState<{ list: AdminRoom[]; at: number } | null>(null);
  const [history, setHistory] = useState<StatsHistory>(EMPTY_HISTORY);
  const [audit, setAudit] = useState<AuditEntry[] | null>(null);
  const [runs, setRuns] = useState<AdminExecRun[] | null>(null);
  const [failure, setFailure] = useState<unknown>(null);

  const failed = useCallback(
    (error: unknown) => {
      if (isAbort(error)) return;
      if (
        error instanceof ApiError &&
        (error.code === 'unauthorized' || error.code === 'forbidden')
      )
        onRefused(error);
      else setFailure(error);
    },
    [onRefused],
  );

  usePolling(async (signal) => {
    try {
      const [nextStats, nextRooms] = await Promise.all([
        fetchStats(auth, signal),
        fetchRooms(auth, signal),
      ]);
      setStats(nextStats);
      setRooms({ list: nextRooms, at: Date.now() });
      setHistory((past) => recordStats(past, nextStats));
      setFailure(null);
    } catch (error) {
      failed(error);
    }
  }, LIVE_INTERVAL_MS);

  const loadLogs = useCallback(async () => {
    const [entries, executions] = await Promise.all([fetchAudit(auth), fetchExecRuns(auth)]);
    setAudit(entries);
    setRuns(executions);
  }, [auth]);

  usePolling(async () => {
    try {
      await loadLogs();
    } catch (error) {
      failed(error);
    }
  }, LOG_INTERVAL_MS);

  const refresh = useCallback(async () => {
    try {
      const [nextRooms] = await Promise.all([fetchRooms(auth), loadLogs()]);
      setRooms({ list: nextRooms, at: Date.now() });
    } catch (error) {
      failed(error);
    }
  }, [auth, loadLogs, failed]);

  return {
    stats,
    rooms: rooms?.list ?? null,
    roomsAt: rooms?.at ?? 0,
    history,
    audit,
    runs,
    failure,
    refresh,
  };
}
