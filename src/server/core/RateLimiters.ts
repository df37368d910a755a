import { limitLabel, limitNames, type LimitName, type Limits } from './limits.js';
import { RateLimiter, type LimitObserver, type SharedLimitStore } from './RateLimiter.js';

/** How often each limit took a point and refused, since start (the metrics read them). */
export type LimitTally = Record<LimitName, { consumed: number; refused: number }>;

/**
 * Opens the named limits of `Limits` with their configured sizes, and counts what each took
 * and refused on this instance. A limit's label (`join_failures`) names its Redis keys and its
 * metrics, so the variable, the counts and the metrics of a limit all say the same name.
 */
export class RateLimiters {
  readonly tally: LimitTally = Object.fromEntries(
    limitNames.map((name) => [name, { consumed: 0, refused: 0 }]),
  ) as LimitTally;

  constructor(
    private readonly limits: Limits,
    private readonly shared: SharedLimitStore | undefined,
  ) {}

  /**
   * The limit `name` per key. Limits per member or per address hold across instances (their
   * counts live in Redis in multi-instance mode); `perConnection` ones stay in this instance's
   * RAM, as a connection lives on one instance.
   */
  open(name: LimitName, options: { perConnection?: boolean } = {}): RateLimiter {
    return new RateLimiter(
      limitLabel(name),
      this.limits[name],
      options.perConnection ? undefined : this.shared,
      this.observer(name),
    );
  }

  /** Counts for a limit enforced without a RateLimiter (the collab connection's token bucket). */
  observer(name: LimitName): LimitObserver {
    const counts = this.tally[name];
    return {
      consumed: (points) => {
        counts.consumed += points;
      },
      refused: () => {
        counts.refused += 1;
      },
    };
  }
}
