import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from './AppError.js';

export interface RateLimit {
  /** How many actions… */
  points: number;
  /** …in how many seconds. */
  seconds: number;
}

/**
 * A named limit per key (a member, a socket, an address). Cluster mode swaps the memory
 * limiter for a Redis one so that the limit holds across instances.
 */
export class RateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(
    readonly name: string,
    limit: RateLimit,
  ) {
    this.limiter = new RateLimiterMemory({
      keyPrefix: name,
      points: limit.points,
      duration: limit.seconds,
    });
  }

  /** Takes `points` for `key`, or throws 429 `rate_limited` with a Retry-After. */
  async consume(key: string, points = 1): Promise<void> {
    try {
      await this.limiter.consume(key, points);
    } catch (result) {
      if (!(result instanceof RateLimiterRes)) throw result;
      const retryAfter = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
      throw new AppError(
        'rate_limited',
        `Too many requests; try again in ${retryAfter} s.`,
        { retryAfter },
        {
          'Retry-After': String(retryAfter),
        },
      );
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
