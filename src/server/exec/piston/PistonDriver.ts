import { constants } from 'node:os';
import type { ZodType } from 'zod';
import { AppError } from '../../core/AppError.js';
import type { Outbound, TrustedDestination } from '../../outbound/Outbound.js';
import { reasonOf } from '../../outbound/outboundErrors.js';
import { CappedOutput } from '../CappedOutput.js';
import type {
  ExecDriver,
  ExecLimits,
  ExecRequest,
  ExecResult,
  LanguageInfo,
} from '../ExecDriver.js';
import { notCompiled, stripTypes } from '../stripTypes.js';
import {
  pistonErrorSchema,
  pistonExecuteResponseSchema,
  pistonRuntimesSchema,
  type PistonExecuteRequest,
  type PistonRuntime,
  type PistonStage,
} from './piston.schema.js';
import { pickRuntime, pistonLanguages, type PistonLanguage } from './pistonLanguages.js';

/** How long a runtime list is used before Piston is asked again. */
const RUNTIMES_TTL_MS = 60_000;
/** After a failed attempt, the last known list is used this long before the next attempt. */
const RUNTIMES_RETRY_MS = 5_000;
/** `GET /api/v2/runtimes` and its answer. */
const RUNTIMES_TIMEOUT_MS = 5_000;
const RUNTIMES_MAX_BYTES = 1024 * 1024;
/**
 * Beyond the run's own wall time: Piston's set-up of an isolate box and its queue. A Piston that
 * has not answered by then is abandoned and the run reported as timed out.
 */
const START_MS = 5_000;
/** C and C++ compile within a budget of their own, before the run's wall clock starts. */
const COMPILE_MS = 10_000;
/** Compilers need more than a small program: cc1plus alone maps well over 128 MiB. */
const COMPILE_MEMORY_BYTES = 512 * 1024 * 1024;
/**
 * The largest answer read: stdout, stderr and Piston's `output` (both again) of each stage, JSON
 * escaped. A bigger one is not parsed; the run is reported as stopped for its output.
 */
const answerMaxBytes = (outputBytes: number) => Math.max(4 * 1024 * 1024, 16 * outputBytes);
/** Exit code of a run stopped from outside (time or output), as a shell shows a killed process. */
const STOPPED_EXIT_CODE = 137;

interface Offered {
  info: LanguageInfo;
  language: PistonLanguage;
  runtime: PistonRuntime;
}

export interface PistonDriverOptions {
  /** Where problems with Piston are reported (the server's log). */
  warn?: (message: string) => void;
}

/**
 * EXEC_DRIVER=piston:<url>: runs go to a Piston server (engineer-man/piston, API v2), which
 * isolates them; see docs/operations.md for what that does and does not mean. This driver sends
 * only the program, its stdin and the limits — never anything of the server's environment —
 * and bounds what it can itself: its own deadline (wall time + set-up, + compiling for C/C++)
 * so a hung Piston never hangs a run, and the output, cut at `outputBytes` here whatever Piston
 * returns.
 *
 * Piston being unreachable or failing is not the program's failure: it rejects with 502
 * `upstream_failed` (503 `overloaded` when Piston says 429). The runtime list is cached for a
 * minute; while Piston is down the last known list is kept, and with none known yet,
 * `languages()` rejects with `upstream_failed` too.
 *
 * Piston is reached through the outbound door as a trusted destination: the operator configured
 * it, often on a private network, so no address policy — but only its origin, no redirects, and
 * no proxy from the environment.
 */
export class PistonDriver implements ExecDriver {
  readonly id = 'piston';
  private readonly base: string;
  private readonly piston: TrustedDestination;
  private readonly warn: (message: string) => void;
  private readonly closing = new AbortController();
  private known: { offered: Offered[]; fetchedAt: number } | undefined;
  private retryAfter = 0;
  private fetching: Promise<Offered[]> | undefined;

  /** @param url where Piston serves `/api/v2/` (`http://piston:2000`). */
  constructor(outbound: Outbound, url: string, options: PistonDriverOptions = {}) {
    this.base = url.replace(/\/+$/, '');
    this.piston = outbound.trusted('piston', this.base);
    this.warn = options.warn ?? (() => {});
  }

  async languages(): Promise<LanguageInfo[]> {
    return (await this.offered()).map(({ info }) => info);
  }

