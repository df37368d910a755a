/**
 * Benchmark 1: from the start of an upload of the 12 MP photo to `file:added` at another member
 * of the room, sequential uploads, over Socket.IO (`file:upload`, binary) and HTTP multipart.
 * Baseline: a bare Socket.IO server moving the same bytes without processing them, in the same
 * run; the ratio is what Roomkit's checks and image processing cost on top of the transport.
 */
import type { Socket } from 'socket.io-client';
import { detectFileType } from '../../src/server/media/detectFileType.js';
import { processImage } from '../../src/server/media/processImage.js';
import { sampleBounded, type BenchBlock, type Benchmark } from '../lib/bench.js';
import type { FilesContext } from './filesContext.js';
import { runLine, table } from '../lib/report.js';
import {
  connect,
  filesUrl,
  nextEvent,
  roomWith,
  uploadOverHttp,
  uploadOverSocket,
  type UploadResult,
} from '../lib/roomkitClient.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
import { formatMs, formatRatio, now, summarize, type Summary } from '../lib/stats.js';

/** Roomkit's default MAX_UPLOAD_BYTES plus its Socket.IO packet allowance. */
const MAX_PACKET_BYTES = 20_971_520 + 64 * 1024;
const WARMUP = 2;

interface Series {
  label: string;
  /** Start of the upload → `file:added` at the other member. */
  added: Summary;
  /** Start of the upload → the uploader's ack or HTTP response. */
  acked: Summary;
}

type Upload = (name: string) => Promise<UploadResult>;

async function series(
  ctx: FilesContext,
  label: string,
  viewer: Socket,
  upload: Upload,
): Promise<Series> {
  const once = async (index: number) => {
    const name = `photo-${index}.jpg`;
    const added = nextEvent(viewer, 'file:added', (payload) => payload?.file?.name === name);
    const started = now();
    const result = await upload(name);
    const ackMs = now() - started;
    if (!result.ok) {
      added.catch(() => undefined);
      throw new Error(`${label}: upload refused: ${JSON.stringify(result.body)}`);
    }
    await added;
    return { addedMs: now() - started, ackMs };
  };
  for (let i = 0; i < (ctx.quick ? 1 : WARMUP); i++) await once(-1 - i);
  const samples = await sampleBounded(
    { count: ctx.quick ? 2 : 20, minCount: ctx.quick ? 1 : 3, maxMs: ctx.quick ? 2_000 : 30_000 },
    once,
  );
  const result = {
    label,
    added: summarize(samples.map((s) => s.addedMs)),
    acked: summarize(samples.map((s) => s.ackMs)),
  };
  ctx.log(
    `  ${label}: n=${result.added.n} p50 ${formatMs(result.added.p50)} p99 ${formatMs(result.added.p99)}`,
  );
  return result;
}

async function bareSeries(ctx: FilesContext, echo: boolean): Promise<Series[]> {
  const server = await startServer({ kind: 'bare-socketio', echo, maxBytes: MAX_PACKET_BYTES });
  const sockets: Socket[] = [];
  try {
    const room = 'bench';
    const uploader = await connect(server.url, { room });
    const viewer = await connect(server.url, { room });
    sockets.push(uploader, viewer);
    const results = [
      await series(
        ctx,
        echo
          ? 'bare Socket.IO: receive, relay the bytes to the other member'
          : 'bare Socket.IO: receive, announce (baseline)',
        viewer,
        (name) => uploadOverSocket(uploader, name, ctx.photo),
      ),
    ];
    if (!echo) {
      results.push(
        await series(
          ctx,
          'bare node:http: read the multipart body, announce (baseline)',
          viewer,
          (name) =>
            uploadOverHttp(
              `${server.url}/upload?room=${room}&name=${name}`,
              undefined,
              name,
              ctx.photo,
            ),
        ),
      );
    }
    return results;
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
  }
}

async function roomkitSeries(ctx: FilesContext): Promise<Series[]> {
  const server: ServerHandle = await startServer({ kind: 'roomkit' });
  const sockets: Socket[] = [];
  try {
    const [uploader, viewer] = await roomWith(server.url, 'Uploader', 'Viewer');
    if (!uploader || !viewer) throw new Error('no members');
    const uploaderSocket = await connect(
      server.url,
      { token: uploader.token },
      { waitForState: true },
    );
    const viewerSocket = await connect(server.url, { token: viewer.token }, { waitForState: true });
    sockets.push(uploaderSocket, viewerSocket);
    return [
      await series(ctx, 'Roomkit `file:upload` over Socket.IO', viewerSocket, (name) =>
        uploadOverSocket(uploaderSocket, name, ctx.photo),
      ),
      await series(ctx, 'Roomkit multipart `POST /api/rooms/:id/files`', viewerSocket, (name) =>
        uploadOverHttp(filesUrl(server.url, uploader), uploader.token, name, ctx.photo),
      ),
    ];
  } finally {
    for (const socket of sockets) socket.disconnect();
    await server.stop();
  }
}

