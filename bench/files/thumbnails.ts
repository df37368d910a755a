/**
 * Benchmark 2: thumbnails per second on cache misses — Roomkit's `/thumb?w=400&format=…` for N
 * distinct files vs sharp alone on the same stored bytes at the same concurrency (the limit) and
 * vs ipx (the image server behind Nuxt Image) over a folder of the same bytes, for WebP and AVIF —
 * and the measured basis of docs/decisions/003-thumbnail-formats.md: time, size and fidelity of
 * AVIF at efforts 0/2/4 against WebP and JPEG for a 400 px and a 1280 px thumbnail of the 12 MP
 * photo.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type AvifOptions, type Sharp, type WebpOptions } from 'sharp';
import { THUMB_WIDTHS } from '../../src/protocol/constants.js';
import { processImage } from '../../src/server/media/processImage.js';
import {
  pool,
  sampleBounded,
  type BenchBlock,
  type Benchmark,
  type RatioChart,
} from '../lib/bench.js';
import type { FilesContext } from './filesContext.js';
import { runLine, table } from '../lib/report.js';
import { filesUrl, getBytes, roomWith, uploadOverHttp, type Member } from '../lib/roomkitClient.js';
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

const REQUESTED_WIDTH = 400;
/** Requests (or sharp jobs) in flight at once, on every side. */
const CONCURRENCY = 4;
/** Width of Roomkit's image queue (FileService's pLimit: one per core), for a second sharp row. */
const ROOMKIT_QUEUE = Math.max(1, availableParallelism());
const ROUNDS = 2;

/** Roomkit's thumbnail encoder settings (src/server/media/variants.ts), for sharp and ipx. */
const ROOMKIT_ENCODERS = {
  webp: { quality: 75 },
  avif: { quality: 50, effort: 0 },
} satisfies { webp: WebpOptions; avif: AvifOptions };
type Format = keyof typeof ROOMKIT_ENCODERS;
/** What sharp encodes AVIF at when not told (ipx cannot tell it). */
const SHARP_DEFAULT_AVIF_EFFORT = 4;

const IPX_VERSION = (
  JSON.parse(
    readFileSync(new URL('../../node_modules/ipx/package.json', import.meta.url), 'utf8'),
  ) as { version: string }
).version;

/** One side's thumbnails of one round, or of all rounds added up. */
interface Batch {
  n: number;
  elapsedMs: number;
  latencies: number[];
  /** CPU time of the process that made them, every thread included. */
  cpuMicros: number;
  /** CPU time of the benchmark process as the client that fetched them (0 for sharp alone). */
  clientCpuMicros: number;
  bytes: number;
  width: number;
}

const emptyBatch = (): Batch => ({
  n: 0,
  elapsedMs: 0,
  latencies: [],
  cpuMicros: 0,
  clientCpuMicros: 0,
  bytes: 0,
  width: 0,
});

function add(total: Batch, batch: Batch): void {
  total.n += batch.n;
  total.elapsedMs += batch.elapsedMs;
  total.latencies.push(...batch.latencies);
  total.cpuMicros += batch.cpuMicros;
  total.clientCpuMicros += batch.clientCpuMicros;
  total.bytes = batch.bytes;
  total.width = batch.width;
}

interface UploadedFile {
  member: Member;
  fileId: string;
}

/** N files in N rooms: the same photo, but distinct cache keys (room/sha/width/format). */
async function uploadDistinct(
  ctx: FilesContext,
  server: ServerHandle,
  count: number,
  maxMs: number,
): Promise<UploadedFile[]> {
  const deadline = now() + maxMs;
  const files: UploadedFile[] = [];
  const lane = async () => {
    while (files.length < count && (files.length < 2 || now() < deadline)) {
      const [member] = await roomWith(server.url, 'Ada');
      if (!member) throw new Error('no member');
      const result = await uploadOverHttp(
        filesUrl(server.url, member),
        member.token,
        'photo.jpg',
        ctx.photo,
      );
      if (!result.ok) throw new Error(`upload refused: ${JSON.stringify(result.body)}`);
      files.push({ member, fileId: result.body.file.id });
    }
  };
  await Promise.all([lane(), lane()]);
  return files.slice(0, count);
}

