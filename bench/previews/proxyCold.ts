/**
 * Benchmark `proxy-cold`: images per second when nothing is cached — N distinct 12 MP photos on a
 * local site, each fetched once through Roomkit's proxy at the same width and format — vs ipx
 * transforming the same photos at the same width, format and quality, fetching them from the
 * same site (its http storage) or reading them from the folder the site serves (its fs storage),
 * at the same concurrency in interleaved rounds. Goal: Roomkit ≥ 1.0× ipx. Also measured, in the
 * benchmark process: what each step of Roomkit's miss costs in CPU, and sharp alone doing what
 * ipx does, the limit for a server that only resizes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { detectFileType } from '../../src/server/media/detectFileType.js';
import { checkedHeader } from '../../src/server/media/processImage.js';
import { makeVariant } from '../../src/server/media/variants.js';
import { pool, type BenchBlock, type Benchmark, type RatioChart } from '../lib/bench.js';
import { photoFolder } from '../lib/fixtures.js';
import { joinParagraphs, runLine, table } from '../lib/report.js';
import { startServer, startServers, type ServerHandle } from '../lib/servers.js';
import {
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  median,
  now,
  summarize,
} from '../lib/stats.js';
import type { PreviewsContext } from './previewsContext.js';
import { ACCEPT, ipxPath, proxyPath, proxySpec, WIDTH } from './proxy.js';

const GOAL = 1.0;
/** Requests (or sharp jobs) in flight at once, on every side. */
const CONCURRENCY = 4;
const ROUNDS = 2;
/** Width of Roomkit's image queue (RemoteImages' pLimit: one per core). */
const ROOMKIT_QUEUE = Math.max(1, availableParallelism());

