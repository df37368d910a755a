/**
 * A run's memory limit bounds the process it runs in (API.md, "Code execution"): a program that
 * allocates without end gets the out-of-memory result, and meanwhile the server — and for
 * Python the run's own process — grows by no more than the limit and a little. Runs go through
 * the real HTTP API at the default limits; RSS is sampled while they run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { api, roomWith, startServer, waitFor } from '../../../test/helpers.js';
import { defaultExecOptions } from './ExecService.js';
import { residentBytes } from './watchMemory.js';

const MiB = 1024 * 1024;
const LIMIT = defaultExecOptions.memoryBytes;
/**
 * What a run may cost the server besides its own heap: the engine's fixed part, the worker
 * started to replace a spent one, and the noise of the test's own allocations.
 */
const MARGIN = 48 * MiB;

/** Arrays of numbers, strings and typed arrays: each allocated in blocks QuickJS cannot count. */
const javascriptHogs = [
  'const a = []; for (;;) a.push(new Array(1e6).fill(1.5));',
  "const a = []; for (;;) a.push('x'.repeat(1e6) + a.length);",
  'const a = []; for (;;) a.push(new Float64Array(1e6));',
];
const javascriptHog = javascriptHogs[0]!;
/** Python's objects live in WebAssembly memory, whose growth past the limit is refused. */
const pythonHogs = ['a = []\nwhile True: a.append(bytearray(10**7))', '[1.5] * 10**9'];
/**
 * What `to_js` makes of Python's objects lives outside WebAssembly memory, in the process's
 * own buffers: only the watch on the process's resident memory stops this one.
 */
const pythonHogOutsideWasm =
  'from pyodide.ffi import to_js\na = []\nwhile True: a.append(to_js(bytearray(10**7)))';

/** Linux exposes processes' memory in /proc, which the watch on Python processes reads. */
const hasProc = existsSync('/proc/self/status');

async function start() {
  const server = await startServer();
  const { room, members } = await roomWith(server, 'Mallory');
  const run = (language: string, code: string) =>
    api(server, 'POST', `/api/rooms/${room.id}/exec`, {
      token: members[0]!.token,
      body: { language, code },
    });
  return { server, run };
}

/** This process's Python processes (the wasm driver's, by their script's name). */
async function pythonProcesses(): Promise<number[]> {
  const tasks = await readdir('/proc/self/task');
  const children = await Promise.all(
    tasks.map((task) => readFile(`/proc/self/task/${task}/children`, 'utf8').catch(() => '')),
  );
  const pids = children.join(' ').split(/\s+/).filter(Boolean).map(Number);
  const named = await Promise.all(
    pids.map(async (pid) => {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      return cmdline.includes('pythonHost') ? pid : undefined;
    }),
  );
  return named.filter((pid) => pid !== undefined);
}

/**
 * Samples this process's RSS, and the RSS of its Python processes, every few milliseconds until
 * `work` settles: the peaks, and each Python process's first and highest sample. The first
 * sample is taken before `work` starts, so every process that was waiting for a run is in it.
 */
async function sampled<T>(work: () => Promise<T>) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const python = new Map<number, { first: number; peak: number }>();
  const sample = async () => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (!hasProc) return;
    for (const pid of await pythonProcesses()) {
      const rss = await residentBytes(pid);
      if (rss === undefined) continue;
      const seen = python.get(pid);
      if (seen) seen.peak = Math.max(seen.peak, rss);
      else python.set(pid, { first: rss, peak: rss });
    }
  };
  await sample();
  let sampling = true;
  const loop = (async () => {
    while (sampling) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  try {
    const result = await work();
    return { result, growth: peak - before, python };
  } finally {
    sampling = false;
    await loop;
  }
}

/** Waits until the Python processes started in advance are loaded: their RSS holds still. */
async function pythonSettled(count: number): Promise<void> {
  let last = '';
  await waitFor(
    async () => {
      const pids = (await pythonProcesses()).sort();
      const sizes = await Promise.all(pids.map(residentBytes));
      const now = sizes.map((size) => Math.round((size ?? 0) / MiB)).join(',');
      const still = pids.length >= count && now === last;
      last = now;
      if (!still) await new Promise((resolve) => setTimeout(resolve, 250));
      return still;
    },
    60_000,
    'the Python processes to load',
  );
}

const mib = (bytes: number) => `${Math.round(bytes / MiB)} MiB`;

/** `residentBytes` read at once, for a loop that keeps the event loop from running. */
function residentBytesNow(pid: number): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  // An ended process not yet reaped (a zombie) has no resident memory line.
  const kilobytes = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  return kilobytes ? Number(kilobytes) * 1024 : undefined;
}