/** Roomkit's own type check and image processing, in this process, without any transport. */
async function processingAlone(ctx: FilesContext): Promise<Summary> {
  const once = async () => {
    const started = now();
    const type = await detectFileType(ctx.photo, 'photo.jpg');
    if (type.kind !== 'image') throw new Error(`photo detected as ${type.kind}`);
    await processImage(ctx.photo, type.format);
    return now() - started;
  };
  await once();
  const summary = summarize(
    await sampleBounded(
      { count: ctx.quick ? 1 : 10, minCount: ctx.quick ? 1 : 3, maxMs: ctx.quick ? 0 : 15_000 },
      once,
    ),
  );
  ctx.log(`  processImage alone: n=${summary.n} p50 ${formatMs(summary.p50)}`);
  return summary;
}

export const uploadLatency: Benchmark<FilesContext> = {
  name: 'upload',
  title: 'Upload → file:added latency vs a bare Socket.IO server',
  async run(ctx: FilesContext): Promise<BenchBlock[]> {
    const [bareNotify, bareHttp] = (await bareSeries(ctx, false)) as [Series, Series];
    const [bareEcho] = (await bareSeries(ctx, true)) as [Series];
    const [roomkitSocket, roomkitHttp] = (await roomkitSeries(ctx)) as [Series, Series];
    const processing = await processingAlone(ctx);

    const row = (s: Series, base: Series | undefined) => [
      s.label,
      s.added.n,
      formatMs(s.added.p50),
      formatMs(s.added.p90),
      formatMs(s.added.p99),
      formatMs(s.acked.p50),
      base ? formatRatio(s.added.p50, base.added.p50) : '1.00× (baseline)',
      base ? formatRatio(s.added.p99, base.added.p99) : '1.00× (baseline)',
    ];
    const header = ['path', 'n', 'p50', 'p90', 'p99', 'uploader ack p50', 'p50 ratio', 'p99 ratio'];
    const socketOverhead = roomkitSocket.added.p50 - bareNotify.added.p50;
    const httpOverhead = roomkitHttp.added.p50 - bareHttp.added.p50;

    const markdown = `### Upload → \`file:added\` latency

${runLine()}

Sequential uploads of the ${(ctx.photo.byteLength / 1_048_576).toFixed(1)} MiB 12 MP JPEG by one member, timed from the start of
the upload to \`file:added\` arriving at another member's socket (both websocket-only
socket.io-client sockets in the benchmark process); ${WARMUP} warm-up uploads first, then up to 20 per path
or 30 s. The bare baselines (bench/lib/serverHost.ts) receive the same bytes over the same
transports and announce them to the room without looking at them; the relay row also sends the
3 MB back out to the other member. Ratios compare each Roomkit path with the bare baseline of its
transport.

${table(header, [
  row(bareNotify, undefined),
  row(bareEcho, bareNotify),
  row(roomkitSocket, bareNotify),
  row(bareHttp, undefined),
  row(roomkitHttp, bareHttp),
])}

Roomkit's type check and image processing alone (\`detectFileType\` + \`processImage\`, the
same functions, in the benchmark process with no transport): p50 ${formatMs(processing.p50)}, p99
${formatMs(processing.p99)} (n = ${processing.n}). Over the bare transports, Roomkit adds
${formatMs(socketOverhead)} (Socket.IO) and ${formatMs(httpOverhead)} (HTTP) at p50.`;
    const figures = (series: Series) => ({
      n: series.added.n,
      p50Ms: series.added.p50,
      p99Ms: series.added.p99,
      ackP50Ms: series.acked.p50,
    });
    return [
      {
        id: 'files:upload',
        markdown,
        chart: {
          title: 'Photo upload → file:added: Roomkit vs a bare server on the same transport',
          metric:
            'p50 latency, Roomkit ÷ the bare server (alone, or plus the same image processing timed alone)',
          better: 'lower',
          bars: [
            {
              label: 'Socket.IO, vs bare',
              ratio: roomkitSocket.added.p50 / bareNotify.added.p50,
            },
            {
              label: 'Socket.IO, vs bare + processing',
              ratio: roomkitSocket.added.p50 / (bareNotify.added.p50 + processing.p50),
            },
            { label: 'HTTP multipart, vs bare', ratio: roomkitHttp.added.p50 / bareHttp.added.p50 },
            {
              label: 'HTTP multipart, vs bare + processing',
              ratio: roomkitHttp.added.p50 / (bareHttp.added.p50 + processing.p50),
            },
          ],
        },
        results: {
          photoBytes: ctx.photo.byteLength,
          bareSocketIo: figures(bareNotify),
          bareSocketIoRelay: figures(bareEcho),
          roomkitSocketIo: figures(roomkitSocket),
          bareHttp: figures(bareHttp),
          roomkitHttp: figures(roomkitHttp),
          processingAlone: { n: processing.n, p50Ms: processing.p50, p99Ms: processing.p99 },
        },
      },
    ];
  },
};
