/**
 * Time as the core sees it. Production uses the system clock; tests use ManualClock so that
 * expiry and clean-up are deterministic without waiting.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` every `ms` milliseconds until the returned function is called. */
  every(ms: number, fn: () => void | Promise<void>): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  every(ms, fn) {
    const timer = setInterval(() => void fn(), ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

interface Repeating {
  ms: number;
  due: number;
  fn: () => void | Promise<void>;
}

export class ManualClock implements Clock {
  private readonly timers = new Set<Repeating>();

  constructor(private current = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.current;
  }

  every(ms: number, fn: () => void | Promise<void>): () => void {
    const timer = { ms, due: this.current + ms, fn };
    this.timers.add(timer);
    return () => this.timers.delete(timer);
  }

  /** Moves time forward, running (and awaiting) every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      let next: Repeating | undefined;
      for (const timer of this.timers)
        if (timer.due <= target && (!next || timer.due < next.due)) next = timer;
      if (!next) break;
      this.current = next.due;
      next.due += next.ms;
      await next.fn();
    }
    this.current = target;
  }
}
