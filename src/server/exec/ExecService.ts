import pLimit from 'p-limit';
import type { ExecRunInput } from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { randomId } from '../core/ids.js';
import { RateLimiter } from '../core/RateLimiter.js';
import type { Membership } from '../core/Membership.js';
import type { Services } from '../kernel/services.js';
import type { ExecRunRecord } from '../storage/records.js';
import type { ExecDriver, ExecLimits, ExecResult, LanguageInfo } from './ExecDriver.js';
import { OffDriver } from './OffDriver.js';
import { PistonDriver } from './piston/PistonDriver.js';
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
 * run by the configured driver, and shown to the whole room as `exec:result` and a compact
 * system message.
 */
export class ExecService {
  readonly driver: ExecDriver;
  readonly options: ExecOptions;
  private readonly limiter: RateLimiter;
  private readonly queue: ReturnType<typeof pLimit>;

  constructor(
    private readonly ctx: RoomkitContext,
    /** Where a run's summary goes. */
    private readonly chat: Pick<Services['chat'], 'post'>,
    options: Partial<ExecOptions> = {},
  ) {
    this.options = { ...defaultExecOptions, ...options };
    this.driver = pickDriver(ctx, this.options);
    this.limiter = new RateLimiter('exec', ctx.limits.exec, ctx.sharedLimits);
    this.queue = pLimit(this.options.concurrency);
    ctx.rooms.ownData('exec', (roomId) => ctx.stores.execRuns.deleteRoom(roomId));
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
    const { wallMs, memoryBytes, outputBytes } = this.options;
    const result = contractResult(
      await this.queue(() =>
        this.driver.run(
          { language: language.id, code: input.code, stdin: input.stdin ?? '' },
          { wallMs, memoryBytes, outputBytes },
        ),
      ),
    );
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
      payload: { memberId: member.id, language: language.id, result },
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

  /** The newest runs (of one room, or of every room), newest first: the execution log. */
  recentRuns(options: { roomId?: string; limit: number }): Promise<ExecRunRecord[]> {
    return this.ctx.stores.execRuns.recent(options);
  }

  close(): Promise<void> {
    this.queue.clearQueue();
    return this.driver.close();
  }
}

/**
 * The configured driver, or the wasm driver when it cannot run here: `sandbox` is checked with
 * a trial run (bwrap installed, user namespaces allowed) so a host without them still serves.
 * `piston:<url>` is not checked at start: Piston may come up after the server, and while it is
 * unreachable runs fail with 502 `upstream_failed` rather than running elsewhere.
 */
export function pickDriver(
  ctx: Pick<RoomkitContext, 'config' | 'log'>,
  options: ExecOptions,
): ExecDriver {
  const configured = ctx.config.exec.driver;
  if (configured === 'off') return new OffDriver();
  if (configured.startsWith('piston:')) {
    return new PistonDriver(configured.slice('piston:'.length), {
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

function summary(name: string, language: string, result: ExecResult): string {
  const ending = result.timedOut ? 'timed out' : `exit ${result.exitCode}`;
  const cut = result.truncated ? ', output truncated' : '';
  return `${name} ran ${language}: ${ending} in ${result.durationMs} ms${cut}`;
}
