import pLimit from 'p-limit';
import { z } from 'zod';
import type { ExecRunInput } from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import type { ClusterChannel } from '../core/ClusterChannel.js';
import type { RoomkitContext } from '../core/context.js';
import { randomId } from '../core/ids.js';
import type { RateLimiter } from '../core/RateLimiter.js';
import type { Membership } from '../core/Membership.js';
import type { Services } from '../kernel/services.js';
import type { ExecRunRecord } from '../storage/records.js';
import type { ExecDriver, ExecLimits, ExecResult, LanguageInfo } from './ExecDriver.js';
import { OffDriver } from './OffDriver.js';
import { PistonDriver } from './piston/PistonDriver.js';
import { RoomRuns } from './RoomRuns.js';
import { probeSandbox } from './sandbox/sandboxHost.js';
import { SandboxDriver } from './sandbox/SandboxDriver.js';
import { WasmDriver } from './WasmDriver.js';

export interface ExecOptions extends ExecLimits {
  /** Runs at once on this instance. */
  concurrency: number;
  /** Runs waiting beyond those; one more is refused with 503 `overloaded`. */
  queueLength: number;
  /** Workers the wasm driver keeps started. */
  poolSize: number;
}

/** Exit code of a stopped run, as a shell shows a killed process. */
const STOPPED_EXIT_CODE = 137;
/** Where an instance asks the others to stop a member's run that it does not hold. */
const STOP_TOPIC = 'exec:stop';
const stopRequestSchema = z.object({ roomId: z.string().min(1), memberId: z.string().min(1) });

/** A run on this instance, until its result is out. */
interface LocalRun {
  roomId: string;
  memberId: string;
  controller: AbortController;
  /** The room ended meanwhile: nobody is left to tell the result. */
  roomClosed: boolean;
}

export const defaultExecOptions: ExecOptions = {
  wallMs: 5000,
  memoryBytes: 128 * 1024 * 1024,
  outputBytes: 64 * 1024,
  concurrency: 2,
  queueLength: 20,
  poolSize: 2,
};

/**
 * Code runs of a room (API.md, "Code execution"): rate-limited per member, queued with a bound,
 * run by the configured driver, and shown to the whole room as `exec:started`, `exec:result`
 * and a compact system message. The room's last result and its runs going on are part of
 * `room:state` (`RoomRuns`); a member may stop their own run.
 */