  async run(request: ExecRequest, limits: ExecLimits, signal?: AbortSignal): Promise<ExecResult> {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const offered = (await this.offered()).find(({ info }) => info.id === request.language);
    if (!offered) {
      throw new AppError('invalid_request', `This server cannot run "${request.language}".`);
    }
    const { language, runtime } = offered;
    let code = request.code;
    if (language.stripTypes) {
      const stripped = await stripTypes(code);
      if (!stripped.ok) return notCompiled(stripped.stderr, elapsed());
      code = stripped.code;
    }
    const body: PistonExecuteRequest = {
      language: runtime.language,
      version: runtime.version,
      files: [{ name: language.file, content: code }],
      stdin: request.stdin,
      args: [],
      run_timeout: limits.wallMs,
      run_cpu_time: limits.wallMs,
      run_memory_limit: limits.memoryBytes,
      ...(language.compiled
        ? {
            compile_timeout: COMPILE_MS,
            compile_cpu_time: COMPILE_MS,
            compile_memory_limit: Math.max(limits.memoryBytes, COMPILE_MEMORY_BYTES),
          }
        : {}),
    };
    const deadlineMs = limits.wallMs + START_MS + (language.compiled ? COMPILE_MS : 0);
    const answer = await this.request(
      'POST',
      '/api/v2/execute',
      deadlineMs,
      answerMaxBytes(limits.outputBytes),
      body,
      signal,
    );
    if (answer.kind === 'deadline') {
      return stopped(
        `Stopped: the run took longer than ${limits.wallMs} ms (the code runner did not answer in time).\n`,
        { timedOut: true, durationMs: elapsed() },
      );
    }
    // Piston has no way to stop a run: it goes on there to its own deadline, unseen.
    if (answer.kind === 'stopped') return stopped('', { durationMs: elapsed() });
    if (answer.kind === 'closed') {
      return stopped('Stopped: the server is shutting down.\n', { durationMs: elapsed() });
    }
    if (answer.kind === 'tooLarge') {
      return stopped(`Stopped: the output was larger than ${limits.outputBytes} bytes.\n`, {
        truncated: true,
        durationMs: elapsed(),
      });
    }
    const result = parse(pistonExecuteResponseSchema, answer.text);
    if (!result) throw this.unreadable('/api/v2/execute');
    const compileFailed =
      result.compile !== undefined && (result.compile.code !== 0 || result.compile.signal !== null);
    const stage = compileFailed ? result.compile : result.run;
    if (!stage) throw this.unreadable('/api/v2/execute');
    if (stage.status === 'XX') {
      this.warn(`Piston failed a run (status XX): ${stage.stderr.slice(0, 200)}`);
      throw new AppError('upstream_failed', 'The code runner failed to run the program.');
    }
    const budgetMs = compileFailed ? COMPILE_MS : limits.wallMs;
    return {
      ...toResult(stage, limits.outputBytes, elapsed() >= budgetMs, () =>
        compileFailed
          ? `\nStopped: compiling took longer than ${COMPILE_MS} ms.\n`
          : `\nStopped: the run took longer than ${limits.wallMs} ms.\n`,
      ),
      durationMs: elapsed(),
    };
  }

  async close(): Promise<void> {
    this.closing.abort();
  }

  /** The offered languages: cached, refreshed after a minute, the last known while Piston is down. */
  private async offered(): Promise<Offered[]> {
    const now = Date.now();
    if (this.known && (now - this.known.fetchedAt < RUNTIMES_TTL_MS || now < this.retryAfter)) {
      return this.known.offered;
    }
    this.fetching ??= this.fetchOffered().finally(() => (this.fetching = undefined));
    try {
      return await this.fetching;
    } catch (error) {
      if (!this.known) throw error;
      this.retryAfter = Date.now() + RUNTIMES_RETRY_MS;
      return this.known.offered;
    }
  }

  private async fetchOffered(): Promise<Offered[]> {
    const answer = await this.request(
      'GET',
      '/api/v2/runtimes',
      RUNTIMES_TIMEOUT_MS,
      RUNTIMES_MAX_BYTES,
    );
    if (answer.kind !== 'ok') {
      this.warn(`Piston's runtime list could not be read (${answer.kind})`);
      throw new AppError('upstream_failed', 'The code runner did not list its languages.');
    }
    const runtimes = parse(pistonRuntimesSchema, answer.text);
    if (!runtimes) throw this.unreadable('/api/v2/runtimes');
    const offered = pistonLanguages.flatMap((language) => {
      const runtime = pickRuntime(language, runtimes);
      if (!runtime) return [];
      const info = {
        id: language.id,
        name: language.name,
        version: runtime.version,
        driver: this.id,
      };
      return [{ info, language, runtime }];
    });
    this.known = { offered, fetchedAt: Date.now() };
    return offered;
  }

