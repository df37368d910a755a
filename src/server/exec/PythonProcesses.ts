import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledScript } from './compiledScript.js';
import type { HostMessage, HostMode, PythonResult, PythonRun } from './pythonHost.js';
import { residentBytes, watchMemory } from './watchMemory.js';

/** How long past its deadline a process may take to answer by itself before it is killed. */
const KILL_GRACE_MS = 1000;
const STOPPED_EXIT_CODE = 137;
/** JavaScript heap of a Python process; Python's own objects live in WebAssembly memory. */
const JS_HEAP_MB = 256;
/**
 * How often a running process's resident memory is read. A program can outgrow its limit by
 * what it allocates in this time: a copy or two of its WebAssembly heap at most.
 */
const MEMORY_CHECK_MS = 20;
/** Making the snapshot is one load; on a loaded machine that can take a while. */
const SNAPSHOT_TIMEOUT_MS = 120_000;

const pyodideDir = dirname(createRequire(import.meta.url).resolve('pyodide/package.json'));

interface Warm {
  /** The process, once it is running. */
  child: ChildProcess | undefined;
  ready: Promise<void>;
}

export interface PythonRunResult extends PythonResult {
  /** From handing the program over to its result: the wait for a process is not counted. */
  durationMs: number;
}

/**
 * Python (Pyodide) for the wasm driver: each run gets a process of its own that loaded Pyodide
 * in advance, and the process ends with the run, so a run starts from a fresh interpreter
 * without paying for the load. Why a process and not a thread: Node's permission model, an
 * empty environment and the code-generation switch apply per process, and Pyodide reaches
 * `child_process`, the file system and sockets from inside its runtime (see pythonHost.ts).
 *
 * A load from Pyodide's files takes seconds of CPU; so the first process makes a memory
 * snapshot of a started interpreter, held here in memory (never on disk), and every process
 * after it starts from that snapshot in a fraction of the time. Processes are started one at a
 * time: on a small machine, loads started together only delay each other.
 */
export class PythonProcesses {
  private readonly warm: Warm[] = [];
  private readonly running = new Set<ChildProcess>();
  private versionText: Promise<string> | undefined;
  private snapshot: Promise<Buffer | undefined> | undefined;
  private refilling = false;
  private closed = false;

