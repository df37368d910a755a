import type { RoomkitContext } from '../core/context.js';

/** The events counted, by the name the admin panel gives their rate. */
const counted = {
  'message:new': 'messages',
  'file:added': 'uploads',
  'member:joined': 'joins',
} as const;
type Rate = (typeof counted)[keyof typeof counted];

const WINDOW_SECONDS = 10;

/**
 * Messages, uploads and joins a second, over the last 10 seconds, in every room: counted from the
 * room events every instance hears (its own and, in multi-instance mode, the others' relayed),
 * in one bucket a second — a few numbers, whatever the traffic.
 */
export class EventRates {
  private readonly buckets = new Map<number, Record<Rate, number>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly ctx: Pick<RoomkitContext, 'bus' | 'clock'>) {
    this.unsubscribe = ctx.bus.subscribe((event) => {
      const rate = counted[event.name as keyof typeof counted] as Rate | undefined;
      if (rate === undefined) return;
      // People's messages: not the system lines ("Ada joined").
      if (event.name === 'message:new' && event.payload.message.type === 'system') return;
      const second = Math.floor(ctx.clock.now() / 1000);
      let bucket = this.buckets.get(second);
      if (!bucket) {
        bucket = { messages: 0, uploads: 0, joins: 0 };
        this.buckets.set(second, bucket);
        for (const old of this.buckets.keys())
          if (old <= second - WINDOW_SECONDS) this.buckets.delete(old);
      }
      bucket[rate]++;
    });
  }

  /** Events a second, averaged over the last full 10 seconds. */
  rates(): Record<Rate, number> {
    const now = Math.floor(this.ctx.clock.now() / 1000);
    const sums: Record<Rate, number> = { messages: 0, uploads: 0, joins: 0 };
    for (const [second, bucket] of this.buckets) {
      if (second <= now - WINDOW_SECONDS || second >= now) continue;
      for (const rate of Object.keys(sums) as Rate[]) sums[rate] += bucket[rate];
    }
    const perSecond = (n: number) => Math.round((n / (WINDOW_SECONDS - 1)) * 100) / 100;
    return {
      messages: perSecond(sums.messages),
      uploads: perSecond(sums.uploads),
      joins: perSecond(sums.joins),
    };
  }

  close(): void {
    this.unsubscribe();
  }
}
