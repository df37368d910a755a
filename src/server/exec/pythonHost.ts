/**
 * One Python process of the wasm driver: loads Pyodide (CPython in WebAssembly), waits for one
 * run, answers with its result and exits, so no run ever sees another's variables, modules or
 * files. It loads from a memory snapshot of a freshly started interpreter, which another process
 * of this file made once (see `HostMode`), so the fresh start of every run costs a fraction of a
 * load. The driver starts it with an empty environment, Node's permission model (it may read
 * only Pyodide's files and this script: no other file, no writing, no child processes, no
 * threads, no native addons) and code generation from strings turned off, and kills it if a
 * run outlives its deadline; this file takes away what is left before the program runs: the
 * `js` module is an empty object, Pyodide's API object loses its loaders and internals, and
 * sockets, `fetch`, process control and `child_process` fail.
 *
 * This file imports nothing relative: in tests it is transpiled and started from source.
 */
import childProcess from 'node:child_process';
import dgram from 'node:dgram';
import { constants as fsConstants } from 'node:fs';
import net from 'node:net';
import { buffer } from 'node:stream/consumers';
import type { loadPyodide as LoadPyodide, PyodideAPI } from 'pyodide';

export interface PythonRun {
  code: string;
  stdin: string;
  wallMs: number;
  memoryBytes: number;
  outputBytes: number;
}

export interface PythonResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
}

/**
 * `snapshot`: load Pyodide, define the runner, write a memory snapshot of that state to stdout
 * and exit (no program ever runs in it). `restore`: load from the snapshot read from stdin,
 * which is several times faster than a load. `fresh`: load from Pyodide's files (when no
 * snapshot could be made).
 */
export type HostMode = 'snapshot' | 'restore' | 'fresh';

export type HostMessage =
  { type: 'ready'; version: string } | { type: 'result'; result: PythonResult };

/** Exit code of a run stopped from outside (time or output), as a shell shows a killed process. */
const STOPPED_EXIT_CODE = 137;
const SIGINT = 2;
const WASM_PAGE_BYTES = 65_536;
const MAIN_FILE = '/home/pyodide/main.py';

/**
 * Runs main.py as `__main__` in a namespace of its own and returns the exit code Python would
 * give: SystemExit's code, or 1 with the traceback (without this runner's frame) on stderr.
 * Defined while the process loads (and kept in the snapshot), so a run only calls it.
 */
const PRELOAD = `
import sys, traceback

def _roomkit_run():
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(write_through=True)
    with open(${JSON.stringify(MAIN_FILE)}, encoding="utf-8") as file:
        source = file.read()
    namespace = {"__name__": "__main__", "__file__": ${JSON.stringify(MAIN_FILE)}, "__builtins__": __builtins__}
    try:
        exec(compile(source, ${JSON.stringify(MAIN_FILE)}, "exec"), namespace)
        return 0
    except SystemExit as stop:
        if stop.code is None:
            return 0
        if isinstance(stop.code, int):
            return stop.code & 0xFF
        print(stop.code, file=sys.stderr)
        return 1
    except BaseException as error:
        # What the program held is let go first: a MemoryError needs room for its traceback.
        namespace.clear()
        trace = error.__traceback__.tb_next if error.__traceback__ else None
        traceback.print_exception(type(error), error, trace)
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
`;
const RUN = '_roomkit_run()';

const send = process.send?.bind(process);
if (!send) throw new Error('pythonHost runs only as a child process with an IPC channel');
const [pyodideUrl, mode] = process.argv.slice(2) as [string | undefined, HostMode | undefined];
if (!pyodideUrl || !mode) throw new Error('usage: pythonHost <URL of pyodide.mjs> <mode>');
// Emscripten names the program after argv[1] (os.environ["_"]): no host path for Python to see.
process.argv.splice(1);

