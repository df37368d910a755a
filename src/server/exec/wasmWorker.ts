/**
 * One worker thread of the wasm driver: runs JavaScript in QuickJS, one run at a time. QuickJS has
 * no `process`, `require`, file system or network, and this file gives it none: the program sees
 * only `console`, `stdin` and `readline()`. The main thread terminates this thread if a run
 * outlives its deadline, so nothing here has to be trusted to stop.
 *
 * This file imports nothing relative: in tests it is transpiled and started from source.
 */
import { parentPort } from 'node:worker_threads';
import { getQuickJS, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';

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
  /** A limit was hit: the main thread discards this worker rather than reuse it. */
  spent: boolean;
}

/** Exit code of a run stopped from outside (time or output), as a shell shows a killed process. */
const STOPPED_EXIT_CODE = 137;
const STACK_BYTES = 1024 * 1024;

const port = parentPort;
if (!port) throw new Error('wasmWorker runs only as a worker thread');
const quickjs = await getQuickJS();
port.on('message', (run: WorkerRun) => port.postMessage(execute(run)));
port.postMessage('ready');

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

  const runtime = quickjs.newRuntime();
  runtime.setMemoryLimit(run.memoryBytes);
  runtime.setMaxStackSize(STACK_BYTES);
  runtime.setInterruptHandler(() => {
    if (Date.now() > deadline) timedOut = true;
    return timedOut || out.truncated;
  });
  const context = runtime.newContext();
  try {
    installGlobals(context, run.stdin, write);
    const result = context.evalCode(run.code, 'main.js');
    let error: QuickJSHandle | undefined;
    if (result.error) error = result.error;
    else {
      result.value.dispose();
      const jobs = runtime.executePendingJobs();
      if (jobs.error) error = jobs.error;
    }
    if (out.truncated || timedOut) {
      error?.dispose();
      if (timedOut && !out.truncated)
        write('stderr', `\nStopped: the run took longer than ${run.wallMs} ms.\n`);
      return { ...out, exitCode: STOPPED_EXIT_CODE, timedOut, spent: true };
    }
    if (error) {
      const dumped: unknown = context.dump(error);
      error.dispose();
      const text = describeError(dumped);
      write('stderr', text.endsWith('\n') ? text : `${text}\n`);
      // Running out of memory leaves the heap fragmented: a fresh worker is cheaper to trust.
      return { ...out, exitCode: 1, timedOut: false, spent: /out of memory/i.test(text) };
    }
    return { ...out, exitCode: 0, timedOut: false, spent: false };
  } finally {
    context.dispose();
    runtime.dispose();
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
