/**
 * Code execution as the web client sees it (API.md, "Code execution"): the languages the server
 * can run, a run's result, and the `exec:result` event that shows everyone's runs. The payloads
 * come from the server, so they are checked here before the page trusts their shape.
 */

export interface ExecLanguage {
  id: string;
  name: string;
  version: string;
  driver: string;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number | null;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** Its member stopped it. */
  stopped: boolean;
}

/** `exec:started` on the room socket: a run going on, by anyone in the room. */
export interface ExecRunning {
  memberId: string;
  language: string;
  runId: string;
}

/** `exec:result` on the room socket: a run by anyone in the room (the runner included). */
export interface ExecResultEvent {
  memberId: string;
  language: string;
  result: ExecResult;
  /** Absent on a result this page got as its own HTTP answer. */
  runId?: string;
}

/** The room's last run, and when it ended (`room:state`'s `exec.lastRun`). */
export interface ExecLastRun extends ExecResultEvent {
  at: Date;
}

/** The room's runs: `room:state`'s `exec`, kept up to date by the events. */
export interface RoomExec {
  lastRun: ExecLastRun | null;
  running: readonly ExecRunning[];
}

/** Whether the server can run code, asked once per page (`GET /api/exec/languages`). */
export type ExecSupport =
  | { state: 'loading' }
  | { state: 'unavailable' }
  | { state: 'ready'; languages: readonly ExecLanguage[] };

export const EXEC_UNAVAILABLE = "Code execution isn't available on this server.";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

export function parseLanguages(value: unknown): ExecLanguage[] | null {
  if (!Array.isArray(value)) return null;
  const languages: ExecLanguage[] = [];
  for (const item of value) {
    if (!isRecord(item) || typeof item.id !== 'string' || typeof item.name !== 'string') continue;
    languages.push({
      id: item.id,
      name: item.name,
      version: typeof item.version === 'string' ? item.version : '',
      driver: typeof item.driver === 'string' ? item.driver : '',
    });
  }
  return languages;
}

export function parseResult(value: unknown): ExecResult | null {
  if (!isRecord(value)) return null;
  const { stdout, stderr, exitCode, timedOut, truncated, durationMs } = value;
  if (typeof stdout !== 'string' || typeof stderr !== 'string') return null;
  return {
    stdout,
    stderr,
    exitCode: typeof exitCode === 'number' ? exitCode : null,
    timedOut: timedOut === true,
    truncated: truncated === true,
    durationMs: typeof durationMs === 'number' && durationMs >= 0 ? durationMs : 0,
    stopped: value.stopped === true,
  };
}

export function parseResultEvent(value: unknown): ExecResultEvent | null {
  if (!isRecord(value) || typeof value.memberId !== 'string') return null;
  if (typeof value.language !== 'string') return null;
  const result = parseResult(value.result);
  if (!result) return null;
  const event = { memberId: value.memberId, language: value.language, result };
  return typeof value.runId === 'string' ? { ...event, runId: value.runId } : event;
}

export function parseRunning(value: unknown): ExecRunning | null {
  if (!isRecord(value)) return null;
  const { memberId, language, runId } = value;
  if (typeof memberId !== 'string' || typeof language !== 'string' || typeof runId !== 'string')
    return null;
  return { memberId, language, runId };
}

/** `room:state`'s `exec`; null when the server sends none (one older than this page). */
export function parseRoomExec(value: unknown): RoomExec | null {
  if (!isRecord(value) || !Array.isArray(value.running)) return null;
  const running = value.running.map(parseRunning).filter((run): run is ExecRunning => run !== null);
  const last = isRecord(value.lastRun) ? parseResultEvent(value.lastRun) : null;
  const at = isRecord(value.lastRun) ? new Date(String(value.lastRun.at)) : new Date(NaN);
  return {
    lastRun: last && { ...last, at: Number.isNaN(at.getTime()) ? new Date() : at },
    running,
  };
}

export const noRoomExec: RoomExec = { lastRun: null, running: [] };

/** The room's runs after an event: a run started, or one ended with its result. */
export function applyExecEvent(
  state: RoomExec,
  event:
    { type: 'started'; run: ExecRunning } | { type: 'result'; result: ExecResultEvent; at: Date },
): RoomExec {
  if (event.type === 'started') {
    if (state.running.some((run) => run.runId === event.run.runId)) return state;
    return { ...state, running: [...state.running, event.run] };
  }
  const { runId } = event.result;
  return {
    lastRun: { ...event.result, at: event.at },
    running: runId === undefined ? state.running : state.running.filter((r) => r.runId !== runId),
  };
}

/**
 * Why "Run" cannot run the current language, or null when it can. `languageLabel` names the
 * language for the person.
 */
export function runBlocker(
  support: ExecSupport,
  language: string,
  languageLabel: string,
): string | null {
  switch (support.state) {
    case 'loading':
      return 'Checking whether this server can run code…';
    case 'unavailable':
      return EXEC_UNAVAILABLE;
    case 'ready':
      if (support.languages.length === 0) return EXEC_UNAVAILABLE;
      return support.languages.some((candidate) => candidate.id === language)
        ? null
        : `This server can't run ${languageLabel} code.`;
  }
}

/** "42 ms", "1.3 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
