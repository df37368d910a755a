import { z } from 'zod';
import { connectionCountsSchema } from '../../protocol/admin.js';
import type { RedisInstanceReports } from '../cluster/RedisInstanceReports.js';
import type { Services } from '../kernel/services.js';
import type { ConnectionCounts, LiveConnections } from '../transport/LiveConnections.js';

/** How often an instance reports its figures, and how long a report counts without a newer one. */
export const REPORT_INTERVAL_MS = 1_000;
const REPORT_TTL_MS = 3 * REPORT_INTERVAL_MS;
const REPORT_NAME = 'admin-figures';

const countSchema = z.number().int().min(0);
/** One instance's report, checked when read: another version's or a broken one is skipped. */
const instanceFiguresSchema = z.object({
  connections: z.record(z.string(), connectionCountsSchema),
  exec: z.object({ running: countSchema, queued: countSchema }),
});
type InstanceFigures = z.infer<typeof instanceFiguresSchema>;

/** `a + b`, transport by transport (`a` absent: none yet). */
export function addCounts(a: ConnectionCounts | undefined, b: ConnectionCounts): ConnectionCounts {
  if (a === undefined) return { ...b };
  return { socket: a.socket + b.socket, sse: a.sse + b.sse, collab: a.collab + b.collab };
}

export interface Figures {
  /** Open connections by room and transport. */
  connections: Map<string, ConnectionCounts>;
  /** Code runs running and waiting in the exec queues. */
  exec: { running: number; queued: number };
}

/**
 * The figures only each instance knows of itself — its open connections and its exec queue —
 * summed over the deployment for the admin API. Alone, an instance's own; with Redis, each
 * instance reports every second and a reader adds the others' live reports to its own current
 * figures. While Redis is away the answer is this instance's alone.
 */
export class DeploymentFigures {
  private readonly timer: NodeJS.Timeout | undefined;
  /** Whether Redis failed last time: an outage is told once, not every second. */
  private failing = false;

  constructor(
    private readonly live: LiveConnections,
    private readonly exec: Pick<Services['exec'], 'load'>,
    private readonly reports: RedisInstanceReports | undefined,
    private readonly onError: (error: unknown) => void,
  ) {
    if (reports) {
      this.timer = setInterval(() => void this.report(), REPORT_INTERVAL_MS);
      this.timer.unref();
      void this.report();
    }
  }

  /** The deployment's figures, this instance's counted as they are now. */
  async read(): Promise<Figures> {
    const own = this.own();
    const figures: Figures = {
      connections: new Map(Object.entries(own.connections)),
      exec: own.exec,
    };
    for (const other of await this.others()) {
      figures.exec.running += other.exec.running;
      figures.exec.queued += other.exec.queued;
      for (const [roomId, counts] of Object.entries(other.connections)) {
        figures.connections.set(roomId, addCounts(figures.connections.get(roomId), counts));
      }
    }
    return figures;
  }

  /** Stops reporting and takes this instance's report back, so it stops counting at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.reports?.withdraw(REPORT_NAME).catch(this.onError);
  }

  private own(): InstanceFigures {
    return {
      connections: Object.fromEntries(this.live.countsByRoom()),
      exec: this.exec.load(),
    };
  }

  private async others(): Promise<InstanceFigures[]> {
    if (!this.reports) return [];
    try {
      const reports = await this.reports.others(REPORT_NAME);
      return reports.flatMap((report) => {
        const checked = instanceFiguresSchema.safeParse(report);
        return checked.success ? [checked.data] : [];
      });
    } catch (error) {
      this.failed(error);
      return [];
    }
  }

  private async report(): Promise<void> {
    try {
      await this.reports?.publish(REPORT_NAME, this.own(), REPORT_TTL_MS);
      this.failing = false;
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    if (!this.failing) this.onError(error);
    this.failing = true;
  }
}