/** Python's out-of-memory failure: the interpreter's `MemoryError`, or the process stopped for it. */
function expectMemoryError(body: any) {
  expect(body).toMatchObject({ exitCode: 1, timedOut: false, truncated: false });
  expect(body.stderr).toMatch(/^MemoryError\b/m);
}

/**
 * The processes that ran (those waiting when sampling began, gone once their run ended: a
 * process ends with its run) grew by less than the limit and a margin.
 */
async function expectRunProcessesBounded(
  python: Map<number, { first: number; peak: number }>,
  runs: number,
) {
  const ran = await waitFor(async () => {
    const alive = await pythonProcesses();
    const gone = [...python.keys()].filter((pid) => !alive.includes(pid));
    return gone.length >= runs && gone;
  });
  for (const pid of ran) {
    const { first, peak } = python.get(pid)!;
    expect(peak - first, `a run's process grew by ${mib(peak - first)}`).toBeLessThan(
      LIMIT + MARGIN,
    );
  }
}

// The runs wait out the memory limit (or before the fix, the wall time) and start fresh workers
// or processes; a loaded machine needs room for that.
describe('the memory limit bounds the process a run uses', { timeout: 120_000 }, () => {
  it.each(javascriptHogs)(
    'ends the JavaScript memory hog %j with out of memory; the server grows by less than the limit',
    async (hog) => {
      const { run } = await start();
      // The workers start with the first run; only the hog's growth is measured.
      expect((await run('javascript', 'console.log(1)')).body.stdout).toBe('1\n');
      const { result, growth } = await sampled(() => run('javascript', hog));
      expect(result.body).toMatchObject({ exitCode: 1, timedOut: false, truncated: false });
      expect(result.body.stderr).toMatch(/^InternalError: out of memory/);
      expect(growth, `the server grew by ${mib(growth)}`).toBeLessThan(LIMIT + MARGIN);
      expect((await run('javascript', 'console.log("still here")')).body).toMatchObject({
        stdout: 'still here\n',
        exitCode: 0,
      });
    },
  );

  it('prints a 100 MB string cut at the output limit; the server grows by less than the limit', async () => {
    const { run } = await start();
    expect((await run('javascript', 'console.log(1)')).body.stdout).toBe('1\n');
    const { result, growth } = await sampled(() =>
      run('javascript', "console.log('x'.repeat(1e8))"),
    );
    expect(result.body).toMatchObject({ truncated: true, timedOut: false });
    expect(result.body.stdout).toHaveLength(64 * 1024);
    expect(growth, `the server grew by ${mib(growth)}`).toBeLessThan(LIMIT + MARGIN);
  });

  it('bounds two JavaScript memory hogs at once by twice the limit', async () => {
    const { run } = await start();
    await Promise.all([run('javascript', '1'), run('javascript', '2')]);
    const { result, growth } = await sampled(() =>
      Promise.all([run('javascript', javascriptHog), run('javascript', javascriptHog)]),
    );
    for (const response of result) {
      expect(response.body).toMatchObject({ exitCode: 1, timedOut: false });
      expect(response.body.stderr).toMatch(/^InternalError: out of memory/);
    }
    expect(growth, `the server grew by ${mib(growth)}`).toBeLessThan(2 * (LIMIT + MARGIN));
    expect((await run('javascript', 'console.log("still here")')).body.stdout).toBe('still here\n');
  });

  async function expectPythonHogBounded(hog: string) {
    const { run } = await start();
    expect((await run('python', 'print(1)')).body.stdout).toBe('1\n');
    if (hasProc) await pythonSettled(defaultExecOptions.poolSize);
    const { result, growth, python } = await sampled(() => run('python', hog));
    expectMemoryError(result.body);
    expect(growth, `the server grew by ${mib(growth)}`).toBeLessThan(MARGIN);
    if (hasProc) await expectRunProcessesBounded(python, 1);
    expect((await run('python', 'print("still here")')).body.stdout).toBe('still here\n');
  }

  it.each(pythonHogs)(
    'ends the Python memory hog %j with MemoryError; the server does not grow and the run’s process grows by less than the limit',
    expectPythonHogBounded,
  );

  // Without /proc (not Linux) nothing watches a Python process's memory outside WebAssembly.
  it.skipIf(!hasProc)(
    'stops a Python run whose process outgrows the limit outside WebAssembly memory, with MemoryError',
    () => expectPythonHogBounded(pythonHogOutsideWasm),
  );

  it.skipIf(!hasProc)(
    'stops such a run from inside its process, within the limit, while the server is too busy to watch it',
    async () => {
      const { run } = await start();
      expect((await run('python', 'print(1)')).body.stdout).toBe('1\n');
      await pythonSettled(defaultExecOptions.poolSize);
      const settled = new Map<number, number>();
      for (const pid of await pythonProcesses()) settled.set(pid, (await residentBytes(pid)) ?? 0);
      const answer = run('python', `print("started")\n${pythonHogOutsideWasm}`);
      // Once the hog is growing, this process (the server's) stops answering anything until the
      // run's process has ended: its own watch on that process cannot poll, so only the run
      // itself can stop, and how far it grew is read here meanwhile, without the event loop.
      const growing = await waitFor(async () => {
        for (const [pid, first] of settled) {
          if (((await residentBytes(pid)) ?? 0) > first + 24 * MiB) return pid;
        }
        return false;
      });
      const first = settled.get(growing)!;
      let peak = first;
      // Past its deadline the run stops itself too; this bound only keeps a broken run from
      // holding the test here.
      const until = performance.now() + 20_000;
      // A millisecond's sleep between reads leaves the processor to the run (Atomics.wait
      // blocks this thread as the busy loop would, without spinning).
      const sleeper = new Int32Array(new SharedArrayBuffer(4));
      for (;;) {
        const resident = residentBytesNow(growing);
        if (resident === undefined || performance.now() > until) break;
        peak = Math.max(peak, resident);
        Atomics.wait(sleeper, 0, 0, 1);
      }
      const { body } = await answer;
      expectMemoryError(body);
      // Stopped by the run's own check, which keeps what it printed (the server's watch does not).
      expect(body.stdout).toBe('started\n');
      expect(peak - first, `the run's process grew by ${mib(peak - first)}`).toBeLessThan(
        LIMIT + MARGIN,
      );
    },
  );

  it.skipIf(!hasProc)('bounds two such Python runs at once, each in its own process', async () => {
    const { run } = await start();
    expect((await run('python', 'print(1)')).body.stdout).toBe('1\n');
    await pythonSettled(defaultExecOptions.poolSize);
    const { result, growth, python } = await sampled(() =>
      Promise.all([run('python', pythonHogOutsideWasm), run('python', pythonHogOutsideWasm)]),
    );
    for (const response of result) expectMemoryError(response.body);
    expect(growth, `the server grew by ${mib(growth)}`).toBeLessThan(MARGIN);
    await expectRunProcessesBounded(python, 2);
    expect((await run('python', 'print("still here")')).body.stdout).toBe('still here\n');
  });
});