/** One GET per request, CONCURRENCY in flight, each answer checked for its format. */
async function httpBatch(
  server: ServerHandle,
  requests: { url: string; headers?: Record<string, string> }[],
  format: Format,
): Promise<Batch> {
  const latencies: number[] = [];
  let last = Buffer.alloc(0);
  const before = await server.stats();
  const clientBefore = process.cpuUsage();
  const started = now();
  await pool(
    CONCURRENCY,
    requests.map(({ url, headers }) => async () => {
      const t = now();
      const response = await fetch(url, { headers });
      const body = Buffer.from(await response.arrayBuffer());
      latencies.push(now() - t);
      if (response.status !== 200 || response.headers.get('content-type') !== `image/${format}`) {
        throw new Error(`${url}: ${response.status} ${response.headers.get('content-type')}`);
      }
      last = body;
    }),
  );
  const elapsedMs = now() - started;
  const client = process.cpuUsage(clientBefore);
  const after = await server.stats();
  return {
    n: requests.length,
    elapsedMs,
    latencies,
    cpuMicros: after.cpuMicros - before.cpuMicros,
    clientCpuMicros: client.user + client.system,
    bytes: last.byteLength,
    width: (await sharp(last).metadata()).width ?? 0,
  };
}

/** Each file's thumbnail from Roomkit. */
function roomkitBatch(server: ServerHandle, files: UploadedFile[], format: Format) {
  return httpBatch(
    server,
    files.map(({ member, fileId }) => ({
      url: `${filesUrl(server.url, member)}/${fileId}/thumb?w=${REQUESTED_WIDTH}&format=${format}`,
      headers: { authorization: `Bearer ${member.token}` },
    })),
    format,
  );
}

/** ipx's modifiers for Roomkit's thumbnail: the width it serves, its format and quality. */
const ipxModifiers = (width: number, format: Format) =>
  `w_${width},f_${format},q_${ROOMKIT_ENCODERS[format].quality}`;

/** The same files' thumbnails from ipx, which holds each as `<fileId>.jpg`. */
function ipxBatch(ipx: ServerHandle, files: UploadedFile[], width: number, format: Format) {
  return httpBatch(
    ipx,
    files.map(({ fileId }) => ({ url: `${ipx.url}/${ipxModifiers(width, format)}/${fileId}.jpg` })),
    format,
  );
}

/** `n` thumbnails of the stored bytes by sharp in this process, `concurrency` at a time. */
async function sharpBatch(
  stored: Buffer,
  n: number,
  width: number,
  format: Format,
  concurrency: number,
): Promise<Batch> {
  const job = () =>
    sharp(stored, { animated: false })
      .resize({ width, withoutEnlargement: true })
      .toFormat(format, ROOMKIT_ENCODERS[format])
      .toBuffer();
  const latencies: number[] = [];
  let bytes = 0;
  // Nothing else runs in this process meanwhile, so its CPU time is sharp's (and the pool's).
  const cpuBefore = process.cpuUsage();
  const started = now();
  await pool(
    concurrency,
    Array.from({ length: n }, () => async () => {
      const t = now();
      bytes = (await job()).byteLength;
      latencies.push(now() - t);
    }),
  );
  const elapsedMs = now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    n,
    elapsedMs,
    latencies,
    cpuMicros: cpu.user + cpu.system,
    clientCpuMicros: 0,
    bytes,
    width,
  };
}

/**
 * CPU time (ms, median of a few) of what ipx does with a source before sharp sees it, on every
 * request: read the file, then copy the bytes (`Buffer.from` in its getSourceData).
 */
