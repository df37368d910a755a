import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { transform } from 'esbuild';
import type {
  ExecDriver,
  ExecLimits,
  ExecRequest,
  ExecResult,
  LanguageInfo,
} from './ExecDriver.js';
import type { WorkerResult, WorkerRun } from './wasmWorker.js';

/** How long past its deadline a worker may take to stop by itself before it is terminated. */
const TERMINATE_GRACE_MS = 1000;
const STOPPED_EXIT_CODE = 137;
const quickjsVersion = (
  createRequire(import.meta.url)('quickjs-emscripten/package.json') as { version: string }
).version;

interface PooledWorker {
  worker: Worker;
  ready: Promise<void>;
}

/**
 * JavaScript and TypeScript in QuickJS (WebAssembly), each run in a worker thread, so a runaway
 * program costs one thread, never the event loop. A few workers are kept started; one that hit a
 * limit is thrown away and replaced.
 */
export class WasmDriver implements ExecDriver {
  readonly id = 'wasm';
  private readonly idle: PooledWorker[] = [];
  private readonly busy = new Set<Worker>();
  private workerUrl: Promise<URL> | undefined;
  private closed = false;

  /** Workers start with the first run (most servers and tests never run code), then stay warm. */
  constructor(private readonly poolSize = 2) {}

  async languages(): Promise<LanguageInfo[]> {
    const version = `QuickJS (quickjs-emscripten ${quickjsVersion})`;
    return [
      { id: 'javascript', name: 'JavaScript', version, driver: this.id },
      { id: 'typescript', name: 'TypeScript', version, driver: this.id },
    ];
  }

  async run(request: ExecRequest, limits: ExecLimits): Promise<ExecResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let code = request.code;
    if (request.language === 'typescript') {
      try {
        code = (await transform(code, { loader: 'ts', sourcefile: 'main.ts' })).code;
      } catch (error) {
        return {
          stdout: '',
          stderr: `${esbuildMessage(error)}\n`,
          exitCode: 1,
          timedOut: false,
          truncated: false,
          durationMs: elapsed(),
        };
      }
    }
    const pooled = this.idle.shift() ?? this.spawn();
    while (this.idle.length < this.poolSize - 1) this.idle.push(this.spawn());
    await pooled.ready;
    const { spent, ...result } = await this.runOn(pooled.worker, {
      code,
      stdin: request.stdin,
      ...limits,
    });
    if (spent || this.closed || this.idle.length >= this.poolSize) {
      void pooled.worker.terminate();
      if (!this.closed && this.idle.length < this.poolSize) this.idle.push(this.spawn());
    } else this.idle.unshift(pooled);
    return { ...result, durationMs: elapsed() };
  }

  async close(): Promise<void> {
    this.closed = true;
    const starting = this.idle.splice(0);
    await Promise.all([
      ...[...this.busy].map((worker) => worker.terminate()),
      ...starting.map((pooled) =>
        pooled.ready.then(
          () => pooled.worker.terminate(),
          () => undefined,
        ),
      ),
    ]);
  }

  private runOn(worker: Worker, run: WorkerRun): Promise<WorkerResult> {
    this.busy.add(worker);
    return new Promise<WorkerResult>((resolve) => {
      const finish = (result: WorkerResult) => {
        clearTimeout(timer);
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
      const onFailure = () => finish(stopped('The run stopped unexpectedly.\n', false));
      // The hard stop: QuickJS's interrupt handler should end the run at its deadline; if it
      // cannot (a long call inside the engine), the thread goes.
      const timer = setTimeout(() => {
        finish(stopped(`Stopped: the run took longer than ${run.wallMs} ms.\n`, true));
        void worker.terminate();
      }, run.wallMs + TERMINATE_GRACE_MS);
      worker.on('message', onMessage);
      worker.once('error', onFailure);
      worker.once('exit', onFailure);
      worker.postMessage(run);
    });
  }

  private spawn(): PooledWorker {
    this.workerUrl ??= workerUrl();
    const ready = this.workerUrl.then(
      (url) =>
        new Promise<Worker>((resolve, reject) => {
          const worker = new Worker(url);
          worker.once('message', () => resolve(worker));
          worker.once('error', reject);
        }),
    );
    const pooled: PooledWorker = {
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
}

/**
 * The worker's file: beside this one once built; from source (tests run TypeScript) it is
 * transpiled once into node_modules/.cache so that its package imports still resolve.
 */
async function workerUrl(): Promise<URL> {
  const built = new URL('./wasmWorker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  const source = fileURLToPath(new URL('./wasmWorker.ts', import.meta.url));
  const { code } = await transform(await readFile(source, 'utf8'), {
    loader: 'ts',
    format: 'esm',
  });
  const dir = join(process.cwd(), 'node_modules', '.cache', 'roomkit-exec');
  await mkdir(dir, { recursive: true });
  // Named by content and renamed into place, so parallel test processes share one file safely.
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(dir, `wasmWorker-${hash}.mjs`);
  if (!existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, code);
    await rename(temporary, file);
  }
  return pathToFileURL(file);
}

function esbuildMessage(error: unknown): string {
  const errors = (
    error as { errors?: { text: string; location?: { line: number; column: number } | null }[] }
  ).errors;
  if (!Array.isArray(errors) || errors.length === 0) return 'The TypeScript could not be compiled.';
  return errors
    .map((e) =>
      e.location
        ? `main.ts:${e.location.line}:${e.location.column + 1}: error: ${e.text}`
        : `error: ${e.text}`,
    )
    .join('\n');
}
