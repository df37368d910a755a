import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { compiledScript } from './compiledScript.js';
import type {
  ExecDriver,
  ExecLimits,
  ExecRequest,
  ExecResult,
  LanguageInfo,
} from './ExecDriver.js';
import { PythonProcesses } from './PythonProcesses.js';
import { notCompiled, stripTypes } from './stripTypes.js';
import type { WorkerOptions, WorkerResult, WorkerRun } from './wasmWorker.js';

/** How long past its deadline a worker may take to stop by itself before it is terminated. */
const TERMINATE_GRACE_MS = 1000;
const STOPPED_EXIT_CODE = 137;
/**
 * V8's heap of a worker. It holds QuickJS's glue and a run's source (1 MiB at most) and output,
 * in lines already cut to the output limit inside QuickJS (wasmWorker.ts): no program can fill
 * it. Kept small all the same, since it is not bounded by the WebAssembly memory. (Node does not
 * always end only the worker at this limit: an allocation that cannot fail softly aborts the
 * process, which is why nothing a program does may be copied here unbounded.)
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 };
const quickjsVersion = (
  createRequire(import.meta.url)('quickjs-emscripten/package.json') as { version: string }
).version;

interface PooledWorker {
  worker: Worker;
  ready: Promise<void>;
  /** The run memory limit its WebAssembly memory was sized for. */
  memoryBytes: number;
}

/**
 * JavaScript and TypeScript in QuickJS (WebAssembly), each run in a worker thread, so a runaway
 * program costs one thread, never the event loop. A worker's WebAssembly memory cannot grow past
 * the run's memory limit (and QuickJS's few MiB), so a run grows the server by at most that. A
 * few workers are kept started; one that hit a limit, or whose memory a run left large, is
 * thrown away and replaced. Python runs in Pyodide, in processes of its own (`PythonProcesses`).
 */
export class WasmDriver implements ExecDriver {
  readonly id = 'wasm';
  private readonly idle: PooledWorker[] = [];
  private readonly busy = new Set<Worker>();
  private readonly python: PythonProcesses;
  private closed = false;

  /**
   * Workers start with the first run (most servers and tests never run code), then stay warm.
   * `warn` hears of a degraded start (Python without its snapshot).
   */
  constructor(
    private readonly poolSize = 2,
    warn?: (message: string) => void,
  ) {
    this.python = new PythonProcesses(poolSize, warn);
  }

  async languages(): Promise<LanguageInfo[]> {
    const version = `QuickJS (quickjs-emscripten ${quickjsVersion})`;
    return [
      { id: 'javascript', name: 'JavaScript', version, driver: this.id },
      { id: 'typescript', name: 'TypeScript', version, driver: this.id },
      { id: 'python', name: 'Python', version: await this.python.version(), driver: this.id },
    ];
  }

  async run(request: ExecRequest, limits: ExecLimits, signal?: AbortSignal): Promise<ExecResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    if (request.language === 'python')
      return this.python.run({ code: request.code, stdin: request.stdin, ...limits }, signal);
    let code = request.code;
    if (request.language === 'typescript') {
      const stripped = await stripTypes(code);
      if (!stripped.ok) {
        return notCompiled(stripped.stderr, elapsed());
      }
      code = stripped.code;
    }
    const { memoryBytes } = limits;
    // A worker's memory is sized when it starts: those made for another limit are let go.
    for (const pooled of this.idle.splice(0)) {
      if (pooled.memoryBytes === memoryBytes) this.idle.push(pooled);
      else this.retire(pooled);
    }
    const pooled = this.idle.shift() ?? this.spawn(memoryBytes);
    while (this.idle.length < this.poolSize - 1) this.idle.push(this.spawn(memoryBytes));
    await pooled.ready;
    const { stdout, stderr, exitCode, timedOut, truncated, spent } = await this.runOn(
      pooled.worker,
      { code, stdin: request.stdin, ...limits },
      signal,
    );
    if (spent || this.closed || this.idle.length >= this.poolSize) {
      void pooled.worker.terminate();
      if (!this.closed && this.idle.length < this.poolSize) this.idle.push(this.spawn(memoryBytes));
    } else this.idle.unshift(pooled);
    return { stdout, stderr, exitCode, timedOut, truncated, durationMs: elapsed() };
  }

  async close(): Promise<void> {
    this.closed = true;
    const starting = this.idle.splice(0);
    await Promise.all([
      this.python.close(),
      ...[...this.busy].map((worker) => worker.terminate()),
      ...starting.map((pooled) =>
        pooled.ready.then(
          () => pooled.worker.terminate(),
          () => undefined,
        ),
      ),
    ]);
  }

  private runOn(worker: Worker, run: WorkerRun, signal?: AbortSignal): Promise<WorkerResult> {
    this.busy.add(worker);
    return new Promise<WorkerResult>((resolve) => {
      const finish = (result: WorkerResult) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onFailure);
        worker.off('exit', onFailure);
        this.busy.delete(worker);
        resolve(result);
      };
      const stopped = (stderr: string, timedOut: boolean): WorkerResult => ({
        stdout: '',
        stderr,
        exitCode: STOPPED_EXIT_CODE,
        timedOut,
        truncated: false,
        spent: true,
      });
      const onMessage = (result: WorkerResult) => finish(result);
      const onFailure = (error?: unknown) =>
        finish(
          (error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? { ...stopped('InternalError: out of memory\n', false), exitCode: 1 }
            : stopped('The run stopped unexpectedly.\n', false),
        );
      // The hard stop: QuickJS's interrupt handler should end the run at its deadline; if it
      // cannot (a long call inside the engine), the thread goes.
      const timer = setTimeout(() => {
        finish(stopped(`Stopped: the run took longer than ${run.wallMs} ms.\n`, true));
        void worker.terminate();
      }, run.wallMs + TERMINATE_GRACE_MS);
      // Stopped by its member: the thread goes at once (what it printed is lost with it).
      const onAbort = () => {
        finish(stopped('', false));
        void worker.terminate();
      };
      worker.on('message', onMessage);
      worker.once('error', onFailure);
      worker.once('exit', onFailure);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage(run);
    });
  }

  private spawn(memoryBytes: number): PooledWorker {
    const ready = compiledScript('wasmWorker').then(
      (url) =>
        new Promise<Worker>((resolve, reject) => {
          const worker = new Worker(url, {
            workerData: { memoryBytes } satisfies WorkerOptions,
            resourceLimits: WORKER_HEAP,
          });
          worker.once('message', () => resolve(worker));
          worker.once('error', reject);
        }),
    );
    const pooled: PooledWorker = {
      memoryBytes,
      get worker(): Worker {
        if (!started) throw new Error('worker not started');
        return started;
      },
      ready: ready.then((worker) => {
        started = worker;
        worker.unref();
        if (this.closed) void worker.terminate();
      }),
    };
    let started: Worker | undefined;
    // A pooled worker that failed to start is noticed when it is used.
    pooled.ready.catch(() => {});
    return pooled;
  }

  private retire(pooled: PooledWorker): void {
    pooled.ready.then(
      () => void pooled.worker.terminate(),
      () => {},
    );
  }
}
