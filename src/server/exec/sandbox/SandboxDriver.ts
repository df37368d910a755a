import { AppError } from '../../core/AppError.js';
import type {
  ExecDriver,
  ExecLimits,
  ExecRequest,
  ExecResult,
  LanguageInfo,
} from '../ExecDriver.js';
import { notCompiled, stripTypes } from '../stripTypes.js';
import type { Rlimits, SandboxCommand } from './bwrapArgs.js';
import { runSandboxed } from './runSandboxed.js';
import { toolchains, type Toolchain } from './toolchains.js';

/** bwrap's set-up plus compiling, before the program's own wall clock starts. */
const START_MS = 10_000;
/** Compilers need more than a small program: cc1plus alone maps well over 128 MiB. */
const COMPILE_MEMORY_BYTES = 512 * 1024 * 1024;
/** Processes and threads of one run (bwrap's init and the launcher count too). */
const MAX_PROCESSES = 32;
const OPEN_FILES = 64;
/** Largest file a run may write; the run's tmpfs is capped at `TMPFS_BYTES` altogether. */
const FILE_BYTES = 16 * 1024 * 1024;
const TMPFS_BYTES = 64 * 1024 * 1024;
/** The `--version` probes at start-up. */
const PROBE_LIMITS = { wallMs: 10_000, memoryBytes: COMPILE_MEMORY_BYTES, outputBytes: 4096 };

/**
 * EXEC_DRIVER=sandbox: the host's own toolchains (node, python3, bash, gcc, g++), each run in a
 * fresh bubblewrap sandbox with rlimits — see `bwrapArgs.ts` for exactly what a run can see.
 * Toolchains are probed inside the sandbox when the driver starts; only those that answer are
 * offered. Use `probeSandbox()` first: this class assumes bwrap works.
 */
export class SandboxDriver implements ExecDriver {
  readonly id = 'sandbox';
  private readonly available: Promise<{ toolchain: Toolchain; info: LanguageInfo }[]>;
  private readonly closing = new AbortController();
  private readonly running = new Set<Promise<unknown>>();

  /** @param bwrap the absolute path of bwrap (from `probeSandbox()`). */
  constructor(private readonly bwrap: string) {
    this.available = this.probe();
  }

  async languages(): Promise<LanguageInfo[]> {
    return (await this.available).map(({ info }) => info);
  }

  async run(request: ExecRequest, limits: ExecLimits, signal?: AbortSignal): Promise<ExecResult> {
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    const toolchain = (await this.available).find(({ info }) => info.id === request.language);
    if (!toolchain) {
      throw new AppError('invalid_request', `This server cannot run "${request.language}".`);
    }
    let code = request.code;
    if (toolchain.toolchain.stripTypes) {
      const stripped = await stripTypes(code);
      if (!stripped.ok) {
        return notCompiled(stripped.stderr, elapsed());
      }
      code = stripped.code;
    }
    const result = await this.track(
      runSandboxed({
        bwrap: this.bwrap,
        command: command(toolchain.toolchain, limits),
        code,
        stdin: request.stdin,
        startMs: START_MS,
        wallMs: limits.wallMs,
        outputBytes: limits.outputBytes,
        signal: signal ? AbortSignal.any([this.closing.signal, signal]) : this.closing.signal,
      }),
    );
    return { ...result, durationMs: elapsed() };
  }

  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([this.available, ...this.running]);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.running.add(promise);
    const done = () => this.running.delete(promise);
    promise.then(done, done);
    return promise;
  }

  private async probe(): Promise<{ toolchain: Toolchain; info: LanguageInfo }[]> {
    const found = await Promise.all(
      toolchains.map(async (toolchain) => {
        const version = await this.version(toolchain).catch(() => undefined);
        if (version === undefined) return undefined;
        const info = { id: toolchain.id, name: toolchain.name, version, driver: this.id };
        return { toolchain, info };
      }),
    );
    return found.filter((entry) => entry !== undefined);
  }

  private async version(toolchain: Toolchain): Promise<string | undefined> {
    const result = await this.track(
      runSandboxed({
        bwrap: this.bwrap,
        command: command({ ...toolchain, compile: undefined, run: toolchain.probe }, PROBE_LIMITS),
        code: '',
        stdin: '',
        startMs: START_MS,
        wallMs: PROBE_LIMITS.wallMs,
        outputBytes: PROBE_LIMITS.outputBytes,
        signal: this.closing.signal,
      }),
    );
    if (result.exitCode !== 0) return undefined;
    const line = `${result.stdout}\n${result.stderr}`.split('\n').find((l) => l.trim() !== '');
    return line && `${toolchain.versionPrefix ?? ''}${line.trim()}`;
  }
}

/** The sandboxed command of one run: the program under the run's limits, the compiler under its own. */
function command(toolchain: Toolchain, limits: ExecLimits): SandboxCommand {
  const common = { processes: MAX_PROCESSES, fileBytes: FILE_BYTES, openFiles: OPEN_FILES };
  const run: Rlimits = {
    ...common,
    // A backstop per process; the wall clock is what ends a run.
    cpuSeconds: Math.ceil(limits.wallMs / 1000) + 1,
    memoryBytes: limits.memoryBytes,
    memoryLimit: toolchain.memoryLimit,
  };
  const compile: Rlimits = {
    ...common,
    cpuSeconds: Math.ceil(START_MS / 1000),
    memoryBytes: Math.max(limits.memoryBytes, COMPILE_MEMORY_BYTES),
    memoryLimit: 'as',
  };
  return {
    source: toolchain.source,
    tmpfsBytes: TMPFS_BYTES,
    run: { argv: toolchain.run, limits: run },
    ...(toolchain.compile ? { compile: { argv: toolchain.compile, limits: compile } } : {}),
  };
}
