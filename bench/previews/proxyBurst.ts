/**
 * Benchmark `proxy-burst`: Roomkit's memory while a burst of 1,000 distinct images goes through
 * the proxy. Goals: the proxy's cache (`roomkit_cache_bytes{cache="remote_images"}` on /metrics)
 * never passes its share, 10 % of MEMORY_BUDGET_BYTES; and RSS comes back near where it started —
 * within that share (what the cache may keep) plus the 64 MiB of slack the upload burst allows
 * (files:memory). The server is a child process; its VmRSS is read from /proc every 50 ms from
 * outside, and VmHWM, reset as the burst starts, catches what falls between samples. ipx takes
 * the same burst from the same site, for its RSS beside Roomkit's.
 */
import type { BenchBlock, Benchmark, RatioChart } from '../lib/bench.js';
import { pool, sleep } from '../lib/bench.js';
import { webPhotoFolder, WEB_PHOTO_HEIGHT, WEB_PHOTO_WIDTH } from '../lib/fixtures.js';
import { joinParagraphs, runLine, table } from '../lib/report.js';
import { startServer, type ServerHandle, type ServerSpec } from '../lib/servers.js';
import { formatBytes, formatMs, formatRate, median, now } from '../lib/stats.js';
import type { PreviewsContext } from './previewsContext.js';
import { ACCEPT, cacheFigures, ipxPath, proxyPath, proxySpec, WIDTH } from './proxy.js';

const MIB = 1_048_576;
const BUDGET = 256 * MIB;
/** The proxy cache's share of the budget (RemoteImages' CACHE_SHARE). */
const SHARE = Math.floor(BUDGET * 0.1);
/** What RSS may keep beyond the cache's share once the burst is over, as files:memory allows. */
const SLACK = 64 * MIB;
const RSS_LIMIT = SHARE + SLACK;
/** Requests in flight at once: a room's worth of browsers opening link cards. */
const CONCURRENCY = 32;
const SAMPLE_MS = 50;
const SETTLE_MS = 2_000;
/** One RSS sample in this many goes into the published timeline: one a second. */
const TIMELINE_EVERY = 1000 / SAMPLE_MS;

interface BurstRun {
  name: string;
  idle: number;
  peak: number;
  peakSource: string;
  settled: number;
  /** RSS after two full garbage collections, once settled. */
  afterGc: number;
  durationMs: number;
  statuses: Record<string, number>;
  /** Roomkit only: the proxy cache's largest sampled size and entries, and the accountant's peak. */
  cachePeak?: number;
  cacheEntriesPeak?: number;
  cacheAfter?: number;
  evictions?: number;
  accountantPeak?: number;
  cacheSamples?: number;
  timeline: string;
}

/**
 * VmRSS every 50 ms, and, for Roomkit, the proxy cache's size from /metrics and the accountant
 * whenever the previous answer has come.
 */
function sampler(server: ServerHandle, roomkit: boolean) {
  const rss: { at: number; bytes: number }[] = [];
  const cache = { peak: 0, entries: 0, samples: 0 };
  let accountantPeak = 0;
  let asking = false;
  const started = now();
  const timer = setInterval(() => {
    const memory = server.procMemory();
    if (memory) rss.push({ at: now() - started, bytes: memory.rss });
    if (!roomkit || asking) return;
    asking = true;
    void Promise.all([cacheFigures(server), server.stats()])
      .then(([figures, stats]) => {
        cache.peak = Math.max(cache.peak, figures.bytes);
        cache.entries = Math.max(cache.entries, figures.entries);
        cache.samples += 1;
        const a = stats.accountant;
        if (a) accountantPeak = Math.max(accountantPeak, a.usedBytes + a.reservedBytes);
      })
      .finally(() => (asking = false));
  }, SAMPLE_MS);
  return { rss, cache, accountantPeak: () => accountantPeak, stop: () => clearInterval(timer) };
}