async function ipxSourceCost(file: string): Promise<{ readMs: number; copyMs: number }> {
  const cpuMs = (before: NodeJS.CpuUsage) => {
    const cpu = process.cpuUsage(before);
    return (cpu.user + cpu.system) / 1000;
  };
  const reads: number[] = [];
  const copies: number[] = [];
  for (let i = 0; i < 5; i++) {
    let before = process.cpuUsage();
    const bytes = await readFile(file);
    reads.push(cpuMs(before));
    before = process.cpuUsage();
    if (Buffer.from(bytes).byteLength !== bytes.byteLength) throw new Error('short copy');
    copies.push(cpuMs(before));
  }
  return { readMs: median(reads), copyMs: median(copies) };
}

type SideKey = 'sharp' | 'sharpQueue' | 'roomkit' | 'ipx' | 'ipxSameEffort';

interface Side {
  key: SideKey;
  label: string;
  run: (batch: UploadedFile[]) => Promise<Batch>;
  total: Batch;
}

/** A side's totals as figures: per second, latency, CPU per thumbnail. */
function figures(total: Batch) {
  const latency = summarize(total.latencies);
  return {
    n: total.n,
    thumbsPerSecond: (total.n / total.elapsedMs) * 1000,
    p50Ms: latency.p50,
    p99Ms: latency.p99,
    bytes: total.bytes,
    cpuMsEach: total.cpuMicros / total.n / 1000,
    /** Of one core, over the side's time: near 1, the client rather than the server set the pace. */
    clientCpuShare: total.clientCpuMicros / 1000 / total.elapsedMs,
  };
}
type Figures = ReturnType<typeof figures>;