export class ExecService {
  readonly driver: ExecDriver;
  readonly options: ExecOptions;
  private readonly limiter: RateLimiter;
  private readonly queue: ReturnType<typeof pLimit>;
  private readonly roomRuns: RoomRuns;
  private readonly local = new Map<string, LocalRun>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly ctx: RoomkitContext,
    /** Where a run's summary goes. */
    private readonly chat: Pick<Services['chat'], 'post'>,
    options: Partial<ExecOptions> = {},
    /** Multi-instance mode: how a stop reaches the instance that holds the run. */
    private readonly channel?: ClusterChannel,
  ) {
    this.options = { ...defaultExecOptions, ...options };
    this.driver = pickDriver(ctx, this.options);
    this.limiter = ctx.limiters.open('exec');
    this.queue = pLimit(this.options.concurrency);
    this.roomRuns = new RoomRuns(() => ctx.clock.now());
    ctx.rooms.ownData('exec', (roomId) => ctx.stores.execRuns.deleteRoom(roomId));
    ctx.rooms.contributeState('exec', async ({ room }) => this.roomRuns.state(room.id));
    ctx.rooms.on('closed', (roomId) => this.roomRuns.forget(roomId));
    this.unsubscribe.push(
      ctx.bus.subscribe((event) => {
        this.roomRuns.follow(event);
        // A room that ends stops its runs on every instance.
        if (event.name === 'room:closed') this.stopRoom(event.roomId);
      }),
    );
    if (channel) {
      this.unsubscribe.push(
        channel.subscribe(STOP_TOPIC, (message) => {
          const parsed = stopRequestSchema.safeParse(parseJson(message));
          if (parsed.success) this.stopLocal(parsed.data.roomId, parsed.data.memberId);
        }),
      );
    }
  }

  languages(): Promise<LanguageInfo[]> {
    return this.driver.languages();
  }

  async run(membership: Membership, input: ExecRunInput): Promise<ExecResult> {
    const { room, member } = membership;
    const language = (await this.languages()).find((info) => info.id === input.language);
    if (this.driver instanceof OffDriver) await this.driver.run();
    if (!language) {
      throw new AppError('invalid_request', `This server cannot run "${input.language}".`, {
        details: [{ path: 'language', message: 'unknown language' }],
      });
    }
    await this.limiter.consume(member.id);
    if (this.queue.pendingCount >= this.options.queueLength) {
      throw new AppError('overloaded', 'Too many runs are waiting; try again shortly.', {
        headers: {
          'Retry-After': '5',
        },
      });
    }
    const runId = randomId();
    const started = { memberId: member.id, language: language.id, runId };
    const local: LocalRun = {
      roomId: room.id,
      memberId: member.id,
      controller: new AbortController(),
      roomClosed: false,
    };
    this.local.set(runId, local);
    const { signal } = local.controller;
    this.ctx.bus.publish({ roomId: room.id, name: 'exec:started', payload: started });
    const { wallMs, memoryBytes, outputBytes } = this.options;
    let result: ExecResult;
    try {
      result = contractResult(
        await this.queue(() =>
          // Stopped while it waited: it never starts.
          signal.aborted
            ? stoppedBeforeStart()
            : this.driver.run(
                { language: language.id, code: input.code, stdin: input.stdin ?? '' },
                { wallMs, memoryBytes, outputBytes },
                signal,
              ),
        ),
      );
      if (signal.aborted) result = stoppedResult(result);
    } catch (error) {
      // The room saw it start, so it sees it end: as the failure the runner is told.
      this.local.delete(runId);
      if (!local.roomClosed) {
        this.ctx.bus.publish({
          roomId: room.id,
          name: 'exec:result',
          payload: { ...started, result: failedResult(error) },
        });
      }
      throw error;
    }
    this.local.delete(runId);
    if (local.roomClosed) return result;
    // The log is for the admin panel: a store that fails costs the entry, not the run.
    await this.ctx.stores.execRuns
      .append({
        roomId: room.id,
        memberId: member.id,
        language: language.id,
        durationMs: result.durationMs,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        truncated: result.truncated,
        createdAt: this.ctx.clock.now(),
      })
      .catch((error: unknown) =>
        this.ctx.log.error({ err: error, roomId: room.id }, 'execution log write failed'),
      );
    this.ctx.bus.publish({
      roomId: room.id,
      name: 'exec:result',
      payload: { ...started, result },
    });
    await this.chat.post({
      id: randomId(),
      roomId: room.id,
      type: 'system',
      body: summary(member.displayName, language.name, result),
      sender: null,
      createdAt: this.ctx.clock.now(),
    });
    return result;
  }

  /**
   * Stops the member's run going on in the room, on this instance or (multi-instance mode)
   * another; its result says `stopped`. A member can stop only their own runs.
   * @throws AppError `not_found` when the member has no run going.
   */
  stop(membership: Membership): void {
    const { room, member } = membership;
    if (this.stopLocal(room.id, member.id)) return;
    if (this.channel && this.roomRuns.isRunning(room.id, member.id)) {
      const request = { roomId: room.id, memberId: member.id };
      this.channel.publish(STOP_TOPIC, new TextEncoder().encode(JSON.stringify(request)));
      return;
    }
    throw new AppError('not_found', 'You have no run going.');
  }

  /**
   * Runs going on: in one room (on every instance, as `room:state` shows them), or on this
   * instance with those waiting for a slot.
   */
  load(roomId?: string): { running: number; queued: number } {
    if (roomId !== undefined)
      return { running: this.roomRuns.state(roomId).running.length, queued: 0 };
    return { running: this.queue.activeCount, queued: this.queue.pendingCount };
  }

  /** The newest runs (of one room, or of every room), newest first: the execution log. */
  recentRuns(options: { roomId?: string; limit: number }): Promise<ExecRunRecord[]> {
    return this.ctx.stores.execRuns.recent(options);
  }

  close(): Promise<void> {
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
    this.queue.clearQueue();
    return this.driver.close();
  }

  /** Aborts the member's runs on this instance; whether there were any. */
  private stopLocal(roomId: string, memberId: string): boolean {
    let found = false;
    for (const run of this.local.values()) {
      if (run.roomId !== roomId || run.memberId !== memberId) continue;
      run.controller.abort();
      found = true;
    }
    return found;
  }

  private stopRoom(roomId: string): void {
    for (const run of this.local.values()) {
      if (run.roomId !== roomId) continue;
      run.roomClosed = true;
      run.controller.abort();
    }
  }
}

