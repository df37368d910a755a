import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { Readable, Writable } from 'node:stream';
import { CappedOutput } from '../CappedOutput.js';
import type { ExecResult } from '../ExecDriver.js';
import {
  bwrapArgs,
  FD,
  syntheticGroup,
  syntheticPasswd,
  type SandboxCommand,
} from './bwrapArgs.js';
import { bwrapSpawnOptions } from './sandboxHost.js';

/** Exit code of a run stopped from outside (time or output), as a shell shows a killed process. */
const STOPPED_EXIT_CODE = 137;
/** After bwrap has gone, how long its pipes may take to report closed before they are dropped. */
const CLOSE_GRACE_MS = 1000;
/** How long bwrap may take to exit once the sandbox's init was killed, before it is killed too. */
const KILL_GRACE_MS = 1000;

export interface SandboxRun {
  bwrap: string;
  command: SandboxCommand;
  code: string;
  stdin: string;
  /** Budget for bwrap's set-up and the compiler, before the program starts. */
  startMs: number;
  /** Budget of the program itself, from its start. */
  wallMs: number;
  /** stdout and stderr together. */
  outputBytes: number;
  /** Aborting kills the run (the driver closing, or the run's member stopping it). */
  signal: AbortSignal;
}

/** Thrown when bwrap itself failed, before any program or compiler ran. */
export class SandboxStartError extends Error {
  override name = 'SandboxStartError';
}

/**
 * Runs one program in a fresh bubblewrap sandbox and collects its result. Stopping a run (on
 * timeout, too much output or abort) kills the init of the sandbox's pid namespace, and with it
 * the kernel kills every process the program started, daemons included.
 */
export function runSandboxed(run: SandboxRun): Promise<Omit<ExecResult, 'durationMs'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.bwrap, bwrapArgs(run.command), {
      ...bwrapSpawnOptions(),
      stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
    });
    const output = new CappedOutput(run.outputBytes);
    let started = false;
    let sandboxInit: number | undefined;
    let stopped: 'time' | 'output' | 'abort' | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    // The sandbox's init is killed, not bwrap: bwrap then reaps it and exits by itself. Killed
    // first, bwrap would leave its init a zombie for the host's pid 1 (which in a container may
    // never reap it), or, during set-up, blocked for ever waiting for bwrap. bwrap itself is
    // killed only if it has not gone shortly after.
    const killInit = () => {
      try {
        if (sandboxInit !== undefined) process.kill(sandboxInit, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const stop = (why: NonNullable<typeof stopped>) => {
      if (stopped) return;
      stopped = why;
      killInit();
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
    };

    let timer = setTimeout(() => stop('time'), run.startMs);
    const stdio = child.stdio as unknown as [
      Writable,
      Readable,
      Readable,
      Readable,
      Writable,
      Writable,
      Writable,
      Readable,
    ];
    let info = '';
    stdio[FD.info].setEncoding('utf8');
    stdio[FD.info].on('data', (chunk: string) => {
      info += chunk;
      const pid = /"child-pid":\s*(\d+)/.exec(info)?.[1];
      if (pid === undefined || sandboxInit !== undefined) return;
      sandboxInit = Number(pid);
      if (stopped) killInit();
    });
    stdio[FD.info].on('error', () => {});
    stdio[FD.started].once('data', () => {
      started = true;
      clearTimeout(timer);
      timer = setTimeout(() => stop('time'), run.wallMs);
    });
    const collect = (stream: Readable, name: 'stdout' | 'stderr') => {
      const decoder = new StringDecoder('utf8');
      stream.on('data', (chunk: Buffer) => {
        if (!output.add(name, decoder.write(chunk))) stop('output');
      });
    };
    collect(stdio[1], 'stdout');
    collect(stdio[2], 'stderr');
    const feed = (stream: Writable | undefined, text: string) => {
      // A program that exits without reading its input closes the pipe: not an error.
      stream?.on('error', () => {});
      stream?.end(text);
    };
    feed(stdio[0], run.stdin);
    feed(stdio[FD.source], run.code);
    feed(stdio[FD.passwd], syntheticPasswd);
    feed(stdio[FD.group], syntheticGroup);
    stdio[FD.started].on('error', () => {});

    const onAbort = () => stop('abort');
    run.signal.addEventListener('abort', onAbort);
    if (run.signal.aborted) onAbort();

    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      clearTimeout(killTimer);
      run.signal.removeEventListener('abort', onAbort);
      for (const stream of child.stdio) stream?.destroy();
      if (!started && !stopped && code !== 0 && output.stderr.startsWith('bwrap: ')) {
        reject(new SandboxStartError(output.stderr.trim()));
        return;
      }
      if (stopped === 'time') {
        output.note(
          started
            ? `\nStopped: the run took longer than ${run.wallMs} ms.\n`
            : `\nStopped: starting or compiling took longer than ${run.startMs} ms.\n`,
        );
      }
      const exitCode = stopped
        ? STOPPED_EXIT_CODE
        : (code ?? 128 + (signal ? constants.signals[signal] : 0));
      resolve({
        stdout: output.stdout,
        stderr: output.stderr,
        exitCode,
        timedOut: stopped === 'time',
        truncated: output.truncated,
      });
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      run.signal.removeEventListener('abort', onAbort);
      reject(new SandboxStartError(`bwrap could not start: ${error.message}`));
    });
    child.once('close', finish);
    // The pid namespace is gone with bwrap, so its pipes close at once; never wait on them forever.
    child.once('exit', (code, signal) => {
      graceTimer = setTimeout(() => {
        child.off('close', finish);
        finish(code, signal);
      }, CLOSE_GRACE_MS);
    });
  });
}
