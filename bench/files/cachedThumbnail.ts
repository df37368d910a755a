/**
 * Benchmark 3: a cached thumbnail served by Roomkit (session check, headers, ETag, metrics) vs a
 * bare node:http server returning the same Buffer, with the same client at the same concurrency.
 * Goal: Roomkit ≥ 0.9× the bare server's req/s.
 */
import type { BenchBlock, BenchContext, Benchmark } from '../lib/bench.js';
import { defaultLoadWorkers, runHttpLoad } from '../lib/httpLoad.js';
import { runLine, table } from '../lib/report.js';
import { filesUrl, getBytes, roomWith, uploadOverHttp } from '../lib/roomkitClient.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
import {
  concat,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  now,
  summarize,
} from '../lib/stats.js';

const GOAL = 0.9;
const CONNECTIONS = 32;
const ROUNDS = 2;

/** One server's figures, added up over the rounds. */
class Totals {
  requests = 0;
  errors = 0;
  windowMs = 0;
  cpuMicros = 0;
  bytes = 0;
  clientElu = 0;
  readonly latencies: Float64Array[] = [];

  get perSecond(): number {
    return (this.requests / this.windowMs) * 1000;
  }

  get cpuMicrosEach(): number {
    return this.cpuMicros / this.requests;
  }
}

interface Target {
  name: string;
  server: ServerHandle;
  totals: Totals;
}

export const cachedThumbnail: Benchmark = {
  name: 'cached',
  title: 'Cached thumbnail GET vs bare node:http',
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const durationMs = ctx.quick ? 1500 : 5000;
    const warmupMs = ctx.quick ? 500 : 1000;
    const roomkit = await startServer({ kind: 'roomkit' });
    let bare: ServerHandle | undefined = undefined;
    try {
      const [member] = await roomWith(roomkit.url, 'Ada');
      if (!member) throw new Error('no member');
      const upload = await uploadOverHttp(
        filesUrl(roomkit.url, member),
        member.token,
        'photo.jpg',
        ctx.photo,
      );
      if (!upload.ok) throw new Error(`upload failed: ${JSON.stringify(upload.body)}`);
      const path = `/api/rooms/${member.roomId}/files/${upload.body.file.id}/thumb?w=400&format=webp`;
      const headers = { authorization: `Bearer ${member.token}`, accept: 'image/webp,*/*' };
      const started = now();
      const thumb = await getBytes(roomkit.url + path, member.token);
      const missMs = now() - started;
      bare = await startServer({ kind: 'bare-http', body: thumb, contentType: 'image/webp' });

      const targets: Target[] = [
        { name: 'bare', server: bare, totals: new Totals() },
        { name: 'roomkit', server: roomkit, totals: new Totals() },
      ];
      // Interleaved rounds, so drift in the machine's speed touches both sides alike.
      for (let round = 1; round <= ROUNDS; round++) {
        for (const { name, server, totals } of targets) {
          const before = await server.stats();
          const result = await runHttpLoad({
            port: server.port,
            path,
            headers,
            connections: CONNECTIONS,
            durationMs,
            warmupMs,
            expectedBytes: thumb.byteLength,
          });
          const after = await server.stats();
          // CPU is read around warm-up and window together; this scales it to the window.
          totals.cpuMicros +=
            ((after.cpuMicros - before.cpuMicros) * durationMs) / (durationMs + warmupMs);
          totals.requests += result.requests;
          totals.errors += result.errors + result.non2xx;
          totals.windowMs += result.windowMs;
          totals.bytes += (result.bytesPerSec * result.windowMs) / 1000;
          totals.clientElu = Math.max(totals.clientElu, result.clientElu);
          totals.latencies.push(result.latencies);
          ctx.log(
            `  round ${round} ${name}: ${formatRate(result.reqPerSec)} req/s, p99 ${formatMs(result.latency.p99)}, client ELU ${result.clientElu.toFixed(2)}`,
          );
        }
      }

      const [bareTotals, roomkitTotals] = targets.map((t) => t.totals) as [Totals, Totals];
      const row = (label: string, t: Totals) => {
        const latency = summarize(concat(t.latencies));
        return [
          label,
          formatRate(t.perSecond),
          formatMs(latency.p50),
          formatMs(latency.p99),
          `${(t.bytes / t.windowMs / 1048.576).toFixed(0)} MiB/s`,
          `${((t.cpuMicros / 1000 / t.windowMs) * 100).toFixed(0)} %`,
          `${t.cpuMicrosEach.toFixed(0)} µs`,
          t.clientElu.toFixed(2),
          t.errors,
          formatRatio(t.perSecond, bareTotals.perSecond),
        ];
      };
      const ratio = roomkitTotals.perSecond / bareTotals.perSecond;
      const held = ratio >= GOAL;
      ctx.log(`  ratio ${ratio.toFixed(2)} (goal ≥ ${GOAL}) → ${held ? 'held' : 'missed'}`);
      const workers = defaultLoadWorkers();

      const markdown = `### Cached thumbnail GET vs a bare \`node:http\` server

${runLine()}

The same ${formatBytes(thumb.byteLength)} WebP thumbnail of the 12 MP photo (480 px wide: \`w=400\` rounds up
to the next of THUMB_WIDTHS), fetched by the same closed-loop client (bench/lib/httpLoad.ts:
raw keep-alive sockets, one request in flight per connection) over ${CONNECTIONS} connections from
${workers === 1 ? 'one worker thread' : `${workers} worker threads`}, in ${ROUNDS} interleaved rounds of ${durationMs / 1000} s after ${warmupMs / 1000} s of warm-up each. Both
servers run in child processes of their own. Server CPU is the server process's user + system
time over the window (100 % = one core); a client ELU (event-loop utilisation) near 1.00 would
mean the client, not the server, set the pace.

${table(
  [
    'server',
    'req/s',
    'p50',
    'p99',
    'throughput',
    'server CPU',
    'CPU / request',
    'client ELU',
    'errors',
    'ratio to bare',
  ],
  [
    row('bare `node:http`, same Buffer', bareTotals),
    row('Roomkit `/thumb?w=400&format=webp` (cached)', roomkitTotals),
  ],
)}

**Goal: ≥ ${GOAL.toFixed(2)}× the bare server's req/s — ${held ? 'held' : 'missed'} (${ratio.toFixed(2)}×).** Roomkit spends
${formatRatio(roomkitTotals.cpuMicrosEach, bareTotals.cpuMicrosEach)} the bare server's CPU per request. The thumbnail was made once (cache miss:
${formatMs(missMs)}); every measured request is a cache hit.`;
      return [{ id: 'files:cached', markdown }];
    } finally {
      await bare?.stop();
      await roomkit.stop();
    }
  },
};