  /**
   * Processes start with the first Python run (most servers never run Python), then stay warm.
   * `warn` hears why the processes load without a snapshot, if one cannot be made.
   */
  constructor(
    private readonly poolSize: number,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  /** "3.14.2 (Pyodide 314.0.7)", from Pyodide's own files, without starting Python. */
  version(): Promise<string> {
    this.versionText ??= Promise.all([
      readFile(join(pyodideDir, 'pyodide-lock.json'), 'utf8'),
      readFile(join(pyodideDir, 'package.json'), 'utf8'),
    ]).then(([lock, pkg]) => {
      const python = (JSON.parse(lock) as { info: { python: string } }).info.python;
      return `${python} (Pyodide ${(JSON.parse(pkg) as { version: string }).version})`;
    });
    return this.versionText;
  }

  async run(run: PythonRun, signal?: AbortSignal): Promise<PythonRunResult> {
    if (this.closed) throw new Error('the Python processes are closed');
    const next = this.warm.shift() ?? this.start();
    // Refilled once this run's process is up, so the two loads do not compete.
    await next.ready.finally(() => this.refill());
    if (!next.child || this.closed) throw new Error('the Python processes are closed');
    // What the process holds once loaded: the run may add its memory limit to it, no more.
    const loaded = next.child.pid === undefined ? undefined : await residentBytes(next.child.pid);
    return this.runOn(next.child, run, loaded, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const child of this.running) child.kill('SIGKILL');
    this.running.clear();
    // One still starting is killed as soon as it exists (see start()).
    for (const warm of this.warm.splice(0)) warm.child?.kill('SIGKILL');
  }

  private refill(): void {
    if (this.closed || this.refilling || this.warm.length >= this.poolSize) return;
    const warm = this.start();
    this.warm.push(warm);
    this.refilling = true;
    void warm.ready
      .catch(() => {})
      .finally(() => {
        this.refilling = false;
        this.refill();
      });
  }

  private runOn(
    child: ChildProcess,
    run: PythonRun,
    loaded: number | undefined,
    signal?: AbortSignal,
  ): Promise<PythonRunResult> {
    this.running.add(child);
    const handedOver = performance.now();
    return new Promise<PythonRunResult>((resolve) => {
      const finish = (result: PythonResult) => {
        clearTimeout(timer);
        unwatch();
        signal?.removeEventListener('abort', onAbort);
        child.off('message', onMessage);
        child.off('exit', onExit);
        this.running.delete(child);
        child.kill('SIGKILL');
        resolve({ ...result, durationMs: Math.round(performance.now() - handedOver) });
      };
      const stopped = (stderr: string, timedOut: boolean): PythonResult => ({
        stdout: '',
        stderr,
        exitCode: STOPPED_EXIT_CODE,
        timedOut,
        truncated: false,
      });
      const onMessage = (message: HostMessage) => {
        if (message.type === 'result') finish(message.result);
      };
      const onExit = () => finish(stopped('The run stopped unexpectedly.\n', false));
      // The hard stop: the interpreter checks the deadline itself, but not inside one long
      // call into C (a huge exponent, a regular expression that backtracks forever).
      const timer = setTimeout(
        () => finish(stopped(`Stopped: the run took longer than ${run.wallMs} ms.\n`, true)),
        run.wallMs + KILL_GRACE_MS,
      );
      // Python's objects cannot outgrow the WebAssembly memory (pythonHost.ts), but what Pyodide
      // makes of them in JavaScript can (`to_js` copies live outside it): the process as a whole
      // is held to its limit, and killed past it, failing as Python would have.
      const outOfMemory: PythonResult = {
        ...stopped(
          `MemoryError: the run used more than its ${mebibytes(run.memoryBytes)} of memory and was stopped\n`,
          false,
        ),
        exitCode: 1,
      };
      const unwatch =
        loaded !== undefined && child.pid !== undefined
          ? watchMemory(
              child.pid,
              loaded + run.memoryBytes,
              () => finish(outOfMemory),
              MEMORY_CHECK_MS,
            )
          : () => {};
      // Stopped by its member: the process is killed (in finish), its output lost with it.
      const onAbort = () => finish(stopped('', false));
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      child.send(run);
    });
  }

  private start(): Warm {
    const warm: Warm = { child: undefined, ready: Promise.resolve() };
    warm.ready = this.snapshotBytes().then(async (snapshot) => {
      const started = await this.spawnHost(snapshot ? 'restore' : 'fresh');
      return new Promise<void>((resolve, reject) => {
        warm.child = started;
        started.unref();
        started.channel?.unref();
        if (this.closed) started.kill('SIGKILL');
        // A process that died before reading it does not fail the server.
        started.stdin?.on('error', () => {});
        started.stdin?.end(snapshot);
        started.once('message', (message: HostMessage) => {
          if (message.type === 'ready') resolve();
        });
        started.once('exit', () => reject(new Error('the Python process did not start')));
      });
    });
    // A process that failed to start is noticed when it is used.
    warm.ready.catch(() => {});
    return warm;
  }

  /** The snapshot, made once by a process of its own; undefined if that failed. */
  private snapshotBytes(): Promise<Buffer | undefined> {
    this.snapshot ??= this.spawnHost('snapshot')
      .then(
        (maker) =>
          new Promise<Buffer>((resolve, reject) => {
            // Killed with the others if the driver closes first.
            this.running.add(maker);
            if (this.closed) maker.kill('SIGKILL');
            const chunks: Buffer[] = [];
            maker.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
            const timer = setTimeout(() => maker.kill('SIGKILL'), SNAPSHOT_TIMEOUT_MS);
            maker.once('error', reject);
            maker.once('close', (code, signal) => {
              clearTimeout(timer);
              this.running.delete(maker);
              const bytes = Buffer.concat(chunks);
              if (code === 0 && bytes.length > 0) resolve(bytes);
              else reject(new Error(`it ended with ${signal ?? `exit code ${code}`}`));
            });
          }),
      )
      .catch((error: unknown) => {
        if (!this.closed)
          this.warn(
            `Python processes load without a snapshot (each takes seconds longer): ${(error as Error).message}`,
          );
        return undefined;
      });
    return this.snapshot;
  }

  private async spawnHost(mode: HostMode): Promise<ChildProcess> {
    const script = fileURLToPath(await compiledScript('pythonHost'));
    const pyodideUrl = pathToFileURL(join(pyodideDir, 'pyodide.mjs')).href;
    return spawn(process.execPath, [...nodeFlags(script), script, pyodideUrl, mode], {
      env: {},
      stdio: [
        mode === 'restore' ? 'pipe' : 'ignore',
        mode === 'snapshot' ? 'pipe' : 'ignore',
        'ignore',
        'ipc',
      ],
      serialization: 'json',
    });
  }
}

const mebibytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MiB`;

/**
 * Node's permission model: the process may read Pyodide's files and its own script, and nothing
 * else; it may not write, start processes or threads, or load native addons.
 */
function nodeFlags(script: string): string[] {
  const permission = process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission';
  return [
    permission,
    `--allow-fs-read=${script}`,
    `--allow-fs-read=${pyodideDir}`,
    '--disallow-code-generation-from-strings',
    `--max-old-space-size=${JS_HEAP_MB}`,
    '--no-warnings',
    '--wasm-tiering-budget=20000000',
  ];
}