const IPX_VERSION = (
  JSON.parse(
    readFileSync(new URL('../../node_modules/ipx/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;

/** One side's images of one round, or of all rounds added up. */
interface Batch {
  n: number;
  elapsedMs: number;
  latencies: number[];
  /** CPU time of the process that made them, every thread included. */
  cpuMicros: number;
  /** CPU time of the site that served the photos meanwhile (0 when nothing fetched them). */
  originCpuMicros: number;
  bytes: number;
  width: number;
}

const emptyBatch = (): Batch => ({
  n: 0,
  elapsedMs: 0,
  latencies: [],
  cpuMicros: 0,
  originCpuMicros: 0,
  bytes: 0,
  width: 0,
});

function add(total: Batch, batch: Batch): void {
  total.n += batch.n;
  total.elapsedMs += batch.elapsedMs;
  total.latencies.push(...batch.latencies);
  total.cpuMicros += batch.cpuMicros;
  total.originCpuMicros += batch.originCpuMicros;
  total.bytes = batch.bytes;
  total.width = batch.width;
}

/** One GET per URL, CONCURRENCY in flight, each answer checked to be a WebP. */
async function httpBatch(
  server: ServerHandle,
  origin: ServerHandle,
  urls: string[],
): Promise<Batch> {
  const latencies: number[] = [];
  let last = Buffer.alloc(0);
  const [before, originBefore] = await Promise.all([server.stats(), origin.stats()]);
  const started = now();
  await pool(
    CONCURRENCY,
    urls.map((url) => async () => {
      const t = now();
      const response = await fetch(url, { headers: { accept: ACCEPT } });
      const body = Buffer.from(await response.arrayBuffer());
      latencies.push(now() - t);
      if (response.status !== 200 || response.headers.get('content-type') !== 'image/webp') {
        throw new Error(`${url}: ${response.status} ${body.toString('utf8', 0, 200)}`);
      }
      last = body;
    }),
  );
  const elapsedMs = now() - started;
  const [after, originAfter] = await Promise.all([server.stats(), origin.stats()]);
  return {
    n: urls.length,
    elapsedMs,
    latencies,
    cpuMicros: after.cpuMicros - before.cpuMicros,
    originCpuMicros: originAfter.cpuMicros - originBefore.cpuMicros,
    bytes: last.byteLength,
    width: (await sharp(last).metadata()).width ?? 0,
  };
}

/** What ipx does with each photo, by sharp in this process: resize and encode, no server. */
async function sharpBatch(files: string[]): Promise<Batch> {
  const latencies: number[] = [];
  let last = Buffer.alloc(0);
  // Nothing else runs in this process meanwhile, so its CPU time is sharp's (and the reads').
  const cpuBefore = process.cpuUsage();
  const started = now();
  await pool(
    CONCURRENCY,
    files.map((file) => async () => {
      const t = now();
      last = await sharp(await readFile(file))
        .resize({ width: WIDTH })
        .webp({ quality: 75 })
        .toBuffer();
      latencies.push(now() - t);
    }),
  );
  const elapsedMs = now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    n: files.length,
    elapsedMs,
    latencies,
    cpuMicros: cpu.user + cpu.system,
    originCpuMicros: 0,
    bytes: last.byteLength,
    width: (await sharp(last).metadata()).width ?? 0,
  };
}

/**
 * CPU time (ms, median of a few runs, libvips' threads included) of each step of a proxy miss
 * after the fetch, one photo at a time in this process: the same functions Roomkit runs.
 */
async function missSteps(photo: Buffer, runs: number) {
  const cpuMs = async (step: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const before = process.cpuUsage();
      await step();
      const cpu = process.cpuUsage(before);
      samples.push((cpu.user + cpu.system) / 1000);
    }
    return median(samples);
  };
  return {
    detectMs: await cpuMs(() => detectFileType(photo, '')),
    // The original's header against the pixel and frame limits (RemoteImages' check).
    headerMs: await cpuMs(() => checkedHeader(photo, false)),
    variantMs: await cpuMs(() => makeVariant(photo, WIDTH, 'webp')),
    hashMs: await cpuMs(async () => createHash('sha256').update(photo).digest()),
    photoBytes: photo.byteLength,
    runs,
  };
}

type SideKey = 'sharp' | 'roomkit' | 'ipxHttp' | 'ipxFs';

interface Side {
  key: SideKey;
  label: string;
  run: (names: string[]) => Promise<Batch>;
  total: Batch;
}

/** A side's totals as figures: per second, latency, CPU per image. */
function figures(total: Batch) {
  const latency = summarize(total.latencies);
  return {
    n: total.n,
    imagesPerSecond: (total.n / total.elapsedMs) * 1000,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    bytes: total.bytes,
    width: total.width,
    cpuMsEach: total.cpuMicros / total.n / 1000,
    originCpuMsEach: total.originCpuMicros / total.n / 1000,
  };
}
type Figures = ReturnType<typeof figures>;

export const proxyCold: Benchmark<PreviewsContext> = {
  name: 'proxy-cold',
  title: 'Image proxy cache misses per second vs ipx',
  async run(ctx: PreviewsContext): Promise<BenchBlock[]> {
    const count = ctx.quick ? 2 : 24;
    const rounds = ctx.quick ? 1 : ROUNDS;
    // One more photo than measured, for the warm-up.
    const photos = await photoFolder(ctx.photo, count + 1);
    const warmup = photos.names[count] as string;
    const names = photos.names.slice(0, count);
    const servers: ServerHandle[] = [];
    try {
      const origin = await startServer({ kind: 'static-files', dir: photos.dir });
      servers.push(origin);
      const [roomkit, ipxHttp, ipxFs] = (await startServers([
        proxySpec(origin),
        { kind: 'ipx', httpDomains: ['127.0.0.1'] },
        { kind: 'ipx', dir: photos.dir },
      ])) as [ServerHandle, ServerHandle, ServerHandle];
      servers.push(roomkit, ipxHttp, ipxFs);
      const remote = (name: string) => `${origin.url}/${name}`;
      sharp.cache(false); // as Roomkit and the ipx servers run it

      const sides: Side[] = [
        {
          key: 'sharp',
          label: `sharp alone: read, \`resize(${WIDTH}).webp()\` (what ipx does, no server)`,
          run: (batch) => sharpBatch(batch.map((name) => path.join(photos.dir, name))),
          total: emptyBatch(),
        },
        {
          key: 'roomkit',
          label: `Roomkit \`/api/images?url=…&sig=…&w=${WIDTH}\`, Accept WebP`,
          run: (batch) =>
            httpBatch(
              roomkit,
              origin,
              batch.map((name) => roomkit.url + proxyPath(remote(name))),
            ),
          total: emptyBatch(),
        },
        {
          key: 'ipxHttp',
          label: `ipx \`${ipxPath('http://…/<file>')}\` (its http storage)`,
          run: (batch) =>
            httpBatch(
              ipxHttp,
              origin,
              batch.map((name) => ipxHttp.url + ipxPath(remote(name))),
            ),
          total: emptyBatch(),
        },
        {
          key: 'ipxFs',
          label: `ipx \`${ipxPath('<file>')}\` (its fs storage, same folder)`,
          run: (batch) =>
            httpBatch(
              ipxFs,
              origin,
              batch.map((name) => ipxFs.url + ipxPath(name)),
            ),
          total: emptyBatch(),
        },
      ];
      // Every side once on a photo the measurement does not use.
      for (const side of sides) await side.run([warmup]);

      // Rounds on disjoint photos, the order reversed each round, so that a slow spell of the
      // machine does not land on one side only. Roomkit never sees a photo twice: every request
      // is a miss, as it is for ipx, which keeps nothing.
      const size = Math.ceil(names.length / rounds);
      for (let round = 0; round < rounds; round++) {
        const batch = names.slice(round * size, (round + 1) * size);
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) add(side.total, await side.run(batch));
      }
      const measured = sides.map((side) => ({
        side: side.key,
        label: side.label,
        ...figures(side.total),
      }));
      const pick = (key: SideKey) => measured.find((m) => m.side === key) as Figures;
      for (const m of measured) {
        ctx.log(
          `  ${m.side}: ${formatRate(m.imagesPerSecond)} images/s, p50 ${formatMs(m.p50Ms)}, CPU ${formatMs(m.cpuMsEach)} each`,
        );
      }
      const roomkitFigures = pick('roomkit');
      const ratioHttp = roomkitFigures.imagesPerSecond / pick('ipxHttp').imagesPerSecond;
      const ratioFs = roomkitFigures.imagesPerSecond / pick('ipxFs').imagesPerSecond;
      // The proxy fetches over http, as ipx over http does: that is the like-for-like peer.
      const held = ratioHttp >= GOAL;
      ctx.log(
        `  ratio ${ratioHttp.toFixed(2)} (http) ${ratioFs.toFixed(2)} (fs), goal ≥ ${GOAL} → ${held ? 'held' : 'missed'}`,
      );
      const steps = await missSteps(
        await readFile(path.join(photos.dir, warmup)),
        ctx.quick ? 1 : 5,
      );
      ctx.log(
        `  miss steps (CPU): type ${formatMs(steps.detectMs)}, header ${formatMs(steps.headerMs)}, variant ${formatMs(steps.variantMs)}, SHA-256 ${formatMs(steps.hashMs)}`,
      );
      const sharpFigures = pick('sharp');
      const rows = measured.map((m) => [
        m.label,
        m.n,
        formatRate(m.imagesPerSecond),
        formatMs(m.p50Ms),
        formatMs(m.p99Ms),
        `${m.width} px, ${formatBytes(m.bytes)}`,
        formatMs(m.cpuMsEach),
        m.side === 'sharp' || m.side === 'ipxFs' ? '–' : formatMs(m.originCpuMsEach),
        formatRatio(m.imagesPerSecond, sharpFigures.imagesPerSecond),
      ]);
      const photoBytes = (await readFile(path.join(photos.dir, warmup))).byteLength;

      const markdown = `### Image proxy cache misses per second vs ipx

${runLine()}

${names.length} distinct photos — the 12 MP JPEG (${formatBytes(photoBytes)}) with a different patch on each, served by the
local site — each fetched once through each server as a ${WIDTH} px WebP, ${CONCURRENCY} requests in flight, in
${rounds} interleaved rounds on disjoint photos, after one warm-up photo each. Nothing is ever
cached: Roomkit sees each URL once, ipx keeps no results. Roomkit gets a signed URL as a link
card carries it, with \`Accept: ${ACCEPT}\`. The peer is ipx ${IPX_VERSION} (the image server behind Nuxt
Image) over the same site through its http storage, and over the folder the site serves through
its fs storage, as "Thumbnails per second" runs it; its URL asks for the same width, format and
quality (WebP q75), and each server's output is the same size. Both use the one sharp
${sharp.versions.sharp} (libvips ${sharp.versions.vips}), libvips' cache off; the client is \`fetch\` in the benchmark process.

What each includes. **Roomkit**: the signature check; the fetch through the outbound door
(undici, address checks, the body capped at 8 MiB and read whole); the type read from the
bytes; the original's header checked against the pixel and frame limits (it is never served as
fetched, only as variants; HEIC and animated PNG, not in this run, go through the upload
pipeline first); the variant (decode with shrink-on-load, upright by EXIF, resize, encode,
no metadata); SHA-256 entity tags of the
original and the variant; both kept in the cache. Fetches run 8 at a time and image work
through a queue as wide as the machine has cores (${ROOMKIT_QUEUE}). **ipx over http**: a HEAD and a GET
of the source (ofetch), a copy of the bytes, the header read (image-meta), decode with
shrink-on-load, resize, encode, an ETag over the output, every request's pipeline at once.
**ipx over files**: the same, the file read from disk instead of fetched. **sharp alone**: the
file read, then decode, resize and encode, in the benchmark process — the floor for anything
that resizes. CPU each is the user + system time of the server process (libvips' threads
included) per image; the site's own CPU per image is shown apart.

${table(
  ['path', 'n', 'images/s', 'p50', 'p99', 'output', 'CPU each', 'site CPU each', 'ratio to sharp'],
  rows,
)}

**Goal: ≥ ${GOAL.toFixed(2)}× ipx's images per second — ${held ? 'held' : 'missed'}** (${ratioHttp.toFixed(2)}× ipx over http, ${ratioFs.toFixed(2)}× ipx over files).

${whereTheTimeGoes(roomkitFigures, pick('ipxHttp'), sharpFigures, steps)}`;
      const chart: RatioChart = {
        title: 'Image proxy cache misses per second',
        metric: 'images per second, Roomkit ÷ ipx',
        better: 'higher',
        goal: GOAL,
        bars: [
          { label: 'Roomkit ÷ ipx over http', ratio: ratioHttp },
          { label: 'Roomkit ÷ ipx over files', ratio: ratioFs },
        ],
      };
      return [
        {
          id: 'previews:proxy-cold',
          markdown: joinParagraphs(markdown),
          chart,
          results: {
            photos: names.length,
            photoBytes,
            rounds,
            concurrency: CONCURRENCY,
            width: WIDTH,
            ipx: IPX_VERSION,
            sharp: sharp.versions.sharp,
            vips: sharp.versions.vips,
            goal: GOAL,
            ratioHttp,
            ratioFs,
            held,
            sides: measured,
            missStepsCpuMs: steps,
          },
        },
      ];
    } finally {
      for (const server of servers.reverse()) await server.stop();
    }
  },
};

/** Where Roomkit's CPU per miss goes, step by step, against ipx's and sharp's. */
function whereTheTimeGoes(
  roomkit: Figures,
  ipx: Figures,
  sharpAlone: Figures,
  steps: Awaited<ReturnType<typeof missSteps>>,
): string {
  const stepsMs = steps.detectMs + steps.headerMs + steps.variantMs + steps.hashMs;
  const rest = roomkit.cpuMsEach - stepsMs;
  const gap = roomkit.cpuMsEach - ipx.cpuMsEach;
  const difference =
    gap <= 0
      ? ` Roomkit spends ${formatMs(-gap)} less CPU per image than ipx over http.`
      : ` Roomkit spends ${formatMs(gap)} more CPU per image than ipx over http.`;
  return `Where the time goes. Roomkit spends ${formatMs(roomkit.cpuMsEach)} of CPU per image, ipx over http
${formatMs(ipx.cpuMsEach)} and sharp alone ${formatMs(sharpAlone.cpuMsEach)}. The steps of a miss after the fetch, run one at a time in
the benchmark process on one of the photos with the functions Roomkit runs (CPU time, libvips'
threads included, median of ${steps.runs} runs): the type read from the bytes ${formatMs(steps.detectMs)}; the
original's header against the limits ${formatMs(steps.headerMs)}; the variant ${formatMs(steps.variantMs)}, the one step ipx and sharp alone also do,
which decodes the photo at 1/8 scale; a SHA-256 ${formatMs(steps.hashMs)} for the original's entity tag. These
come to ${formatMs(stepsMs)}${
    rest > 0
      ? `; the other ${formatMs(rest)} of a miss is the fetch through the door (${formatBytes(steps.photoBytes)} read in
chunks and joined), the HTTP request and answer, and the cache`
      : ''
  }.${difference}`;
}