  /**
   * One request to Piston, bounded by `deadlineMs` and `maxBytes`. Piston out of reach or
   * refusing is an AppError; running out of time, the driver closing, the run stopped
   * (`stopping` aborted) or too big an answer are told apart so `run()` can turn them into
   * results.
   */
  private async request(
    method: 'GET' | 'POST',
    path: string,
    deadlineMs: number,
    maxBytes: number,
    body?: PistonExecuteRequest,
    stopping?: AbortSignal,
  ): Promise<
    | { kind: 'ok'; text: string }
    | { kind: 'deadline' }
    | { kind: 'closed' }
    | { kind: 'stopped' }
    | { kind: 'tooLarge' }
  > {
    const controller = new AbortController();
    let why: 'deadline' | 'closed' | 'stopped' | undefined;
    const abort = (reason: 'deadline' | 'closed' | 'stopped') => {
      why ??= reason;
      controller.abort();
    };
    const timer = setTimeout(() => abort('deadline'), deadlineMs);
    const onClose = () => abort('closed');
    const onStop = () => abort('stopped');
    this.closing.signal.addEventListener('abort', onClose);
    stopping?.addEventListener('abort', onStop);
    if (this.closing.signal.aborted) onClose();
    if (stopping?.aborted) onStop();
    try {
      const response = await this.piston.request(this.base + path, {
        method,
        signal: controller.signal,
        headers: body ? { 'content-type': 'application/json' } : {},
        ...(body ? { body: JSON.stringify(body) } : {}),
        maxBytes,
        // The deadline above ends the request first; the door's own limits only back it up.
        timeouts: { headersMs: deadlineMs + 1000, totalMs: deadlineMs + 1000 },
      });
      // Stopped while the answer was arriving: whatever came is not the answer.
      if (why) return { kind: why };
      const text = response.body.toString('utf8');
      if (response.status === 429) {
        throw new AppError('overloaded', 'The code runner is busy; try again shortly.', {
          headers: {
            'Retry-After': '5',
          },
        });
      }
      if (response.status < 200 || response.status > 299) {
        const message = parse(pistonErrorSchema, text)?.message;
        this.warn(
          `Piston answered ${method} ${path} with ${response.status}${message ? `: ${message.slice(0, 300)}` : ''}`,
        );
        throw new AppError(
          'upstream_failed',
          `The code runner refused the request (HTTP ${response.status}).`,
        );
      }
      return { kind: 'ok', text };
    } catch (error) {
      if (why) return { kind: why };
      const reason = reasonOf(error);
      if (reason === 'too_large') return { kind: 'tooLarge' };
      // The driver's own answers (429, a refusal) carry no outbound reason.
      if (error instanceof AppError && reason === undefined) throw error;
      this.warn(`Piston at ${this.base} could not be reached: ${failure(error)}`);
      throw new AppError('upstream_failed', 'The code runner could not be reached.');
    } finally {
      clearTimeout(timer);
      this.closing.signal.removeEventListener('abort', onClose);
      stopping?.removeEventListener('abort', onStop);
    }
  }

  private unreadable(path: string): AppError {
    this.warn(`Piston's answer to ${path} was not the Piston v2 API`);
    return new AppError(
      'upstream_failed',
      'The code runner sent an answer this server cannot read.',
    );
  }
}

/**
 * A stage as a result: the output cut at `outputBytes`, and exit code 137 when Piston or this
 * driver stopped it for time or output. Without Piston's `status` (before 3.2), a SIGKILL at or
 * past the stage's budget counts as the timeout it almost surely was.
 */
function toResult(
  stage: PistonStage,
  outputBytes: number,
  pastBudget: boolean,
  timeoutNote: () => string,
): Omit<ExecResult, 'durationMs'> {
  const status = stage.status ?? undefined;
  const timedOut =
    status === 'TO' || (status === undefined && stage.signal === 'SIGKILL' && pastBudget);
  const output = new CappedOutput(outputBytes);
  output.add('stdout', stage.stdout);
  output.add('stderr', stage.stderr);
  const truncated = output.truncated || status === 'OL' || status === 'EL';
  if (timedOut) output.note(timeoutNote());
  const signalled =
    stage.signal === null ? 1 : 128 + (constants.signals[stage.signal as NodeJS.Signals] ?? 0);
  return {
    stdout: output.stdout,
    stderr: output.stderr,
    exitCode: timedOut || truncated ? STOPPED_EXIT_CODE : (stage.code ?? signalled),
    timedOut,
    truncated,
  };
}

function stopped(
  stderr: string,
  result: { timedOut?: boolean; truncated?: boolean; durationMs: number },
): ExecResult {
  return {
    stdout: '',
    stderr,
    exitCode: STOPPED_EXIT_CODE,
    timedOut: result.timedOut ?? false,
    truncated: result.truncated ?? false,
    durationMs: result.durationMs,
  };
}

function parse<T>(schema: ZodType<T>, text: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** What went wrong with a request, e.g. `ECONNREFUSED` (the door keeps it as the cause). */
function failure(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