async function burst(
  ctx: PreviewsContext,
  name: string,
  spec: ServerSpec,
  urlOf: (server: ServerHandle, name: string) => string,
  photos: { burst: string[]; warmup: string },
): Promise<BurstRun> {
  const server = await startServer(spec);
  const roomkit = spec.kind === 'roomkit';
  try {
    // One image first, so that what a first request loads (sharp, the door) counts as idle.
    const first = await fetch(urlOf(server, photos.warmup), { headers: { accept: ACCEPT } });
    if (first.status !== 200) throw new Error(`${name} warm-up: ${first.status}`);
    await first.arrayBuffer();
    await sleep(500);
    const idleSamples: number[] = [];
    for (let i = 0; i < 10; i++) {
      idleSamples.push(server.procMemory()?.rss ?? (await server.stats()).rss);
      await sleep(SAMPLE_MS);
    }
    const idle = median(idleSamples);
    const cacheBefore = roomkit ? await cacheFigures(server) : undefined;
    const peakReset = server.resetPeak();
    const samples = sampler(server, roomkit);
    const statuses: Record<string, number> = {};
    const started = now();
    await pool(
      CONCURRENCY,
      photos.burst.map((photo) => async () => {
        const response = await fetch(urlOf(server, photo), { headers: { accept: ACCEPT } });
        const body = Buffer.from(await response.arrayBuffer());
        let outcome = String(response.status);
        if (response.status === 200 && response.headers.get('content-type') !== 'image/webp') {
          outcome = `200 ${response.headers.get('content-type')}`;
        } else if (response.status !== 200) {
          outcome = `${response.status} ${errorCode(body)}`.trim();
        }
        statuses[outcome] = (statuses[outcome] ?? 0) + 1;
      }),
    );
    const durationMs = now() - started;
    await sleep(SETTLE_MS);
    samples.stop();
    const hwm = server.procMemory()?.peak;
    const sampledPeak = Math.max(...samples.rss.map((s) => s.bytes));
    const useHwm = peakReset && hwm !== undefined && hwm > sampledPeak;
    const settled = samples.rss.at(-1)?.bytes ?? Number.NaN;
    await server.stats({ gc: true });
    const afterGc = server.procMemory()?.rss ?? Number.NaN;
    const cacheAfter = roomkit ? await cacheFigures(server) : undefined;
    const run: BurstRun = {
      name,
      idle,
      peak: useHwm ? hwm : sampledPeak,
      peakSource: useHwm ? 'VmHWM' : `sampled every ${SAMPLE_MS} ms`,
      settled,
      afterGc,
      durationMs,
      statuses,
      timeline: samples.rss
        .filter((_, i) => i % TIMELINE_EVERY === 0)
        .map((s) => `${(s.at / 1000).toFixed(0)} s ${(s.bytes / MIB).toFixed(0)}`)
        .join(' · '),
    };
    if (cacheBefore && cacheAfter) {
      run.cachePeak = Math.max(samples.cache.peak, cacheAfter.bytes);
      run.cacheEntriesPeak = Math.max(samples.cache.entries, cacheAfter.entries);
      run.cacheAfter = cacheAfter.bytes;
      run.evictions = cacheAfter.evictions - cacheBefore.evictions;
      run.accountantPeak = samples.accountantPeak();
      run.cacheSamples = samples.cache.samples;
    }
    ctx.log(
      `  ${name}: idle ${formatBytes(idle)}, peak ${formatBytes(run.peak)} (${run.peakSource}), after ${formatBytes(settled)}, after GC ${formatBytes(afterGc)}, ${formatMs(durationMs)}; ${describe(statuses)}`,
    );
    if (run.cachePeak !== undefined) {
      ctx.log(
        `    cache peak ${formatBytes(run.cachePeak)} of ${formatBytes(SHARE)} (${run.cacheSamples} samples), ${run.evictions} evictions`,
      );
    }
    return run;
  } finally {
    await server.stop();
  }
}

/** The error envelope's code (Roomkit's `{ error: { code } }`), or nothing. */
function errorCode(body: Buffer): string {
  try {
    const { error } = JSON.parse(body.toString('utf8')) as { error?: { code?: unknown } };
    return typeof error?.code === 'string' ? error.code : '';
  } catch {
    return '';
  }
}

function describe(statuses: Record<string, number>): string {
  return Object.entries(statuses)
    .map(([outcome, n]) => `${n} × ${outcome}`)
    .join(', ');
}

