/**
 * What the exec benchmarks share: the programs they run, HTTP runs through Roomkit, and the
 * driver a server of the same configuration would pick, built in the benchmark process so its
 * own time can be told from the transport's.
 */
import { execFileSync } from 'node:child_process';
import { loadConfig } from '../../src/server/config.js';
import type { ExecDriver, ExecResult, LanguageInfo } from '../../src/server/exec/ExecDriver.js';
import { defaultExecOptions, pickDriver } from '../../src/server/exec/ExecService.js';

/** Hello world in each language a driver may offer; a language missing here is reported as such. */
export const HELLO: Record<string, string> = {
  javascript: 'console.log("hello, world");',
  typescript: 'const greeting: string = "hello, world";\nconsole.log(greeting);',
  python: 'print("hello, world")',
  c: '#include <stdio.h>\nint main(void) { puts("hello, world"); return 0; }',
  cpp: '#include <iostream>\nint main() { std::cout << "hello, world" << std::endl; }',
  go: 'package main\nimport "fmt"\nfunc main() { fmt.Println("hello, world") }',
  rust: 'fn main() { println!("hello, world"); }',
  java: 'public class Main { public static void main(String[] a) { System.out.println("hello, world"); } }',
  ruby: 'puts "hello, world"',
  bash: 'echo "hello, world"',
  php: '<?php echo "hello, world\\n";',
  lua: 'print("hello, world")',
};

/** A short CPU-bound program (tens of milliseconds) whose output proves it ran to the end. */
export const BUSY: Record<string, { code: string; output: string }> = {
  javascript: {
    code: 'let s = 0;\nfor (let i = 0; i < 200000; i++) s = (s + i * i) % 1000003;\nconsole.log(s);',
    output: String(busyAnswer()),
  },
  python: {
    code: 's = 0\nfor i in range(200000):\n    s = (s + i * i) % 1000003\nprint(s)',
    output: String(busyAnswer()),
  },
};

function busyAnswer(): number {
  let s = 0;
  for (let i = 0; i < 200000; i++) s = (s + i * i) % 1000003;
  return s;
}

/** Drivers worth trying on this machine: `wasm` always, `sandbox` where bubblewrap is installed. */
export function candidateDrivers(): string[] {
  const drivers = ['wasm'];
  try {
    execFileSync('bwrap', ['--version'], { stdio: 'ignore' });
    drivers.push('sandbox');
  } catch {
    // no bubblewrap: no sandbox driver
  }
  return drivers;
}

export async function languages(base: string): Promise<LanguageInfo[]> {
  const response = await fetch(`${base}/api/exec/languages`);
  if (!response.ok) throw new Error(`languages: ${response.status}`);
  return (await response.json()) as LanguageInfo[];
}

export interface HttpRun {
  status: number;
  /** The error code of a refusal (`rate_limited`, `overloaded`…). */
  code?: string;
  result?: ExecResult;
  ms: number;
}

/** `POST /api/rooms/:roomId/exec`, timed from the request to the whole response. */
export async function runOverHttp(
  base: string,
  roomId: string,
  token: string,
  language: string,
  code: string,
  signal?: AbortSignal,
): Promise<HttpRun> {
  const started = performance.now();
  const response = await fetch(`${base}/api/rooms/${roomId}/exec`, {
    signal,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ language, code }),
  });
  const body: any = await response.json();
  const ms = performance.now() - started;
  return response.ok
    ? { status: response.status, result: body as ExecResult, ms }
    : { status: response.status, code: body?.error?.code, ms };
}

/** Throws unless a run printed `expected` and exited with 0. */
export function check(run: HttpRun | ExecResult, expected: string, what: string): void {
  const result = 'stdout' in run ? run : run.result;
  if (!result || result.exitCode !== 0 || result.stdout.trim() !== expected) {
    throw new Error(`${what}: unexpected result ${JSON.stringify(run)}`);
  }
}

const quiet = () => undefined;
const silentLog = {
  debug: quiet,
  info: quiet,
  warn: quiet,
  error: quiet,
  fatal: quiet,
  trace: quiet,
};

/**
 * The driver Roomkit's ExecService picks for `EXEC_DRIVER=<id>` with its default options, made
 * in this process; `driver.id` says which one it really is (an unavailable one falls back).
 */
export function inProcessDriver(id: string): ExecDriver {
  const ctx = {
    config: loadConfig({ EXEC_DRIVER: id, LOG_LEVEL: 'silent' }),
    log: { ...silentLog, child: () => silentLog },
  } as unknown as Parameters<typeof pickDriver>[0];
  return pickDriver(ctx, defaultExecOptions);
}

export const execLimits = {
  wallMs: defaultExecOptions.wallMs,
  memoryBytes: defaultExecOptions.memoryBytes,
  outputBytes: defaultExecOptions.outputBytes,
};

/**
 * Holds the event loop open until `work` settles: the drivers' own processes and threads are
 * unref'd (a server never waits for them), so without this the benchmark process could exit
 * while the only thing pending is a Python process loading.
 */
export async function keepAlive<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => undefined, 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
