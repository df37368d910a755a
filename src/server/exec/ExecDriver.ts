import type { ExecResult, LanguageInfo } from '../../protocol/schemas.js';

export type { ExecResult, LanguageInfo };

export interface ExecRequest {
  /** A language id from `languages()`. */
  language: string;
  code: string;
  stdin: string;
}

export interface ExecLimits {
  wallMs: number;
  memoryBytes: number;
  /** stdout and stderr together. */
  outputBytes: number;
}

/**
 * Runs untrusted code (API.md, "Code execution"). A driver promises: a run never outlives
 * `wallMs` by more than a short grace, never sees the server's files, environment or network,
 * and its output is cut at `outputBytes`. Failures of the program are results, not rejections.
 * Aborting `signal` ends the run promptly (its member stopped it): the driver answers whatever
 * result it has, and the caller marks it stopped.
 */
export interface ExecDriver {
  readonly id: string;
  languages(): Promise<LanguageInfo[]>;
  run(request: ExecRequest, limits: ExecLimits, signal?: AbortSignal): Promise<ExecResult>;
  /** Stops every run and worker. */
  close(): Promise<void>;
}
