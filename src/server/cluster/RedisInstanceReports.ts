import type { Redis } from 'ioredis';

/**
 * What each instance says of itself, for figures no single instance knows (the admin API's
 * connection counts and exec queue). An instance publishes a report under a name every so often;
 * a reader collects the other instances' reports of that name. Each report is a key of its own
 * that expires (`SET … PX`), so an instance that died stops counting on its own, with no clocks
 * compared between machines; a set per name lists who has reported, and a reader drops the ids
 * whose report has expired.
 */
export class RedisInstanceReports {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly instanceId: string,
  ) {}

  /** Replaces this instance's report under `name`, which counts for `ttlMs` unless replaced. */
  async publish(name: string, report: unknown, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .set(this.reportKey(name, this.instanceId), JSON.stringify(report), 'PX', ttlMs)
      .sadd(this.listKey(name), this.instanceId)
      .exec();
  }

  /** The live reports of the other instances under `name`, parsed from JSON (unchecked). */
  async others(name: string): Promise<unknown[]> {
    const ids = (await this.redis.smembers(this.listKey(name))).filter(
      (id) => id !== this.instanceId,
    );
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map((id) => this.reportKey(name, id)));
    const gone = ids.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.redis.srem(this.listKey(name), ...gone);
    return values.flatMap((value) => (value === null ? [] : parsed(value)));
  }

  /** Takes this instance's report back at once (a graceful shutdown). */
  async withdraw(name: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.reportKey(name, this.instanceId))
      .srem(this.listKey(name), this.instanceId)
      .exec();
  }

  private reportKey(name: string, instanceId: string): string {
    return `${this.keyPrefix}report:${name}:${instanceId}`;
  }

  private listKey(name: string): string {
    return `${this.keyPrefix}reports:${name}`;
  }
}

/** The report a value holds, or none when it is not JSON. */
function parsed(value: string): unknown[] {
  try {
    return [JSON.parse(value) as unknown];
  } catch {
    return [];
  }
}