/** What RSS holds during and after the burst, from the run's own figures. */
function whereTheMemoryGoes(roomkit: BurstRun, ipx: BurstRun | undefined): string {
  const left = roomkit.settled - roomkit.idle;
  const cache = roomkit.cacheAfter ?? 0;
  const gc = Math.max(0, roomkit.settled - roomkit.afterGc);
  const peer =
    ipx === undefined
      ? ''
      : ` ipx, which keeps nothing, is left ${formatBytes(ipx.settled - ipx.idle)} above its idle RSS after the same burst, with
a peak ${formatBytes(ipx.peak - ipx.idle)} above it.`;
  return `Where the memory goes. During the burst Roomkit's RSS rose ${formatBytes(roomkit.peak - roomkit.idle)} above idle: the cache
filling to its share; the fetches in flight, each holding its body whole while it is checked
(the accountant sets 8 MiB aside for each, which its peak of ${formatBytes(roomkit.accountantPeak ?? Number.NaN)} counts with the cache); and
libvips' buffers for the images being decoded, as many at once as the machine has cores. ${formatBytes(
    left,
  )} stays after it: the cache's ${formatBytes(cache)}, and memory the allocator keeps rather than hands back to the
system — a full garbage collection gives back ${formatBytes(gc)}, so it is not JavaScript's heap; glibc gives
each libvips thread an arena of its own and keeps what was freed in it ("RSS under a budget-filling
upload burst" measures \`MALLOC_ARENA_MAX=2\` and jemalloc against it).${peer}`;
}

const verdict = (ok: boolean) => (ok ? 'held' : '**missed**');