// Pyodide's memory is exported by its module, so its maximum cannot be lowered; Emscripten grows
// it through this method, and a refusal becomes a MemoryError in Python.
let memoryLimit = Number.POSITIVE_INFINITY;
// The process as a whole (what Pyodide copies out of WebAssembly memory too) is held to the limit
// from inside as well, between bytecodes: the server's own watch on it polls from another
// process, whose event loop may be busy. Kept before lockDown() empties `process`.
const residentBytes = process.memoryUsage.rss.bind(process.memoryUsage);
/** How often, at most, a run reads its resident memory. */
const MEMORY_CHECK_MS = 2;
/**
 * Python reads the interrupt buffer once every so many ticks of its eval breaker (a loop's turn,
 * a call): 50 unless told otherwise, its own default, kept as the most.
 */
const MOST_TICKS_BETWEEN_READS = 50;
/** How long a run should go, about, between two reads of the interrupt buffer. */
const READ_EVERY_MS = 1;
/** The part of WebAssembly.Memory used here (the server's build has no DOM typings). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}
const { Memory } = (globalThis as unknown as { WebAssembly: { Memory: { prototype: WasmMemory } } })
  .WebAssembly;
const grow = Memory.prototype.grow; // eslint-disable-line @typescript-eslint/unbound-method
Memory.prototype.grow = function (this: WasmMemory, delta: number) {
  if (this.buffer.byteLength + delta * WASM_PAGE_BYTES > memoryLimit)
    throw new RangeError('memory limit reached');
  return grow.call(this, delta);
};

// Emscripten's host file system asks process.binding for the open() flags while starting, and
// the permission model refuses process.binding: it gets the same constants from node:fs.
const binding = Reflect.get(process, 'binding') as (name: string) => unknown;
Reflect.set(process, 'binding', (name: string) =>
  name === 'constants' ? { fs: fsConstants } : binding.call(process, name),
);

const { loadPyodide } = (await import(pyodideUrl)) as { loadPyodide: typeof LoadPyodide };
const indexURL = new URL('.', pyodideUrl).pathname;
const pyodide = await loadPyodide({
  indexURL,
  packageCacheDir: indexURL,
  jsglobals: Object.freeze(Object.create(null) as object),
  env: { HOME: '/home/pyodide' },
  stdout: () => {},
  stderr: () => {},
  ...(mode === 'snapshot' ? { _makeSnapshot: true } : {}),
  ...(mode === 'restore' ? { _loadSnapshot: await buffer(process.stdin) } : {}),
});
if (mode === 'snapshot') {
  pyodide.runPython(PRELOAD);
  const snapshot = pyodide.makeMemorySnapshot();
  process.stdout.write(snapshot, () => process.exit(0));
} else {
  if (mode === 'fresh') pyodide.runPython(PRELOAD);
  // Everything seeded while the snapshot was made would repeat in every run: the random module
  // is seeded again from the system's entropy (str hashes keep the snapshot's seed).
  pyodide.runPython('import random; random.seed()');
  const version = pyodide.runPython('sys.version.split()[0]') as string;
  const runtime = lockDown(pyodide);
  process.once('message', (run: PythonRun) => {
    const message: HostMessage = { type: 'result', result: execute(runtime, run) };
    send(message, () => process.exit(0));
  });
  send({ type: 'ready', version } satisfies HostMessage);
}

/** What this file keeps of Pyodide's API once the program's view of it has been emptied. */
type Runtime = Pick<
  PyodideAPI,
  'runPython' | 'setStdin' | 'setStdout' | 'setStderr' | 'setInterruptBuffer'
> & {
  writeFile: (path: string, data: string) => void;
  /** Python reads the interrupt buffer next after this many ticks of its eval breaker. */
  readInterruptEvery: (ticks: number) => void;
};

