import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledScript } from './compiledScript.js';
import type { HostMessage, PythonResult, PythonRun } from './pythonHost.js';

/** How long past its deadline a process may take to answer by itself before it is killed. */
const KILL_GRACE_MS = 1000;
const STOPPED_EXIT_CODE = 137;
/** JavaScript heap of a Python process; Python's own objects live in WebAssembly memory. */
const JS_HEAP_MB = 256;

const pyodideDir = dirname(createRequire(import.meta.url).resolve('pyodide/package.json'));

interface Warm {
  /** The process, once it is running. */
  child: ChildProcess | undefined;
  ready: Promise<void>;
}

/**
 * Python (Pyodide) for the wasm driver: each run gets a process of its own that loaded Pyodide
 * in advance, and the process ends with the run, so a run starts from a fresh interpreter
 * without paying for the load. Why a process and not a thread: Node's permission model, an
 * empty environment and the code-generation switch apply per process, and Pyodide reaches
 * `child_process`, the file system and sockets from inside its runtime (see pythonHost.ts).
 */
export class PythonProcesses {
  private readonly warm: Warm[] = [];
  private readonly running = new Set<ChildProcess>();
  private versionText: Promise<string> | undefined;
  private closed = false;

  /** Processes start with the first Python run (most servers never run Python), then stay warm. */
  constructor(private readonly poolSize: number) {}

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

  async run(run: PythonRun): Promise<PythonResult> {
    if (this.closed) throw new Error('the Python processes are closed');
    const next = this.warm.shift() ?? this.start();
    // Refilled once this run's process is up: on a small machine, loads compete for the cores.
    await next.ready.finally(() => this.refill());
    if (!next.child || this.closed) throw new Error('the Python processes are closed');
    return this.runOn(next.child, run);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const child of this.running) child.kill('SIGKILL');
    this.running.clear();
    // One still starting is killed as soon as it exists (see start()).
    for (const warm of this.warm.splice(0)) warm.child?.kill('SIGKILL');
  }

  private refill(): void {
    while (!this.closed && this.warm.length < this.poolSize) this.warm.push(this.start());
  }

  private runOn(child: ChildProcess, run: PythonRun): Promise<PythonResult> {
    this.running.add(child);
    return new Promise<PythonResult>((resolve) => {
      const finish = (result: PythonResult) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        this.running.delete(child);
        child.kill('SIGKILL');
        resolve(result);
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
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(run);
    });
  }

  private start(): Warm {
    const warm: Warm = { child: undefined, ready: Promise.resolve() };
    warm.ready = compiledScript('pythonHost').then(
      (url) =>
        new Promise<void>((resolve, reject) => {
          const script = fileURLToPath(url);
          const pyodideUrl = pathToFileURL(join(pyodideDir, 'pyodide.mjs')).href;
          const started = spawn(process.execPath, [...nodeFlags(script), script, pyodideUrl], {
            env: {},
            stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
            serialization: 'json',
          });
          warm.child = started;
          started.unref();
          started.channel?.unref();
          if (this.closed) started.kill('SIGKILL');
          started.once('message', (message: HostMessage) => {
            if (message.type === 'ready') resolve();
          });
          started.once('exit', () => reject(new Error('the Python process did not start')));
        }),
    );
    // A process that failed to start is noticed when it is used.
    warm.ready.catch(() => {});
    return warm;
  }
}

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
  ];
}
