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
import { randomBytes } from 'node:crypto';
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
    const describe = installGlobals(context, run, write);
    const evaluated = context.evalCode(run.code, 'main.js');
    let error: QuickJSHandle | undefined;
    if (evaluated.error) error = evaluated.error;
    else {
      evaluated.value.dispose();
      const jobs = runtime.executePendingJobs();
      if (jobs.error) error = jobs.error;
    }
    let text: string | undefined;
    if (error && !out.truncated && !timedOut) {
      // Out of memory even for its own error object, QuickJS throws null.
      const described =
        exhausted() && context.eq(error, context.null)
          ? undefined
          : context.callFunction(describe, context.undefined, error);
      if (!described || described.error) {
        described?.error?.dispose();
        // Too little memory left even to describe the error (or the deadline passed meanwhile).
        if (!exhausted() && !timedOut) throw new Error('the error could not be described');
        text = OUT_OF_MEMORY;
      } else text = described.value.consume((handle) => context.getString(handle));
    }
    error?.dispose();
    describe.dispose();
    if (out.truncated || timedOut) {
      if (timedOut && !out.truncated)
        write('stderr', `\nStopped: the run took longer than ${run.wallMs} ms.\n`);
      return result(STOPPED_EXIT_CODE, true);
    }
    if (text === undefined) return result(0, false);
    write('stderr', text.endsWith('\n') ? text : `${text}\n`);
    // Running out of memory leaves the heap fragmented: a fresh worker is cheaper to trust.
    return result(1, /out of memory/i.test(text) || exhausted());
  }
}

/**
 * Sets up `console`, `stdin` and `readline()` for the program, and returns the function that
 * describes an uncaught error. Values are formatted inside QuickJS (`consoleSetup`), in the
 * program's own memory and time, and every line is cut to the output budget before it is
 * copied out: a huge value costs the program, never this thread's heap.
 */
function installGlobals(
  context: QuickJSContext,
  run: WorkerRun,
  write: (stream: 'stdout' | 'stderr', text: string) => void,
): QuickJSHandle {
  const setup = context.unwrapResult(
    context.evalCode(`(${consoleSetup.toString()})`, 'console.js'),
  );
  const writeLine = context.newFunction('write', (stream, line) => {
    write(context.getNumber(stream) === 1 ? 'stderr' : 'stdout', context.getString(line));
  });
  const args = [
    writeLine,
    context.newNumber(run.outputBytes),
    // Stands for a BigInt in the JSON of an object; random, so no string of the program matches.
    context.newString(`bigint-${randomBytes(12).toString('hex')}:`),
  ];
  const describe = context.unwrapResult(context.callFunction(setup, context.undefined, ...args));
  for (const handle of [setup, ...args]) handle.dispose();

  const stdinHandle = context.newString(run.stdin);
  context.setProp(context.global, 'stdin', stdinHandle);
  stdinHandle.dispose();
  // readline(): the next line of stdin without its newline, or null at the end (as in JS shells).
  const stdin = run.stdin;
  const lines = stdin.length === 0 ? [] : stdin.replace(/\r?\n$/, '').split(/\r?\n/);
  let next = 0;
  const readline = context.newFunction('readline', () => {
    const line = lines[next++];
    return line === undefined ? context.null : context.newString(line);
  });
  context.setProp(context.global, 'readline', readline);
  readline.dispose();
  return describe;
}

/**
 * Runs inside QuickJS, from its source text, before the program: it may use only its arguments
 * and JavaScript's built-ins, which it takes before the program can replace them. Installs
 * `console` (log, info and debug to stdout, error and warn to stderr; one line per call,
 * arguments joined by a space: strings as they are, objects as JSON with BigInts as `1n`, errors
 * as name, message and stack, anything else as `String()` gives it, a BigInt with its `n`) and
 * returns how an uncaught error is described. Every line it hands to `write` is at most `limit`
 * characters, the output budget: nothing longer is ever copied out of QuickJS.
 */
function consoleSetup(
  write: (stream: number, line: string) => void,
  limit: number,
  bigintMarker: string,
): (thrown: unknown) => string {
  const { stringify, parse } = JSON;
  const toText = String;
  const { apply } = Reflect;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- only ever applied to a string
  const { slice, replace } = String.prototype;
  const cut = (text: string, length = limit): string => apply(slice, text, [0, length]);
  const bigints = new RegExp(`"${bigintMarker}(-?\\d+)"`, 'g');
  const withBigints = (_key: string, value: unknown) =>
    typeof value === 'bigint' ? bigintMarker + toText(value) : value;

  const isErrorLike = (
    value: object,
  ): value is { name?: unknown; message: unknown; stack?: unknown } =>
    'message' in value && ('stack' in value || 'name' in value);
  const describeError = (error: { name?: unknown; message: unknown; stack?: unknown }) => {
    const name = typeof error.name === 'string' ? error.name : 'Error';
    const message = typeof error.message === 'string' ? error.message : format(error.message);
    const head = `${name}: ${message}`;
    return typeof error.stack === 'string' && error.stack.length > 0
      ? `${head}\n${error.stack}`
      : head;
  };
  const asJson = (value: object): string => {
    try {
      const json = stringify(value, withBigints) as string | undefined;
      // An object whose JSON is a string (a Date, a toJSON) shows as that string.
      if (json !== undefined)
        return json[0] === '"'
          ? (parse(json) as string)
          : (apply(replace, json, [bigints, '$1n']) as string);
    } catch {
      // A cycle, or a getter that throws: the object as String() shows it.
    }
    try {
      return toText(value);
    } catch {
      return '[object]';
    }
  };
  function format(value: unknown): string {
    if (typeof value === 'string') return value;
    if (typeof value === 'bigint') return `${toText(value)}n`;
    if (typeof value === 'object' && value !== null)
      return isErrorLike(value) ? describeError(value) : asJson(value);
    return toText(value);
  }
  // Each part is cut before it is joined: printing a huge string copies no more than fits.
  const line = (args: unknown[]) => {
    let text = '';
    for (let i = 0; i < args.length && text.length < limit; i++) {
      if (i > 0) text += ' ';
      text += cut(format(args[i]), limit - text.length);
    }
    return `${text}\n`;
  };
  const print = (stream: number, args: unknown[]) => {
    write(stream, line(args));
  };
  Reflect.set(globalThis, 'console', {
    log: (...args: unknown[]) => print(0, args),
    info: (...args: unknown[]) => print(0, args),
    debug: (...args: unknown[]) => print(0, args),
    error: (...args: unknown[]) => print(1, args),
    warn: (...args: unknown[]) => print(1, args),
  });
  return (thrown) => {
    let text: string;
    try {
      text =
        typeof thrown === 'object' && thrown !== null && isErrorLike(thrown)
          ? describeError(thrown)
          : `Uncaught ${format(thrown)}`;
    } catch {
      text = 'Uncaught exception';
    }
    return cut(text);
  };
}