function execute(runtime: Runtime, run: PythonRun): PythonResult {
  const chunks: Record<'stdout' | 'stderr', Uint8Array[]> = { stdout: [], stderr: [] };
  let bytes = 0;
  let truncated = false;
  let timedOut = false;
  let outOfMemory = false;
  const deadline = Date.now() + run.wallMs;
  const memoryCeiling = residentBytes() + run.memoryBytes;
  let nextMemoryCheck = 0;
  const stopped = () => {
    const now = Date.now();
    if (!timedOut && now > deadline) timedOut = true;
    if (!outOfMemory && now >= nextMemoryCheck) {
      nextMemoryCheck = now + MEMORY_CHECK_MS;
      outOfMemory = residentBytes() > memoryCeiling;
    }
    return timedOut || truncated || outOfMemory;
  };
  const writer = (stream: 'stdout' | 'stderr') => ({
    write(buffer: Uint8Array): number {
      // After a stop nothing more is kept: what follows is the KeyboardInterrupt it caused.
      if (stopped()) return buffer.length;
      const room = run.outputBytes - bytes;
      const kept = buffer.length <= room ? buffer : buffer.subarray(0, room);
      chunks[stream].push(kept.slice());
      bytes += kept.length;
      if (kept.length < buffer.length) truncated = true;
      return buffer.length;
    },
  });
  // Python reads this "interrupt buffer" every few bytecodes; reading it checks the clock, the
  // output and the memory, so a stop needs no second thread. Cleared (set to 0) by Python, it
  // stays set.
  // Ticks differ in length by thousands of times: a fraction of a microsecond in a plain loop,
  // tens of milliseconds in one that copies ten megabytes out of WebAssembly memory each turn,
  // where 50 ticks let the process grow by some 160 MB between two reads. So each read sets how
  // many ticks come before the next from how long the last ones took: a slow program is read
  // about every READ_EVERY_MS, a fast one as seldom as before (a read is a call out of
  // WebAssembly, which a plain loop would feel). What this cannot foresee is the first stretch
  // of slow ticks after fast ones: that is up to 50 ticks, as before, and the server's watch on
  // the process is there for it.
  let ticks = MOST_TICKS_BETWEEN_READS;
  let lastRead = performance.now();
  const interrupt = {
    get 0() {
      const now = performance.now();
      const ticksPerMs = ticks / Math.max(now - lastRead, Number.EPSILON);
      ticks = Math.min(
        MOST_TICKS_BETWEEN_READS,
        Math.max(1, Math.floor(ticksPerMs * READ_EVERY_MS)),
      );
      lastRead = now;
      runtime.readInterruptEvery(ticks);
      return stopped() ? SIGINT : 0;
    },
    set 0(_value: number) {},
  };
  const input = Buffer.from(run.stdin);
  let read = 0;
  runtime.setStdin({
    read(buffer: Uint8Array): number {
      const n = input.copy(buffer, 0, read);
      read += n;
      return n;
    },
  });
  runtime.setStdout(writer('stdout'));
  runtime.setStderr(writer('stderr'));
  runtime.setInterruptBuffer(interrupt as unknown as Int8Array);
  runtime.writeFile(MAIN_FILE, run.code);

  let exitCode: number;
  memoryLimit = run.memoryBytes;
  try {
    exitCode = runtime.runPython(RUN) as number;
  } catch (error) {
    // Pyodide itself failed (a stack overflow inside the interpreter, os._exit): the process
    // is spent anyway, so the run just ends with what it had written.
    const status = (error as { status?: unknown }).status;
    exitCode = typeof status === 'number' ? status : 1;
    if (typeof status !== 'number') writer('stderr').write(Buffer.from(`${describe(error)}\n`));
  }
  const text = (stream: 'stdout' | 'stderr') =>
    Buffer.concat(chunks[stream])
      .toString('utf8')
      .replace(/\uFFFD$/, '');
  if (outOfMemory && !timedOut && !truncated) {
    // Failing as Python would have, with what the program wrote before.
    const limit = `${Math.round(run.memoryBytes / (1024 * 1024))} MiB`;
    return {
      stdout: text('stdout'),
      stderr: `${text('stderr')}MemoryError: the run used more than its ${limit} of memory and was stopped\n`,
      exitCode: 1,
      timedOut: false,
      truncated: false,
    };
  }
  const result = {
    stdout: text('stdout'),
    stderr: text('stderr'),
    exitCode: timedOut || truncated ? STOPPED_EXIT_CODE : exitCode,
    timedOut,
    truncated,
  };
  if (timedOut && !truncated)
    result.stderr += `\nStopped: the run took longer than ${run.wallMs} ms.\n`;
  return result;
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /maximum call stack/i.test(text)
    ? 'RecursionError: the Python interpreter ran out of stack'
    : `The Python runtime stopped: ${text.split('\n')[0]}`;
}

