/** What each benchmark of a suite is handed and gives back. */
export interface BenchContext {
  /** Fewer samples and shorter windows: a smoke run of the suite, not figures to publish. */
  quick: boolean;
  log(line: string): void;
}

export interface BenchBlock {
  /** The docs/benchmarks.md block it fills, e.g. `files:upload`. */
  id: string;
  markdown: string;
  /**
   * The ratios the block compares, drawn by the runner as a bar chart (docs/benchmarks/<id>.svg,
   * embedded under the block's text) and kept in bench/results/<suite>.json.
   */
  chart?: RatioChart;
  /** The figures behind the block, as numbers, for bench/results/<suite>.json. */
  results?: Record<string, unknown>;
}

/**
 * One bar per comparison: Roomkit's figure divided by its baseline's or peer's, measured in the
 * same run. A bar at 1.00× means "as the baseline"; `goal` draws the line a bar must stay on the
 * right side of.
 */
export interface RatioChart {
  title: string;
  /** What the ratio is, e.g. "CPU per delivery, Roomkit ÷ bare Socket.IO". */
  metric: string;
  /** Whether a smaller ratio is the better one (CPU, latency, memory) or a larger (throughput). */
  better: 'lower' | 'higher';
  /** The goal as a ratio, when the issue or design names one. */
  goal?: number;
  bars: { label: string; ratio: number }[];
}

export interface Benchmark<C extends BenchContext = BenchContext> {
  /** Unique across every suite: `npm run bench -- <name>` runs this one. */
  name: string;
  title: string;
  run(ctx: C): Promise<BenchBlock[]>;
}

/**
 * A group of benchmarks that share a section of docs/benchmarks.md and, possibly, fixtures
 * made once for all of them (`prepare`, run only when one of them is selected).
 */
export interface Suite<C extends BenchContext = BenchContext> {
  /** The section's block id, e.g. `files`. */
  name: string;
  /** The section's heading and introduction. */
  intro: string;
  benchmarks: Benchmark<C>[];
  prepare(ctx: BenchContext): Promise<C>;
  /** Stops what `prepare` or the benchmarks left for one another, once they have all run. */
  close?(ctx: C): Promise<void>;
}

/**
 * Samples `once` until `count` samples or `maxMs` have passed, whichever comes first (but at
 * least `minCount`), so a slow server shortens the series instead of stretching the suite.
 */
export async function sampleBounded<T>(
  options: { count: number; minCount: number; maxMs: number },
  once: (index: number) => Promise<T>,
): Promise<T[]> {
  const samples: T[] = [];
  const deadline = performance.now() + options.maxMs;
  while (
    samples.length < options.count &&
    (samples.length < options.minCount || performance.now() < deadline)
  ) {
    samples.push(await once(samples.length));
  }
  return samples;
}

/** Runs `jobs` with at most `concurrency` at once; resolves with their results in order. */
export async function pool<T>(concurrency: number, jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await (jobs[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, lane));
  return results;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
