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
}

/** `exec:result` on the room socket: a run by anyone in the room (the runner included). */
export interface ExecResultEvent {
  memberId: string;
  language: string;
  result: ExecResult;
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
  };
}

export function parseResultEvent(value: unknown): ExecResultEvent | null {
  if (!isRecord(value) || typeof value.memberId !== 'string') return null;
  if (typeof value.language !== 'string') return null;
  const result = parseResult(value.result);
  return result && { memberId: value.memberId, language: value.language, result };
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