/**
 * Empties what a Python program can reach of JavaScript: Pyodide's API object (the
 * `pyodide_js` module) keeps only harmless members, Emscripten's sockets and Node's sockets
 * refuse to connect or listen, `os.system` finds no shell, and the process and global scope
 * lose their capabilities. Returns what this file itself needs to run the program.
 */
function lockDown(api: PyodideAPI): Runtime {
  const fs = Reflect.get(api, 'FS') as {
    writeFile: (path: string, data: string) => void;
    ErrnoError: new (errno: number) => Error;
  };
  const module = Reflect.get(api, '_module') as {
    SOCKFS: { websocket_sock_ops: Record<string, unknown> };
    /** The WebAssembly memory as 32-bit integers; replaced when the memory grows. */
    HEAP32: Int32Array;
    /** Where in that memory CPython keeps its countdown to the next read of the buffer. */
    __Py_emscripten_signal_clock?: number;
  };
  const signalClock = module.__Py_emscripten_signal_clock;
  const runtime: Runtime = {
    runPython: api.runPython.bind(api),
    setStdin: api.setStdin.bind(api),
    setStdout: api.setStdout.bind(api),
    setStderr: api.setStderr.bind(api),
    setInterruptBuffer: api.setInterruptBuffer.bind(api),
    writeFile: (path, data) => fs.writeFile(path, data),
    // A Pyodide that does not export the countdown keeps Python's own interval.
    readInterruptEvery: (ticks) => {
      if (signalClock) module.HEAP32[signalClock >> 2] = ticks;
    },
  };
  const accessDenied = api.ERRNO_CODES.EACCES!;
  const refused = () => {
    throw new fs.ErrnoError(accessDenied);
  };
  for (const op of ['createPeer', 'connect', 'listen', 'sendmsg'])
    module.SOCKFS.websocket_sock_ops[op] = refused;

  const kept = new Set(['version', 'pyimport', 'ffi', 'toPy', 'PythonError']);
  for (const key of Reflect.ownKeys(api))
    if (typeof key !== 'string' || !kept.has(key)) Reflect.deleteProperty(api, key);

  const denied = (what: string) => () => {
    throw new Error(`${what} is not available to programs`);
  };
  net.Socket.prototype.connect = denied('net.Socket.connect');
  net.Server.prototype.listen = denied('net.Server.listen');
  for (const method of ['bind', 'connect', 'send'] as const)
    dgram.Socket.prototype[method] = denied(`dgram.Socket.${method}`);
  // os.system(): as if there were no shell (the permission model refuses the spawn anyway).
  childProcess.spawnSync = (() => ({ status: 127, signal: null })) as never;

  for (const name of [
    'fetch',
    'WebSocket',
    'EventSource',
    'XMLHttpRequest',
    'require',
    'navigator',
    'BroadcastChannel',
  ])
    Reflect.deleteProperty(globalThis, name);
  for (const name of [
    'binding',
    '_linkedBinding',
    'dlopen',
    'getBuiltinModule',
    'kill',
    'chdir',
    '_getActiveHandles',
    '_getActiveRequests',
    'setuid',
    'setgid',
    'seteuid',
    'setegid',
    'setgroups',
  ])
    Reflect.set(process, name, denied(`process.${name}`));
  process.env = {};
  return runtime;
}
