/** Percentiles and summaries of latency samples (milliseconds), nearest-rank. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The nearest-rank percentile `p` (0–100) of samples sorted ascending; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(samples).sort();
  let total = 0;
  for (const value of sorted) total += value;
  return {
    n: sorted.length,
    min: sorted.length > 0 ? (sorted[0] as number) : Number.NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    mean: sorted.length > 0 ? total / sorted.length : Number.NaN,
  };
}

/** The samples of several runs as one array. */
export function concat(parts: Float64Array[]): Float64Array {
  const all = new Float64Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

export function median(samples: ArrayLike<number>): number {
  return percentile(Float64Array.from(samples).sort(), 50);
}

/**
 * Wall-clock milliseconds with sub-millisecond resolution: one clock for every thread of the
 * benchmark process, so a time sent in a message body can be compared where it arrives.
 */
export const wallNow = () => performance.timeOrigin + performance.now();

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export function now(): number {
  return performance.now();
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '–';
  const mib = bytes / 1_048_576;
  if (Math.abs(mib) >= 1) return `${mib.toFixed(1)} MiB`;
  const kib = bytes / 1024;
  if (Math.abs(kib) >= 1) return `${kib.toFixed(1)} KiB`;
  return `${bytes} B`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '–';
  if (perSecond >= 100) return perSecond.toFixed(0);
  if (perSecond >= 10) return perSecond.toFixed(1);
  return perSecond.toFixed(2);
}

/** `a / b` as "0.93×"; a dash when either side is missing. */
export function formatRatio(a: number, b: number): string {
  const ratio = a / b;
  return Number.isFinite(ratio) && b !== 0 ? `${ratio.toFixed(2)}×` : '–';
}
