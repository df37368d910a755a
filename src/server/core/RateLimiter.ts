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

/**
 * A named limit per key (a member, a socket, an address). Given a `shared` store, the counts
 * live in Redis, so the limit holds across instances; while Redis is away each instance counts
 * on its own in RAM (the insurance limiter) rather than refusing or waving everything through.
 */
export class RateLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(
    readonly name: string,
    limit: RateLimit,
    shared?: SharedLimitStore,
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
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      const retryAfter = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
      throw new AppError('rate_limited', `Too many requests; try again in ${retryAfter} s.`, {
        details: { retryAfter },
        headers: { 'Retry-After': String(retryAfter) },
      });
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
}