async function throughput(ctx: FilesContext): Promise<BenchBlock> {
  const server = await startServer({ kind: 'roomkit' });
  const peers: ServerHandle[] = [];
  let dir: string | undefined = undefined;
  try {
    const files = await uploadDistinct(
      ctx,
      server,
      ctx.quick ? 4 : 16,
      ctx.quick ? 10_000 : 40_000,
    );
    const rounds = files.length >= 8 ? ROUNDS : 1;
    ctx.log(`  ${files.length} distinct files uploaded`);
    const first = files[0] as UploadedFile;
    const stored = await getBytes(
      `${filesUrl(server.url, first.member)}/${first.fileId}`,
      first.member.token,
    );
    const width = THUMB_WIDTHS.find((w) => w >= REQUESTED_WIDTH) as number;
    sharp.cache(false); // as Roomkit runs it (src/server/media/processImage.ts)

    // ipx gets what Roomkit stored, one file per Roomkit file. It keeps no results, so every
    // request is a miss even for one file; distinct files keep it so should that change.
    const folder = await mkdtemp(path.join(tmpdir(), 'roomkit-bench-ipx-'));
    dir = folder;
    await Promise.all(
      files.map(({ fileId }) => writeFile(path.join(folder, `${fileId}.jpg`), stored)),
    );
    peers.push(
      ...(await startServers([
        { kind: 'ipx', dir: folder },
        { kind: 'ipx', dir: folder, avifEffort: ROOMKIT_ENCODERS.avif.effort },
      ])),
    );
    const [ipx, ipxSameEffort] = peers as [ServerHandle, ServerHandle];

    // Warm every side up on work the measurement does not ask for (another width).
    await getBytes(
      `${filesUrl(server.url, first.member)}/${first.fileId}/thumb?w=64&format=webp`,
      first.member.token,
    );
    for (const peer of peers) {
      const response = await fetch(`${peer.url}/w_64,f_webp/${first.fileId}.jpg`);
      if (!response.ok) throw new Error(`ipx warm-up: ${response.status}`);
      await response.arrayBuffer();
    }
    await sharpBatch(stored, 1, 64, 'webp', 1);

    const rows: (string | number)[][] = [];
    const measured: ({ format: Format; side: SideKey; label: string } & Figures)[] = [];
    for (const format of ['webp', 'avif'] as const) {
      const sides: Side[] = [
        {
          key: 'sharp',
          label: `sharp alone: \`resize(${width}).${format}()\` (the limit)`,
          run: (batch) => sharpBatch(stored, batch.length, width, format, CONCURRENCY),
          total: emptyBatch(),
        },
        {
          key: 'sharpQueue',
          label: `sharp alone, ${ROOMKIT_QUEUE} at a time (as wide as Roomkit's queue)`,
          run: (batch) => sharpBatch(stored, batch.length, width, format, ROOMKIT_QUEUE),
          total: emptyBatch(),
        },
        {
          key: 'roomkit',
          label: `Roomkit \`/thumb?w=${REQUESTED_WIDTH}&format=${format}\``,
          run: (batch) => roomkitBatch(server, batch, format),
          total: emptyBatch(),
        },
        {
          key: 'ipx',
          label: `ipx \`/${ipxModifiers(width, format)}/<file>\`${format === 'avif' ? ` (effort ${SHARP_DEFAULT_AVIF_EFFORT}, as shipped)` : ''}`,
          // At effort 4 a thumbnail takes a second of CPU: a smoke run makes one.
          run: (batch) =>
            ipxBatch(
              ipx,
              ctx.quick && format === 'avif' ? batch.slice(0, 1) : batch,
              width,
              format,
            ),
          total: emptyBatch(),
        },
      ];
      // WebP has no setting ipx cannot pass; AVIF's effort needs ipx's sharpOptions.
      if (format === 'avif') {
        sides.push({
          key: 'ipxSameEffort',
          label: `ipx, same URL, effort ${ROOMKIT_ENCODERS.avif.effort} (as Roomkit)`,
          run: (batch) => ipxBatch(ipxSameEffort, batch, width, format),
          total: emptyBatch(),
        });
      }
      // Rounds on disjoint files, the order reversed each round, so that a slow spell of the
      // machine does not land on one side only.
      const size = Math.ceil(files.length / rounds);
      for (let round = 0; round < rounds; round++) {
        const batch = files.slice(round * size, (round + 1) * size);
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) add(side.total, await side.run(batch));
      }
      for (const { label, total } of sides) {
        if (total.width !== width)
          throw new Error(`${label} served ${total.width} px, not ${width}`);
      }
      const limit = figures((sides[0] as Side).total);
      for (const { key, label, total } of sides) {
        const f = figures(total);
        measured.push({ format, side: key, label, ...f });
        ctx.log(
          `  ${label}: ${formatRate(f.thumbsPerSecond)}/s, p50 ${formatMs(f.p50Ms)}, p99 ${formatMs(f.p99Ms)}, CPU each ${formatMs(f.cpuMsEach)}`,
        );
        rows.push([
          label,
          f.n,
          formatRate(f.thumbsPerSecond),
          formatMs(f.p50Ms),
          formatMs(f.p99Ms),
          formatBytes(f.bytes),
          formatMs(f.cpuMsEach),
          key === 'sharp' ? '1.00× (limit)' : formatRatio(f.thumbsPerSecond, limit.thumbsPerSecond),
        ]);
      }
    }

    const pick = (format: Format, side: SideKey) =>
      measured.find((m) => m.format === format && m.side === side) as Figures;
    const comparisons = [
      { label: 'WebP: Roomkit ÷ sharp alone (the limit)', format: 'webp', peer: 'sharp' },
      { label: 'WebP: Roomkit ÷ ipx', format: 'webp', peer: 'ipx' },
      { label: 'AVIF: Roomkit ÷ sharp alone (the limit)', format: 'avif', peer: 'sharp' },
      {
        label: `AVIF: Roomkit ÷ ipx as shipped (effort ${SHARP_DEFAULT_AVIF_EFFORT})`,
        format: 'avif',
        peer: 'ipx',
      },
      {
        label: `AVIF: Roomkit ÷ ipx at effort ${ROOMKIT_ENCODERS.avif.effort}`,
        format: 'avif',
        peer: 'ipxSameEffort',
      },
    ] as const;
    const ratios = comparisons.map(({ label, format, peer }) => {
      const roomkit = pick(format, 'roomkit');
      const other = pick(format, peer);
      return {
        label,
        throughput: roomkit.thumbsPerSecond / other.thumbsPerSecond,
        cpu: roomkit.cpuMsEach / other.cpuMsEach,
        p50: roomkit.p50Ms / other.p50Ms,
      };
    });
    const sourceCost = await ipxSourceCost(path.join(folder, `${first.fileId}.jpg`));
    const servedOverHttp = measured.filter((m) => m.side !== 'sharp' && m.side !== 'sharpQueue');
    const clientShare = Math.max(...servedOverHttp.map((m) => m.clientCpuShare));
    const chart: RatioChart = {
      title: 'Thumbnails per second on cache misses',
      metric: 'thumbnails per second, Roomkit ÷ sharp alone or ipx',
      better: 'higher',
      bars: ratios.map(({ label, throughput }) => ({ label, ratio: throughput })),
    };

    const markdown = `### Thumbnails per second (cache misses)

${runLine()}

${files.length} distinct files — the photo uploaded into ${files.length} rooms, so every request is a cache
miss — each fetched once per format as \`/thumb?w=${REQUESTED_WIDTH}\` (served ${width} px wide: a
requested width rounds up to the next of THUMB_WIDTHS), ${CONCURRENCY} requests in flight, in ${rounds} interleaved
rounds. The limit is sharp alone in the benchmark process on the same stored bytes (Roomkit's
re-encoded JPEG, ${formatBytes(stored.byteLength)}) with Roomkit's encoder settings, at the same concurrency. Roomkit
runs image work through a queue as wide as the machine has cores (${ROOMKIT_QUEUE}) whatever its clients'
concurrency, so the second sharp row runs ${ROOMKIT_QUEUE} at a time as well. CPU each is the user + system time of the process that made the
thumbnails (libvips' threads included) divided by their number: unlike thumbs/s, it does not
depend on what else the machine was doing.

The peer is ipx ${IPX_VERSION}, the image server behind Nuxt Image, run as its README shows
(\`createIPXNodeServer\` over \`ipxFSStorage\`) in a child process of its own, over a folder
holding the same stored bytes once per Roomkit file, fetched by the same client, at the same
concurrency, in the same rounds. Both use the one sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}), libvips' cache off.
The URL asks for what Roomkit serves — ${width} px, the format, Roomkit's quality — and for WebP
the settings are then the same. For AVIF they are not: ipx has no effort modifier, so as shipped
it encodes at sharp's default effort ${SHARP_DEFAULT_AVIF_EFFORT}, where Roomkit uses ${ROOMKIT_ENCODERS.avif.effort} (docs/decisions/003); the
last row sets effort ${ROOMKIT_ENCODERS.avif.effort} through ipx's \`sharpOptions\` (sharp's own \`heifEffort\`), so that
it compares the servers rather than the encoders. ipx keeps no results — no server-side cache,
only Cache-Control (max-age 60 s), Last-Modified and ETag headers (an If-None-Match is answered
by encoding again, to compute the ETag) — so it has no cached GET to set against Roomkit's (see
"Cached thumbnail GET"). The client (\`fetch\` in the benchmark process) used at most
${(clientShare * 100).toFixed(0)} % of one core while a server worked${clientShare > 0.25 ? ', enough to have slowed it' : ': it did not set the pace'}.

${table(['path', 'n', 'thumbs/s', 'p50', 'p99', 'size', 'CPU each', 'ratio to sharp'], rows)}

${table(
  ['Roomkit ÷ …', 'thumbs/s', 'CPU each', 'p50'],
  ratios.map(({ label, throughput, cpu, p50 }) => [
    label,
    `${throughput.toFixed(2)}×`,
    `${cpu.toFixed(2)}×`,
    `${p50.toFixed(2)}×`,
  ]),
)}

${whereIpxTimeGoes(pick('webp', 'roomkit'), pick('webp', 'ipx'), pick('webp', 'sharp'), pick('webp', 'sharpQueue'), sourceCost, stored.byteLength)}`;
    return {
      id: 'files:thumbs',
      markdown,
      chart,
      results: {
        files: files.length,
        rounds,
        concurrency: CONCURRENCY,
        roomkitQueue: ROOMKIT_QUEUE,
        width,
        storedBytes: stored.byteLength,
        ipx: IPX_VERSION,
        sharp: sharp.versions.sharp,
        vips: sharp.versions.vips,
        sides: measured,
        ratios,
        ipxSourceCpuMs: sourceCost,
      },
    };
  } finally {
    for (const peer of peers) await peer.stop();
    await server.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Where ipx's CPU per WebP thumbnail beyond Roomkit's goes (the settings are the same): what it
 * does with the source on every request, and the width of its pipeline (no queue).
 */
function whereIpxTimeGoes(
  roomkit: Figures,
  ipx: Figures,
  sharpWide: Figures,
  sharpQueued: Figures,
  source: { readMs: number; copyMs: number },
  storedBytes: number,
): string {
  const extra = ipx.cpuMsEach - roomkit.cpuMsEach;
  if (extra <= 0) {
    return `With the same WebP settings ipx spent no more CPU per thumbnail than Roomkit (${formatMs(ipx.cpuMsEach)} against ${formatMs(roomkit.cpuMsEach)}).`;
  }
  const wider = sharpWide.cpuMsEach - sharpQueued.cpuMsEach;
  return `Where ipx's time goes. With the same WebP settings and the same sharp, ipx spends
${formatMs(extra)} more CPU per thumbnail than Roomkit. A CPU profile of its process
(\`BENCH_CPU_PROF_DIR=/tmp/prof npm run bench -- thumbs --quick\`, then
\`node --import tsx bench/lib/profileSummary.ts <profile>\`) finds its main thread idle but for
start-up and one frame, the copy below: the rest lies under JavaScript. On every request ipx
reads the source from disk and then copies it (\`Buffer.from\` in its getSourceData):
${formatMs(source.readMs)} and ${formatMs(source.copyMs)} of CPU for the ${formatBytes(storedBytes)} file, measured in the benchmark process —
fresh memory is what costs, page by page. Roomkit, run here with its in-memory blob store (its
default without a database file), reads nothing; on its \`fs:\` store it would pay the read too,
not the copy. And ipx runs every request's pipeline at once (${CONCURRENCY} here) where Roomkit's
queue runs ${ROOMKIT_QUEUE}: sharp alone spends ${formatMs(wider)} more per thumbnail at ${CONCURRENCY} at a time than at
${ROOMKIT_QUEUE}, libvips' threads contending for the cores. Read, copy and width come to ${formatMs(source.readMs + source.copyMs + wider)} a
thumbnail, against the ${formatMs(extra)} measured.`;
}

/** PSNR (dB) of `encoded` against the exact pixels it was made from. */
async function psnr(encoded: Buffer, reference: Buffer): Promise<number> {
  const decoded = await sharp(encoded).removeAlpha().toColourspace('srgb').raw().toBuffer();
  if (decoded.length !== reference.length) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < decoded.length; i++) {
    const d = (decoded[i] as number) - (reference[i] as number);
    sum += d * d;
  }
  const mse = sum / decoded.length;
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}

