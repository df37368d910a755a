/**
 * One worker thread of the wasm driver: runs JavaScript in QuickJS, one run at a time. QuickJS has
 * no `process`, `require`, file system or network, and this file gives it none: the program sees
 * only `console`, `stdin` and `readline()`. The main thread terminates this thread if a run
 * outlives its deadline, so nothing here has to be trusted to stop.
 *
 * QuickJS's own memory limit does not hold in WebAssembly (its allocator cannot tell it the size
 * of a block, so a large array or string is counted as a few bytes). What bounds a run is the
 * module's memory: created here with a maximum of the run's limit and QuickJS's fixed part, so
 * the heap cannot grow past it and an allocation beyond it is QuickJS's "out of memory".
 *
 * This file imports nothing relative: in tests it is transpiled and started from source.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  newQuickJSWASMModule,
  newVariant,
  RELEASE_SYNC,
  type QuickJSContext,
  type QuickJSHandle,
} from 'quickjs-emscripten';

/** Given when the worker starts: its memory is sized once, for every run it will take. */
export interface WorkerOptions {
  memoryBytes: number;
}

export interface WorkerRun {
  code: string;
  stdin: string;
  wallMs: number;
  memoryBytes: number;
  outputBytes: number;
}

export interface WorkerResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
  /** A limit was hit, or the run left its memory large: the main thread discards this worker. */
  spent: boolean;
}

/** Exit code of a run stopped from outside (time or output), as a shell shows a killed process. */
const STOPPED_EXIT_CODE = 137;
const STACK_BYTES = 1024 * 1024;
const WASM_PAGE_BYTES = 65_536;
const MiB = 1024 * 1024;
/** The module's memory at start (its build's initial size); it cannot be given less. */
const INITIAL_BYTES = 16 * MiB;
/** What the module's memory holds besides the program's heap: QuickJS's stack and static data. */
const ENGINE_BYTES = 8 * MiB;
/**
 * WebAssembly memory never shrinks: a worker whose memory a run grew past this is replaced
 * rather than kept idle holding it.
 */
const KEPT_BYTES = 32 * MiB;
const OUT_OF_MEMORY = 'InternalError: out of memory';

/** The part of WebAssembly.Memory used here (the server's build has no DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
const { Memory } = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (size: { initial: number; maximum: number }) => WasmMemory };
  }
).WebAssembly;

const port = parentPort;
if (!port) throw new Error('wasmWorker runs only as a worker thread');
const { memoryBytes } = workerData as WorkerOptions;
const maximumBytes =
  Math.ceil(Math.max(INITIAL_BYTES, memoryBytes + ENGINE_BYTES) / WASM_PAGE_BYTES) *
  WASM_PAGE_BYTES;
const memory = new Memory({
  initial: INITIAL_BYTES / WASM_PAGE_BYTES,
  maximum: maximumBytes / WASM_PAGE_BYTES,
});
const quickjs = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
port.on('message', (run: WorkerRun) => port.postMessage(execute(run)));
port.postMessage('ready');

/**
 * Emscripten grows the memory by at least a twentieth of its size at a time: below that much
 * room, an allocation that does not fit has failed for want of memory.
 */
function exhausted(): boolean {
  const size = memory.buffer.byteLength;
  return size + size / 20 > maximumBytes;
}

