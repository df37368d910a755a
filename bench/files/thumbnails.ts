/**
 * Benchmark 2: thumbnails per second on cache misses — Roomkit's `/thumb?w=400&format=…` for N
 * distinct files vs sharp alone on the same stored bytes at the same concurrency (the limit),
 * for WebP and AVIF — and the measured basis of docs/decisions/003-thumbnail-formats.md: time,
 * size and fidelity of AVIF at efforts 0/2/4 against WebP and JPEG for a 400 px and a 1280 px
 * thumbnail of the 12 MP photo.
 */
import { availableParallelism } from 'node:os';
import sharp, { type Sharp } from 'sharp';
import { THUMB_WIDTHS } from '../../src/protocol/constants.js';
import { processImage } from '../../src/server/files/processImage.js';
import { pool, sampleBounded, type BenchBlock, type Benchmark } from '../lib/bench.js';
import type { FilesContext } from './filesContext.js';
import { runLine, table } from '../lib/report.js';
import { filesUrl, getBytes, roomWith, uploadOverHttp, type Member } from '../lib/roomkitClient.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
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
/** Requests (or sharp jobs) in flight at once, on both sides. */
const CONCURRENCY = 4;
/** Width of Roomkit's image queue (FileService's pLimit: one per core), for a second sharp row. */
const ROOMKIT_QUEUE = Math.max(1, availableParallelism());
const ROUNDS = 2;

/** Roomkit's thumbnail encoders (src/server/files/FileService.ts), for the sharp baseline. */
const roomkitEncoders = {
  webp: (image: Sharp) => image.webp({ quality: 75 }),
  avif: (image: Sharp) => image.avif({ quality: 50, effort: 0 }),
} as const;
type Format = keyof typeof roomkitEncoders;

/** One side's thumbnails of one round, or of all rounds added up. */
interface Batch {
  n: number;
  elapsedMs: number;
  latencies: number[];
  /** CPU time of the process that made them, every thread included. */
  cpuMicros: number;
  bytes: number;
  width: number;
}

const emptyBatch = (): Batch => ({
  n: 0,
  elapsedMs: 0,
  latencies: [],
  cpuMicros: 0,
  bytes: 0,
  width: 0,
});

function add(total: Batch, batch: Batch): void {
  total.n += batch.n;
  total.elapsedMs += batch.elapsedMs;
  total.latencies.push(...batch.latencies);
  total.cpuMicros += batch.cpuMicros;
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

/** Each file's thumbnail from Roomkit, CONCURRENCY requests in flight. */
async function roomkitBatch(
  server: ServerHandle,
  files: UploadedFile[],
  format: Format,
): Promise<Batch> {
  const latencies: number[] = [];
  let last = Buffer.alloc(0);
  const before = await server.stats();
  const started = now();
  await pool(
    CONCURRENCY,
    files.map(({ member, fileId }) => async () => {
      const url = `${filesUrl(server.url, member)}/${fileId}/thumb?w=${REQUESTED_WIDTH}&format=${format}`;
      const t = now();
      const response = await fetch(url, { headers: { authorization: `Bearer ${member.token}` } });
      const body = Buffer.from(await response.arrayBuffer());
      latencies.push(now() - t);
      if (response.status !== 200 || response.headers.get('content-type') !== `image/${format}`) {
        throw new Error(`thumb: ${response.status} ${response.headers.get('content-type')}`);
      }
      last = body;
    }),
  );
  const elapsedMs = now() - started;
  const after = await server.stats();
  return {
    n: files.length,
    elapsedMs,
    latencies,
    cpuMicros: after.cpuMicros - before.cpuMicros,
    bytes: last.byteLength,
    width: (await sharp(last).metadata()).width ?? 0,
  };
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
    roomkitEncoders[format](
      sharp(stored, { animated: false }).resize({ width, withoutEnlargement: true }),
    ).toBuffer();
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
  return { n, elapsedMs, latencies, cpuMicros: cpu.user + cpu.system, bytes, width };
}

async function throughput(ctx: FilesContext): Promise<BenchBlock> {
  const server = await startServer({ kind: 'roomkit' });
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
    sharp.cache(false); // as Roomkit runs it (src/server/files/processImage.ts)
    // Warm both sides up on work the measurement does not ask for (another width).
    await getBytes(
      `${filesUrl(server.url, first.member)}/${first.fileId}/thumb?w=64&format=webp`,
      first.member.token,
    );
    await sharpBatch(stored, 1, 64, 'webp', 1);

    const rows: (string | number)[][] = [];
    for (const format of ['webp', 'avif'] as const) {
      const sides = [
        {
          label: `sharp alone: \`resize(${width}).${format}()\` (the limit)`,
          run: (batch: UploadedFile[]) =>
            sharpBatch(stored, batch.length, width, format, CONCURRENCY),
          total: emptyBatch(),
        },
        {
          label: `sharp alone, ${ROOMKIT_QUEUE} at a time (as wide as Roomkit's queue)`,
          run: (batch: UploadedFile[]) =>
            sharpBatch(stored, batch.length, width, format, ROOMKIT_QUEUE),
          total: emptyBatch(),
        },
        {
          label: `Roomkit \`/thumb?w=${REQUESTED_WIDTH}&format=${format}\``,
          run: (batch: UploadedFile[]) => roomkitBatch(server, batch, format),
          total: emptyBatch(),
        },
      ];
      // Rounds on disjoint files, the order reversed each round, so that a slow spell of the
      // machine does not land on one side only.
      const size = Math.ceil(files.length / rounds);
      for (let round = 0; round < rounds; round++) {
        const batch = files.slice(round * size, (round + 1) * size);
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) add(side.total, await side.run(batch));
      }
      const [limit, , roomkit] = sides.map((side) => side.total) as [Batch, Batch, Batch];
      if (roomkit.width !== width) {
        throw new Error(`Roomkit served ${roomkit.width} px, expected ${width}`);
      }
      for (const { label, total } of sides) {
        const latency = summarize(total.latencies);
        const perSecond = (total.n / total.elapsedMs) * 1000;
        ctx.log(
          `  ${label}: ${formatRate(perSecond)}/s, p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}`,
        );
        rows.push([
          label,
          total.n,
          formatRate(perSecond),
          formatMs(latency.p50),
          formatMs(latency.p99),
          formatBytes(total.bytes),
          formatMs(total.cpuMicros / total.n / 1000),
          total === limit
            ? '1.00× (limit)'
            : formatRatio(total.n / total.elapsedMs, limit.n / limit.elapsedMs),
        ]);
      }
    }
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

${table(['path', 'n', 'thumbs/s', 'p50', 'p99', 'size', 'CPU each', 'ratio to sharp'], rows)}`;
    return { id: 'files:thumbs', markdown };
  } finally {
    await server.stop();
  }
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
  for (const width of [400, 1280]) {
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
  return { id: 'files:formats', markdown };
}

export const thumbnails: Benchmark<FilesContext> = {
  name: 'thumbs',
  title: 'Thumbnails per second vs sharp alone; AVIF effort vs WebP',
  async run(ctx: FilesContext): Promise<BenchBlock[]> {
    return [await throughput(ctx), await formats(ctx)];
  },
};