/**
 * The configured driver, or the wasm driver when it cannot run here: `sandbox` is checked with
 * a trial run (bwrap installed, user namespaces allowed) so a host without them still serves.
 * `piston:<url>` is not checked at start: Piston may come up after the server, and while it is
 * unreachable runs fail with 502 `upstream_failed` rather than running elsewhere.
 */
export function pickDriver(
  ctx: Pick<RoomkitContext, 'config' | 'log' | 'outbound'>,
  options: ExecOptions,
): ExecDriver {
  const configured = ctx.config.exec.driver;
  if (configured === 'off') return new OffDriver();
  if (configured.startsWith('piston:')) {
    return new PistonDriver(ctx.outbound, configured.slice('piston:'.length), {
      warn: (message) => ctx.log.warn({ execDriver: 'piston' }, message),
    });
  }
  if (configured === 'sandbox') {
    const sandbox = probeSandbox();
    if (sandbox.ok) return new SandboxDriver(sandbox.bwrap);
    ctx.log.warn(
      { execDriver: configured, reason: sandbox.reason },
      `EXEC_DRIVER=sandbox cannot run here: ${sandbox.reason}; falling back to the wasm driver`,
    );
  }
  return new WasmDriver(options.poolSize, (message) => ctx.log.warn(message));
}

/**
 * The result as API.md states it, field by field: drivers build theirs from what a worker, a
 * process or a remote runner sent, and nothing else of that goes to the room or the caller.
 */
function contractResult(result: ExecResult): ExecResult {
  const { stdout, stderr, exitCode, timedOut, truncated, durationMs } = result;
  return { stdout, stderr, exitCode, timedOut, truncated, durationMs };
}

/** A run its member stopped, whatever the driver made of its end. */
function stoppedResult(result: ExecResult): ExecResult {
  const note = 'Stopped.\n';
  const stderr =
    result.stderr === '' || result.stderr.endsWith('\n')
      ? result.stderr + note
      : `${result.stderr}\n${note}`;
  return {
    ...result,
    stderr,
    exitCode: STOPPED_EXIT_CODE,
    timedOut: false,
    stopped: true,
  };
}

function stoppedBeforeStart(): Promise<ExecResult> {
  return Promise.resolve({
    stdout: '',
    stderr: '',
    exitCode: STOPPED_EXIT_CODE,
    timedOut: false,
    truncated: false,
    durationMs: 0,
  });
}

/** What the room is shown of a run that failed without a result (the runner gets the error). */
function failedResult(error: unknown): ExecResult {
  const message = error instanceof AppError ? error.message : 'The run failed on the server.';
  return {
    stdout: '',
    stderr: `${message}\n`,
    exitCode: 1,
    timedOut: false,
    truncated: false,
    durationMs: 0,
  };
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}

function summary(name: string, language: string, result: ExecResult): string {
  const ending = result.stopped
    ? 'stopped'
    : result.timedOut
      ? 'timed out'
      : `exit ${result.exitCode}`;
  const cut = result.truncated ? ', output truncated' : '';
  return `${name} ran ${language}: ${ending} in ${result.durationMs} ms${cut}`;
}