function execute(run: WorkerRun): WorkerResult {
  const out = { stdout: '', stderr: '', bytes: 0, truncated: false };
  const deadline = Date.now() + run.wallMs;
  let timedOut = false;
  const write = (stream: 'stdout' | 'stderr', text: string) => {
    if (out.truncated) return;
    const bytes = Buffer.byteLength(text);
    if (out.bytes + bytes <= run.outputBytes) {
      out[stream] += text;
      out.bytes += bytes;
      return;
    }
    // Keep what fits, cut on a character boundary, and stop the program at its next check.
    const room = run.outputBytes - out.bytes;
    const cut = Buffer.from(text)
      .subarray(0, room)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    out[stream] += cut;
    out.bytes += Buffer.byteLength(cut);
    out.truncated = true;
  };
  const result = (exitCode: number, spent: boolean): WorkerResult => ({
    stdout: out.stdout,
    stderr: out.stderr,
    exitCode,
    timedOut,
    truncated: out.truncated,
    spent: spent || memory.buffer.byteLength > KEPT_BYTES,
  });

  const runtime = quickjs.newRuntime();
  // Counts only what QuickJS can measure (many small objects); the memory's maximum bounds the rest.
  runtime.setMemoryLimit(run.memoryBytes);
  runtime.setMaxStackSize(STACK_BYTES);
  runtime.setInterruptHandler(() => {
    if (Date.now() > deadline) timedOut = true;
    return timedOut || out.truncated;
  });
  const context = runtime.newContext();
  let ended: WorkerResult;
  try {
    ended = evaluate();
  } catch {
    // The engine itself failed: at the memory's maximum, an allocation it could not survive.
    if (exhausted()) {
      write('stderr', `${OUT_OF_MEMORY}\n`);
      return result(1, true);
    }
    write('stderr', 'The run stopped unexpectedly.\n');
    return result(STOPPED_EXIT_CODE, true);
  }
  // A spent worker is thrown away whole; after running out of memory, freeing piece by piece
  // can trip QuickJS's own checks.
  if (!ended.spent) {
    try {
      context.dispose();
      runtime.dispose();
    } catch {
      ended.spent = true;
    }
  }
  return ended;

  function evaluate(): WorkerResult {
    installGlobals(context, run.stdin, write);
    const evaluated = context.evalCode(run.code, 'main.js');
    let error: QuickJSHandle | undefined;
    if (evaluated.error) error = evaluated.error;
    else {
      evaluated.value.dispose();
      const jobs = runtime.executePendingJobs();
      if (jobs.error) error = jobs.error;
    }
    if (out.truncated || timedOut) {
      error?.dispose();
      if (timedOut && !out.truncated)
        write('stderr', `\nStopped: the run took longer than ${run.wallMs} ms.\n`);
      return result(STOPPED_EXIT_CODE, true);
    }
    if (error) {
      let text: string;
      try {
        text = describeError(context.dump(error));
        error.dispose();
      } catch {
        // Too little memory left even to read the error.
        if (!exhausted()) throw new Error('the error could not be read');
        text = OUT_OF_MEMORY;
      }
      write('stderr', text.endsWith('\n') ? text : `${text}\n`);
      // Running out of memory leaves the heap fragmented: a fresh worker is cheaper to trust.
      return result(1, /out of memory/i.test(text) || exhausted());
    }
    return result(0, false);
  }
}

function installGlobals(
  context: QuickJSContext,
  stdin: string,
  write: (stream: 'stdout' | 'stderr', text: string) => void,
) {
  const consoleObject = context.newObject();
  const streams = {
    log: 'stdout',
    info: 'stdout',
    debug: 'stdout',
    error: 'stderr',
    warn: 'stderr',
  } as const;
  for (const [name, stream] of Object.entries(streams)) {
    const fn = context.newFunction(name, (...args) => {
      write(stream, args.map((arg) => formatValue(context, arg)).join(' ') + '\n');
    });
    context.setProp(consoleObject, name, fn);
    fn.dispose();
  }
  context.setProp(context.global, 'console', consoleObject);
  consoleObject.dispose();

  const stdinHandle = context.newString(stdin);
  context.setProp(context.global, 'stdin', stdinHandle);
  stdinHandle.dispose();
  // readline(): the next line of stdin without its newline, or null at the end (as in JS shells).
  const lines = stdin.length === 0 ? [] : stdin.replace(/\r?\n$/, '').split(/\r?\n/);
  let next = 0;
  const readline = context.newFunction('readline', () => {
    const line = lines[next++];
    return line === undefined ? context.null : context.newString(line);
  });
  context.setProp(context.global, 'readline', readline);
  readline.dispose();
}

function formatValue(context: QuickJSContext, handle: QuickJSHandle): string {
  if (context.typeof(handle) === 'string') return context.getString(handle);
  const value: unknown = context.dump(handle);
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    if (isErrorLike(value)) return describeError(value);
    try {
      return JSON.stringify(value);
    } catch {
      return '[object]';
    }
  }
  // dump() yields only JSON-like values: what is left is a number, boolean or null.
  return JSON.stringify(value) ?? 'undefined';
}

function isErrorLike(
  value: object,
): value is { name?: unknown; message: unknown; stack?: unknown } {
  return 'message' in value && ('stack' in value || 'name' in value);
}

function describeError(value: unknown): string {
  if (typeof value === 'object' && value !== null && isErrorLike(value)) {
    const name = typeof value.name === 'string' ? value.name : 'Error';
    const message =
      typeof value.message === 'string' ? value.message : JSON.stringify(value.message);
    const head = `${name}: ${message}`;
    return typeof value.stack === 'string' && value.stack.length > 0
      ? `${head}\n${value.stack}`
      : head;
  }
  return `Uncaught ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}