async function formats(ctx: FilesContext): Promise<BenchBlock> {
  sharp.cache(false);
  // What Roomkit keeps of the upload, and so what every thumbnail is made from.
  const { bytes: stored } = await processImage(ctx.photo, 'jpeg');
  const encoders: { label: string; encode: ((image: Sharp) => Sharp) | undefined }[] = [
    { label: 'decode + resize only (raw pixels)', encode: undefined },
    { label: 'WebP q75 (Roomkit)', encode: (i) => i.webp({ quality: 75 }) },
    { label: 'AVIF q50 effort 0 (Roomkit)', encode: (i) => i.avif({ quality: 50, effort: 0 }) },
    { label: 'AVIF q50 effort 2', encode: (i) => i.avif({ quality: 50, effort: 2 }) },
    {
      label: 'AVIF q50 effort 4 (sharp default)',
      encode: (i) => i.avif({ quality: 50, effort: 4 }),
    },
    {
      label: 'JPEG q80 progressive (Roomkit)',
      encode: (i) => i.jpeg({ quality: 80, progressive: true }),
    },
  ];
  const sections: string[] = [];
  const results: Record<string, unknown>[] = [];
  // At 1280 px AVIF at effort 4 takes seconds a run: a smoke run does the small width only.
  for (const width of ctx.quick ? [400] : [400, 1280]) {
    const resized = () => sharp(stored, { animated: false }).resize({ width });
    const reference = await resized().raw().toBuffer();
    const measured: { label: string; ms: number; size: number; psnr: number; n: number }[] = [];
    for (const { label, encode } of encoders) {
      const run = () => (encode ? encode(resized()) : resized().raw()).toBuffer();
      const output = await run(); // warm-up, and the output measured for size
      const times = await sampleBounded(
        { count: ctx.quick ? 2 : 5, minCount: 2, maxMs: ctx.quick ? 2_000 : 6_000 },
        async () => {
          const t = now();
          await run();
          return now() - t;
        },
      );
      measured.push({
        label,
        ms: median(times),
        size: encode ? output.byteLength : Number.NaN,
        psnr: encode ? await psnr(output, reference) : Number.NaN,
        n: times.length,
      });
      ctx.log(
        `  ${width} px ${label}: ${formatMs(median(times))}, ${encode ? formatBytes(output.byteLength) : 'raw'}`,
      );
    }
    // JSON has no NaN or Infinity: a figure that does not apply (or is unbounded) is null.
    const figure = (value: number) => (Number.isFinite(value) ? value : null);
    for (const m of measured) {
      results.push({
        width,
        encoder: m.label,
        n: m.n,
        ms: m.ms,
        bytes: figure(m.size),
        psnr: figure(m.psnr),
      });
    }
    const webp = measured.find((m) => m.label.startsWith('WebP')) as (typeof measured)[number];
    sections.push(
      `**${width} px wide** (${width} × ${Math.round((width * 3) / 4)})\n\n${table(
        ['encoder', 'n', 'time (median)', 'time vs WebP', 'size', 'size vs WebP', 'PSNR'],
        measured.map((m) => [
          m.label,
          m.n,
          formatMs(m.ms),
          formatRatio(m.ms, webp.ms),
          Number.isNaN(m.size) ? '–' : formatBytes(m.size),
          Number.isNaN(m.size) ? '–' : formatRatio(m.size, webp.size),
          Number.isNaN(m.psnr) ? '–' : `${m.psnr.toFixed(1)} dB`,
        ]),
      )}`,
    );
  }
  const markdown = `### Thumbnail formats

${runLine()}

The measurements behind docs/decisions/003-thumbnail-formats.md. One thumbnail at a time with
sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}, libvips cache off as in Roomkit) made from what Roomkit stores for
the 12 MP photo (its re-encoded JPEG, ${formatBytes(stored.byteLength)}); each time covers the whole job — decode with
shrink-on-load, resize, encode — and is the median of up to 5 runs after a warm-up. PSNR compares
the decoded thumbnail with the resized pixels it was encoded from (higher is closer).

${sections.join('\n\n')}`;
  return {
    id: 'files:formats',
    markdown,
    results: {
      sharp: sharp.versions.sharp,
      vips: sharp.versions.vips,
      storedBytes: stored.byteLength,
      encoders: results,
    },
  };
}

export const thumbnails: Benchmark<FilesContext> = {
  name: 'thumbs',
  title: 'Thumbnails per second vs sharp alone and ipx; AVIF effort vs WebP',
  async run(ctx: FilesContext): Promise<BenchBlock[]> {
    return [await throughput(ctx), await formats(ctx)];
  },
};
