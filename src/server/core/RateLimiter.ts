import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { AppError } from './AppError.js';

export interface RateLimit {
  /** How many actions… */
  points: number;
  /** …in how many seconds. */
  seconds: number;
}

/** Where limits that hold across instances keep their counts (multi-instance mode). */
export interface SharedLimitStore {
  redis: Redis;
  keyPrefix: string;
}

/** Told of every point taken and every refusal, for the metrics (core/RateLimiters.ts). */
export interface LimitObserver {
  consumed(points: number): void;
  refused(): void;
}

/**
 * A named limit per key (a member, a socket, an address). Given a `shared` store, the counts
 * live in Redis, so the limit holds across instances; while Redis is away each instance counts
 * on its own in RAM (the insurance limiter) rather than refusing or waving everything through.
 */
export class RateLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    readonly name: string,
    private readonly limit: RateLimit,
    shared?: SharedLimitStore,
    private readonly observer?: LimitObserver,
  ) {
    const options = { keyPrefix: name, points: limit.points, duration: limit.seconds };
    this.limiter = shared
      ? new RateLimiterRedis({
          ...options,
          keyPrefix: `${shared.keyPrefix}limit:${name}`,
          storeClient: shared.redis,
          rejectIfRedisNotReady: true,
          insuranceLimiter: new RateLimiterMemory(options),
        })
      : new RateLimiterMemory(options);
  }

  /** Takes `points` for `key`, or throws 429 `rate_limited` with a Retry-After. */
  async consume(key: string, points = 1): Promise<void> {
    try {
      await this.limiter.consume(key, points);
      this.observer?.consumed(points);
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      throw this.refusal(result);
    }
  }

  /** Like consume, but answers instead of throwing. */
  async tryConsume(key: string, points = 1): Promise<boolean> {
    try {
      await this.consume(key, points);
      return true;
    } catch (error) {
      if (error instanceof AppError) return false;
      throw error;
    }
  }

  /**
   * Throws 429 `rate_limited` if `key` has spent every point, taking none: for limits that count
   * only some outcomes (`penalize`), checked before the action.
   */
  async refuseIfSpent(key: string): Promise<void> {
    const result = await this.limiter.get(key);
    if (result && result.consumedPoints >= this.limit.points) throw this.refusal(result);
  }

  /** Takes a point for `key` without refusing anything: the next `refuseIfSpent` judges. */
  async penalize(key: string): Promise<void> {
    await this.limiter.penalty(key, 1);
    this.observer?.consumed(1);
  }

  private refusal(result: RateLimiterRes): AppError {
    this.observer?.refused();
    const retryAfter = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
    return new AppError('rate_limited', `Too many requests; try again in ${retryAfter} s.`, {
      details: { retryAfter },
      headers: { 'Retry-After': String(retryAfter) },
    });
  }
}
