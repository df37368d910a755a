import type { Redis } from 'ioredis';
import type { Presence } from '../core/Presence.js';
import { PresenceTracker } from '../core/PresenceTracker.js';

/** How long an instance's word that a member is connected lasts without renewal. */
const ENTRY_TTL_MS = 30_000;
/** How often an instance renews its entries (well inside the TTL). */
const RENEW_EVERY_MS = 10_000;

export interface RedisPresenceOptions {
  /** Names this instance in its entries. */
  instanceId: string;
  /** Prepended to the keys. */
  keyPrefix: string;
  /** Told when Redis fails; presence then answers from this instance's own view. */
  onError: (error: Error) => void;
  /** How long an entry lasts without renewal (default 30 s). */
  entryTtlMs?: number;
  /** How often entries are renewed (default 10 s). */
  renewEveryMs?: number;
}

/**
 * Presence shared by every instance through Redis. Each room has a sorted set whose entries are
 * `<memberId> <instanceId>`, scored by when they expire: an instance adds an entry when a member
 * gets their first connection on it, removes it with their last, and renews all of its entries
 * every 10 s. A crashed instance's members fade out within 30 s, and nobody needs to clean up
 * after it. Connections are counted in this instance's RAM (`PresenceTracker`), so Redis sees
 * one entry per member and instance, however many tabs they have open.
 *
 * When Redis fails, answers come from this instance's own view (degraded to one instance, as
 * DESIGN.md promises) and the renewal writes every entry again once Redis is back.
 */
export class RedisPresence implements Presence {
  private readonly local = new PresenceTracker();
  private readonly renewal: NodeJS.Timeout;
  private readonly ttlMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisPresenceOptions,
  ) {
    this.ttlMs = options.entryTtlMs ?? ENTRY_TTL_MS;
    this.renewal = setInterval(() => void this.renew(), options.renewEveryMs ?? RENEW_EVERY_MS);
    this.renewal.unref();
  }

  async connect(roomId: string, memberId: string): Promise<boolean> {
    if (!this.local.add(roomId, memberId)) return false;
    const others = await this.attempt(async () => {
      const results = await this.redis
        .multi()
        .zadd(this.key(roomId), Date.now() + this.ttlMs, this.entry(memberId))
        .pexpire(this.key(roomId), this.ttlMs)
        .zrangebyscore(this.key(roomId), Date.now(), '+inf')
        .exec();
      return this.otherInstances(results?.[2]?.[1], memberId);
    });
    return (others ?? 0) === 0;
  }

  async disconnect(roomId: string, memberId: string): Promise<boolean> {
    if (!this.local.remove(roomId, memberId)) return false;
    const others = await this.attempt(async () => {
      const results = await this.redis
        .multi()
        .zrem(this.key(roomId), this.entry(memberId))
        .zrangebyscore(this.key(roomId), Date.now(), '+inf')
        .exec();
      return this.otherInstances(results?.[1]?.[1], memberId);
    });
    return (others ?? 0) === 0;
  }

  async online(roomId: string): Promise<Set<string>> {
    const entries = await this.attempt(() =>
      this.redis.zrangebyscore(this.key(roomId), Date.now(), '+inf'),
    );
    if (entries === undefined) return this.local.online(roomId);
    const online = await this.local.online(roomId);
    for (const entry of entries) online.add(entry.slice(0, entry.indexOf(' ')));
    return online;
  }

  async isOccupied(roomId: string): Promise<boolean> {
    if (await this.local.isOccupied(roomId)) return true;
    const count = await this.attempt(() => this.redis.zcount(this.key(roomId), Date.now(), '+inf'));
    return (count ?? 0) > 0;
  }

  localConnections(): number {
    return this.local.localConnections();
  }

  /** Stops renewing and takes this instance's entries out, so its members go offline at once. */
  async close(): Promise<void> {
    clearInterval(this.renewal);
    const pipeline = this.redis.pipeline();
    for (const [roomId, memberId] of this.local.entries())
      pipeline.zrem(this.key(roomId), this.entry(memberId));
    await this.attempt(() => pipeline.exec());
  }

  private async renew(): Promise<void> {
    const pipeline = this.redis.pipeline();
    const expires = Date.now() + this.ttlMs;
    for (const [roomId, memberId] of this.local.entries()) {
      pipeline.zadd(this.key(roomId), expires, this.entry(memberId));
      pipeline.pexpire(this.key(roomId), this.ttlMs);
      // Expired entries of crashed instances go too, so a set never grows without end.
      pipeline.zremrangebyscore(this.key(roomId), '-inf', Date.now());
    }
    if (pipeline.length > 0) await this.attempt(() => pipeline.exec());
  }

  /** How many live entries of `memberId` belong to other instances. */
  private otherInstances(live: unknown, memberId: string): number {
    if (!Array.isArray(live)) return 0;
    const mine = this.entry(memberId);
    return live.filter(
      (entry): entry is string =>
        typeof entry === 'string' && entry.startsWith(`${memberId} `) && entry !== mine,
    ).length;
  }

  private async attempt<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (error) {
      this.options.onError(error as Error);
      return undefined;
    }
  }

  private key(roomId: string): string {
    return `${this.options.keyPrefix}presence:${roomId}`;
  }

  private entry(memberId: string): string {
    return `${memberId} ${this.options.instanceId}`;
  }
}
