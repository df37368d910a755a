/**
 * Benchmark `proxy-hit`: one signed proxy URL whose image is already cached (same width, same
 * negotiated format), served by Roomkit vs a bare node:http server answering the same bytes with
 * the same headers, and vs a bare Fastify route doing the same, with the same client at the same
 * concurrency in alternating rounds. Goal: Roomkit ≥ 0.9× the bare server's req/s.
 */
import type { BenchBlock, Benchmark, RatioChart } from '../lib/bench.js';
import { photoFolder } from '../lib/fixtures.js';
import { defaultLoadWorkers, runHttpLoad } from '../lib/httpLoad.js';
import { joinParagraphs, runLine, table } from '../lib/report.js';
import { startServer, startServers, type ServerHandle } from '../lib/servers.js';
import {
  concat,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  now,
  summarize,
} from '../lib/stats.js';
import type { PreviewsContext } from './previewsContext.js';
import { ACCEPT, cacheFigures, proxyPath, proxySpec, WIDTH } from './proxy.js';

const GOAL = 0.9;
const CONNECTIONS = 32;
const ROUNDS = 2;
/** Headers each server writes for itself; the bare servers copy every other one of Roomkit's. */
const OWN_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type']);

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

export const proxyHit: Benchmark<PreviewsContext> = {
  name: 'proxy-hit',
  title: 'Cached image proxy GET vs bare node:http with the same headers',
  async run(ctx: PreviewsContext): Promise<BenchBlock[]> {
    const rounds = ctx.quick ? 1 : ROUNDS;
    const durationMs = ctx.quick ? 1000 : 5000;
    const warmupMs = ctx.quick ? 300 : 1000;
    const servers: ServerHandle[] = [];
    try {
      const photos = await photoFolder(ctx.photo, 1);
      const origin = await startServer({ kind: 'static-files', dir: photos.dir });
      servers.push(origin);
      const roomkit = await startServer(proxySpec(origin));
      servers.push(roomkit);
      const source = `${origin.url}/${photos.names[0] as string}`;
      const path = proxyPath(source);
      const headers = { accept: ACCEPT };

      // The one miss: the photo fetched, checked and resized; every measured request is a hit.
      const started = now();
      const first = await fetch(roomkit.url + path, { headers });
      const image = Buffer.from(await first.arrayBuffer());
      const missMs = now() - started;
      if (first.status !== 200 || first.headers.get('content-type') !== 'image/webp') {
        throw new Error(`proxy: ${first.status} ${first.headers.get('content-type')}`);
      }
      const copied = Object.fromEntries(
        [...first.headers].filter(([name]) => !OWN_HEADERS.has(name)),
      );
      const bareImage = { body: image, contentType: 'image/webp', headers: copied };
      const [bare, fastify] = (await startServers([
        { kind: 'bare-http', ...bareImage },
        { kind: 'bare-fastify', route: '/api/images', ...bareImage },
      ])) as [ServerHandle, ServerHandle];
      servers.push(bare, fastify);
      const cacheBefore = await cacheFigures(roomkit);

      const targets: Target[] = [
        { name: 'bare', server: bare, totals: new Totals() },
        { name: 'fastify', server: fastify, totals: new Totals() },
        { name: 'roomkit', server: roomkit, totals: new Totals() },
      ];
      // Interleaved rounds, so drift in the machine's speed touches every side alike.
      for (let round = 1; round <= rounds; round++) {
        for (const { name, server, totals } of targets) {
          const before = await server.stats();
          const result = await runHttpLoad({
            port: server.port,
            path,
            headers,
            connections: CONNECTIONS,
            durationMs,
            warmupMs,
            expectedBytes: image.byteLength,
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
      const cacheAfter = await cacheFigures(roomkit);
      const missesMeanwhile = cacheAfter.misses - cacheBefore.misses;
      if (missesMeanwhile !== 0) throw new Error(`${missesMeanwhile} cache misses under load`);

      const [bareTotals, fastifyTotals, roomkitTotals] = targets.map((t) => t.totals) as [
        Totals,
        Totals,
        Totals,
      ];
      /** One server's totals as figures, for the table and the results. */
      const figures = (t: Totals) => {
        const latency = summarize(concat(t.latencies));
        return {
          requests: t.requests,
          reqPerSec: t.perSecond,
          p50Ms: latency.p50,
          p99Ms: latency.p99,
          bytesPerSec: (t.bytes / t.windowMs) * 1000,
          serverCpuShare: t.cpuMicros / 1000 / t.windowMs,
          cpuMicrosEach: t.cpuMicrosEach,
          clientElu: t.clientElu,
          errors: t.errors,
        };
      };
      const row = (label: string, t: Totals) => {
        const f = figures(t);
        return [
          label,
          formatRate(f.reqPerSec),
          formatMs(f.p50Ms),
          formatMs(f.p99Ms),
          `${(f.bytesPerSec / 1_048_576).toFixed(0)} MiB/s`,
          `${(f.serverCpuShare * 100).toFixed(0)} %`,
          `${f.cpuMicrosEach.toFixed(0)} µs`,
          f.clientElu.toFixed(2),
          f.errors,
          formatRatio(f.reqPerSec, bareTotals.perSecond),
        ];
      };
      const ratio = roomkitTotals.perSecond / bareTotals.perSecond;
      const held = ratio >= GOAL;
      ctx.log(`  ratio ${ratio.toFixed(2)} (goal ≥ ${GOAL}) → ${held ? 'held' : 'missed'}`);
      const workers = defaultLoadWorkers();
      const headerCount = Object.keys(copied).length + 2;

      const markdown = `### Cached image proxy GET vs a bare \`node:http\` server

${runLine()}

One signed proxy URL, as a link card carries it (\`/api/images?url=…&sig=…&w=${WIDTH}\`, format
\`auto\`), asked with \`Accept: ${ACCEPT}\`: the ${formatBytes(image.byteLength)} WebP, ${WIDTH} px wide, of the 12 MP photo, which
Roomkit fetched from a local site (a bare \`node:http\` server, FETCH_ALLOW_HOSTS naming it),
checked and resized once before the measurement (cache miss: ${formatMs(missMs)}); /metrics counted
${missesMeanwhile} misses of the proxy's cache over the rounds. The bare \`node:http\` server and the bare Fastify route
answer the same bytes with the same ${headerCount} headers Roomkit sent (security headers, CSP, ETag,
Cache-Control, Vary, X-System-Status — copied from Roomkit's answer), so every server puts the
same bytes on the wire. The same closed-loop client (bench/lib/httpLoad.ts: raw keep-alive
sockets, one request in flight per connection) drives each over ${CONNECTIONS} connections from
${workers === 1 ? 'one worker thread' : `${workers} worker threads`}, in ${rounds} interleaved rounds of ${durationMs / 1000} s after ${warmupMs / 1000} s of warm-up each; every server runs
in a child process of its own. Server CPU is the server process's user + system time over the
window (100 % = one core); a client ELU near 1.00 would mean the client set the pace.

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
    row('bare `node:http`, same bytes and headers', bareTotals),
    row('bare Fastify, same route, bytes and headers', fastifyTotals),
    row(`Roomkit \`/api/images\` (signed, cached)`, roomkitTotals),
  ],
)}

**Goal: ≥ ${GOAL.toFixed(2)}× the bare server's req/s — ${held ? 'held' : 'missed'} (${ratio.toFixed(2)}×).** Roomkit spends
${formatRatio(roomkitTotals.cpuMicrosEach, bareTotals.cpuMicrosEach)} the bare server's CPU per request, ${(roomkitTotals.cpuMicrosEach - fastifyTotals.cpuMicrosEach).toFixed(0)} µs more than bare Fastify.

${whereTheTimeGoes(bareTotals, fastifyTotals, roomkitTotals)}`;
      const chart: RatioChart = {
        title: 'Cached image proxy GET',
        metric: 'requests per second, Roomkit ÷ bare server with the same headers',
        better: 'higher',
        goal: GOAL,
        bars: [
          { label: 'Roomkit ÷ bare node:http', ratio },
          {
            label: 'Roomkit ÷ bare Fastify',
            ratio: roomkitTotals.perSecond / fastifyTotals.perSecond,
          },
        ],
      };
      const results = {
        imageBytes: image.byteLength,
        missMs,
        headers: headerCount,
        connections: CONNECTIONS,
        loadWorkers: workers,
        rounds,
        durationMs,
        warmupMs,
        goal: GOAL,
        ratio,
        held,
        servers: {
          bare: figures(bareTotals),
          fastify: figures(fastifyTotals),
          roomkit: figures(roomkitTotals),
        },
      };
      return [{ id: 'previews:proxy-hit', markdown: joinParagraphs(markdown), chart, results }];
    } finally {
      for (const server of servers.reverse()) await server.stop();
    }
  },
};

/**
 * Where a cached proxy GET spends its time: the CPU per request measured in this run, and the
 * shares of a CPU profile of Roomkit under this benchmark's load (the busiest 5 s of its main
 * thread), taken when the benchmark was written.
 */
function whereTheTimeGoes(bare: Totals, fastify: Totals, roomkit: Totals): string {
  const each = roomkit.cpuMicrosEach;
  const part = (share: number) => `${((each * share) / 100).toFixed(0)} µs`;
  return `Where the time goes. Per request Roomkit spends ${each.toFixed(0)} µs of CPU, bare Fastify
${fastify.cpuMicrosEach.toFixed(0)} µs and the bare server ${bare.cpuMicrosEach.toFixed(0)} µs. A CPU profile of Roomkit's main thread under this load
(\`BENCH_CPU_PROF_DIR=/tmp/prof npm run bench -- proxy-hit\`, then
\`node --import tsx bench/lib/profileSummary.ts <profile> --window 5000 --after 8\`) puts about
40 % of its busy time (${part(40)} at this run's cost) in the kernel's \`writev\` of the answer, which the bare
servers pay for the same bytes and headers. That profile was taken when the signature check made
a new HMAC-SHA256 for every request, about 7 % of the time; the signer now remembers the
signatures it made lately, so a hit compares one string. Validating the query with zod takes
about 5 % (${part(5)}), setting the headers about 4 %, the garbage collector about 5 %, and the
request-duration histogram, the cache lookup and the request's child logger 1–2 % each; the rest
is spread over Fastify's routing and hooks (the security headers, compression's check of the
type, X-System-Status), no other frame above 2 %. None of these can simply go: the query must be
checked before it is used, and the headers are the contract's. ${(each - bare.cpuMicrosEach).toFixed(0)} µs
separate Roomkit from the bare server; ${budgetLine(bare, fastify)}`;
}

/** What the goal leaves Roomkit per request beyond the bare framework, in CPU. */
function budgetLine(bare: Totals, fastify: Totals): string {
  const allowed = bare.cpuMicrosEach / GOAL - fastify.cpuMicrosEach;
  if (allowed <= 0) {
    return `at ${GOAL}× the bare server, Roomkit would have to cost less than bare Fastify alone does.`;
  }
  return `at ${GOAL}× the bare server, Roomkit would have ${allowed.toFixed(1)} µs of CPU per request beyond bare Fastify for every step above.`;
}