export const proxyBurst: Benchmark<PreviewsContext> = {
  name: 'proxy-burst',
  title: 'Memory under a burst of distinct images through the proxy',
  async run(ctx: PreviewsContext): Promise<BenchBlock[]> {
    const count = ctx.quick ? 60 : 1000;
    const folder = await webPhotoFolder(ctx.photo, count + 1);
    const photos = { burst: folder.names.slice(0, count), warmup: folder.names[count] as string };
    const origin = await startServer({ kind: 'static-files', dir: folder.dir });
    const remote = (name: string) => `${origin.url}/${name}`;
    try {
      const runs = [
        await burst(
          ctx,
          'Roomkit',
          proxySpec(origin, { MEMORY_BUDGET_BYTES: String(BUDGET) }),
          (server, name) => server.url + proxyPath(remote(name)),
          photos,
        ),
      ];
      // A smoke run needs Roomkit's burst; the peer is for the published figures.
      if (!ctx.quick) {
        runs.push(
          await burst(
            ctx,
            'ipx over http',
            { kind: 'ipx', httpDomains: ['127.0.0.1'] },
            (server, name) => server.url + ipxPath(remote(name)),
            photos,
          ),
        );
      }
      const roomkit = runs[0] as BurstRun;
      const cacheHeld = (roomkit.cachePeak ?? Number.POSITIVE_INFINITY) <= SHARE;
      const rssLeft = roomkit.settled - roomkit.idle;
      const rssHeld = rssLeft <= RSS_LIMIT;
      const photoBytes = (await (await fetch(remote(photos.warmup))).arrayBuffer()).byteLength;
      const cell = (value: number | undefined, format: (v: number) => string) =>
        value === undefined ? '–' : format(value);
      const rows: [string, (r: BurstRun) => string | number][] = [
        ['RSS before the burst (idle, one image served)', (r) => formatBytes(r.idle)],
        ['RSS peak during the burst', (r) => `${formatBytes(r.peak)} (${r.peakSource})`],
        ['peak − idle', (r) => formatBytes(r.peak - r.idle)],
        [`RSS ${SETTLE_MS / 1000} s after the burst`, (r) => formatBytes(r.settled)],
        [`RSS ${SETTLE_MS / 1000} s after − idle`, (r) => formatBytes(r.settled - r.idle)],
        ['RSS after a full garbage collection', (r) => formatBytes(r.afterGc)],
        ['answers', (r) => describe(r.statuses)],
        ['burst duration', (r) => formatMs(r.durationMs)],
        ['images per second', (r) => formatRate((count / r.durationMs) * 1000)],
        [
          `proxy cache's peak (/metrics, of ${formatBytes(SHARE)})`,
          (r) => cell(r.cachePeak, formatBytes),
        ],
        ["proxy cache's peak entries", (r) => cell(r.cacheEntriesPeak, String)],
        ['proxy cache after the burst', (r) => cell(r.cacheAfter, formatBytes)],
        ['entries evicted to make room', (r) => cell(r.evictions, String)],
        ["accountant's peak (held + reserved)", (r) => cell(r.accountantPeak, formatBytes)],
      ];

      const markdown = `### Memory under a burst of ${count.toLocaleString('en')} distinct images

${runLine()}

Roomkit in a child process with \`MEMORY_BUDGET_BYTES\` = ${formatBytes(BUDGET)}, so the proxy's cache may hold
${formatBytes(SHARE)} (10 %) and the door fetches 8 images at once. ${count.toLocaleString('en')} distinct ${WEB_PHOTO_WIDTH} × ${WEB_PHOTO_HEIGHT} JPEGs
(about ${formatBytes(photoBytes)} each, the photo scaled down with a different patch on each), on the local site, are
asked for once each through signed proxy URLs (\`w=${WIDTH}\`, \`Accept: ${ACCEPT}\`) by \`fetch\` in the
benchmark process, ${CONCURRENCY} in flight, after one image that warms the server up. The server's VmRSS
is read from /proc every ${SAMPLE_MS} ms; VmHWM, reset as the burst starts, catches peaks between
samples. The cache's size is read from /metrics (\`roomkit_cache_bytes{cache="remote_images"}\`)
as often as the server answers (${roomkit.cacheSamples ?? 0} times). It holds both the checked originals (about
${formatBytes(photoBytes)} each) and the variants.${runs.length > 1 ? ` ipx (its http storage, as in "Image proxy cache misses per second") takes the same burst from the same site with the same client, for its RSS beside Roomkit's; it keeps nothing between requests and queues nothing.` : ''}

Goals: the cache never passes its share (${formatBytes(SHARE)}), and ${SETTLE_MS / 1000} s after the burst RSS is back within
that share plus 64 MiB (the slack the upload burst allows above its budget) of where it
started.

${table(
  ['measure', ...runs.map((r) => r.name)],
  [
    ...rows.map(([label, value]) => [label, ...runs.map(value)]),
    [
      `goal: the cache ≤ its share, ${formatBytes(SHARE)}`,
      verdict(cacheHeld),
      ...runs.slice(1).map(() => '–'),
    ],
    [
      `goal: RSS after − idle ≤ ${formatBytes(RSS_LIMIT)}`,
      verdict(rssHeld),
      ...runs.slice(1).map(() => '–'),
    ],
  ],
  ['l', ...runs.map(() => 'r' as const)],
)}

${whereTheMemoryGoes(roomkit, runs[1])}

RSS (MiB) every ${(SAMPLE_MS * TIMELINE_EVERY) / 1000} s from the start of the burst:

${runs.map((r) => `- ${r.name}: ${r.timeline}`).join('\n')}`;
      const chart: RatioChart = {
        title: 'Image proxy burst: the cache and RSS against their limits',
        metric: `each figure ÷ its limit: the proxy cache's peak ÷ its share (${formatBytes(SHARE)}); RSS after the burst less RSS before ÷ that share + 64 MiB`,
        better: 'lower',
        goal: 1,
        bars: [
          { label: 'cache peak ÷ its share', ratio: (roomkit.cachePeak ?? Number.NaN) / SHARE },
          { label: 'RSS after − idle ÷ share + 64 MiB', ratio: rssLeft / RSS_LIMIT },
        ],
      };
      return [
        {
          id: 'previews:proxy-burst',
          markdown: joinParagraphs(markdown),
          chart,
          results: {
            images: count,
            photoBytes,
            concurrency: CONCURRENCY,
            budgetBytes: BUDGET,
            shareBytes: SHARE,
            rssLimitBytes: RSS_LIMIT,
            cacheHeld,
            rssHeld,
            runs,
          },
        },
      ];
    } finally {
      await origin.stop();
    }
  },
};
