/**
 * Exec saturation: many members running a short CPU-bound program at once, closed loop, through
 * `POST /api/rooms/:roomId/exec` — runs per second and the mix of answers (200, 429, 503) —
 * against the same driver in the benchmark process, called directly as many at a
 * time as Roomkit runs at once.
 */
import { defaultExecOptions } from '../../src/server/exec/ExecService.js';
import { sleep, type BenchBlock, type BenchContext, type Benchmark } from '../lib/bench.js';
import { runLine, table } from '../lib/report.js';
import { roomWith } from '../lib/roomkitClient.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
import { formatMs, formatRate, formatRatio, summarize, type Summary } from '../lib/stats.js';
import {
  BUSY,
  candidateDrivers,
  check,
  execLimits,
  inProcessDriver,
  keepAlive,
  languages,
  runOverHttp,
} from './execClient.js';

const CLIENTS = 32;
/** A refused client waits this long before it asks again (Retry-After says 5 s; nobody waits that long). */
const BACKOFF_MS = 100;

interface Load {
  runs: number;
  windowMs: number;
  latency: Summary;
  statuses: Map<string, number>;
}

/**
 * Closed loop: `lanes` callers, each calling `once` again as soon as it returns, counted over
 * `windowMs` after `warmupMs`.
 */
async function closedLoop(
  lanes: number,
  warmupMs: number,
  windowMs: number,
  once: (lane: number) => Promise<{ outcome: string; ms: number }>,
): Promise<Load> {
  const started = performance.now();
  const from = started + warmupMs;
  const to = from + windowMs;
  const latencies: number[] = [];
  const statuses = new Map<string, number>();
  let runs = 0;
  const lane = async (index: number) => {
    while (performance.now() < to) {
      const { outcome, ms } = await once(index);
      // Counted by when the answer came: at saturation a run waits in the queue for longer
      // than the window, so runs asked for in it would all be answered after it. Runs still
      // unanswered when the window ends are shown as such.
      const answeredAt = performance.now();
      const counted = outcome === 'unanswered' || (answeredAt >= from && answeredAt < to);
      if (counted) statuses.set(outcome, (statuses.get(outcome) ?? 0) + 1);
      if (outcome === '200') {
        if (counted) {
          runs++;
          latencies.push(ms);
        }
      } else if (outcome !== 'unanswered') {
        await sleep(BACKOFF_MS);
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
  return { runs, windowMs, latency: summarize(latencies), statuses };
}

interface Row {
  driver: string;
  language: string;
  alone: Load;
  roomkit: Load;
  cpuMicrosEach: number;
}

export const execSaturation: Benchmark = {
  name: 'saturation',
  title: `Exec saturation: ${CLIENTS} members running a CPU-bound program at once`,
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const warmupMs = ctx.quick ? 500 : 3000;
    const windowMs = ctx.quick ? 1500 : 10_000;
    const { concurrency, queueLength } = defaultExecOptions;
    const rows: Row[] = [];
    for (const driver of candidateDrivers()) {
      // Each load starts from a fresh server, and its unanswered runs end with it; the first
      // is the server the driver's languages are read from.
      const start = () => startServer({ kind: 'roomkit', env: { EXEC_DRIVER: driver } });
      let server: ServerHandle | undefined = await start();
      let listed: string[];
      try {
        listed = (await languages(server.url))
          .filter((l) => l.driver === driver && BUSY[l.id] !== undefined)
          .map((l) => l.id);
      } catch (error) {
        await server.stop();
        throw error;
      }
      if (ctx.quick) listed = listed.slice(0, 1);
      if (listed.length === 0) await server.stop();
      for (const language of listed) {
        server ??= await start();
        rows.push(await saturate(ctx, server, driver, language, warmupMs, windowMs));
        server = undefined;
      }
    }
    const markdown = `### Runs per second under load

${runLine()}

${CLIENTS} members of one room, each in a closed loop (a new run as soon as the last one is answered;
after a refusal, ${BACKOFF_MS} ms later), run a short CPU-bound program — a 200,000-step loop of
integer arithmetic that prints its result, checked on every answer — through
\`POST /api/rooms/:roomId/exec\`, ${warmupMs / 1000} s of warm-up then ${windowMs / 1000} s counted, with rate limits relaxed (so no
429 is expected; a real room's 10 runs a minute per member would refuse most of these). Roomkit
runs ${concurrency} at once and queues ${queueLength} more; beyond that it answers 503 \`overloaded\`. The baseline is the
same driver built in the benchmark process and called directly ${concurrency} at a time, closed loop (on a
machine this small it shares the cores with the benchmark's own work, so it is a reference rather
than a hard limit). Runs are counted when their answer arrives in the window (at saturation a run can wait in the queue for longer than the window); p50 and p99 are of those runs, queueing included. Server CPU per run is
the server process's user + system time (its worker threads included, the processes it starts —
Python, sandboxes — not) per accepted run; with no run answered in the window it is not shown.

${table(
  [
    'driver',
    'language',
    'path',
    'runs/s',
    'p50',
    'p99',
    'answers in the window',
    'server CPU / run',
    'ratio to the driver alone',
  ],
  rows.flatMap((row) => [
    [
      `\`${row.driver}\``,
      row.language,
      `driver alone, ${concurrency} at a time`,
      formatRate(perSecond(row.alone)),
      formatMs(row.alone.latency.p50),
      formatMs(row.alone.latency.p99),
      '–',
      '–',
      '1.00× (baseline)',
    ],
    [
      `\`${row.driver}\``,
      row.language,
      `Roomkit, ${CLIENTS} clients`,
      formatRate(perSecond(row.roomkit)),
      formatMs(row.roomkit.latency.p50),
      formatMs(row.roomkit.latency.p99),
      mix(row.roomkit),
      Number.isFinite(row.cpuMicrosEach) ? formatMs(row.cpuMicrosEach / 1000) : '–',
      formatRatio(perSecond(row.roomkit), perSecond(row.alone)),
    ],
  ]),
)}`;
    return [
      {
        id: 'exec:saturation',
        markdown,
        chart: {
          title: 'Exec at saturation: runs per second through Roomkit vs the driver alone',
          metric: 'runs/s, Roomkit ÷ the same driver called directly',
          better: 'higher',
          bars: rows.map((row) => ({
            label: `${row.language} on ${row.driver}`,
            ratio: perSecond(row.roomkit) / perSecond(row.alone),
          })),
        },
        results: {
          rows: rows.map((row) => ({
            driver: row.driver,
            language: row.language,
            aloneRunsPerSecond: perSecond(row.alone),
            roomkitRunsPerSecond: perSecond(row.roomkit),
            roomkitP50Ms: row.roomkit.latency.p50,
            roomkitP99Ms: row.roomkit.latency.p99,
            cpuMicrosPerRun: row.cpuMicrosEach,
          })),
        },
      },
    ];
  },
};

/** Loads `server` with runs of `language` until the window ends, then stops it. */
async function saturate(
  ctx: BenchContext,
  server: ServerHandle,
  driver: string,
  language: string,
  warmupMs: number,
  windowMs: number,
): Promise<Row> {
  const busy = BUSY[language]!;
  let roomkit: Load;
  let cpuMicrosEach: number;
  let name = language;
  try {
    name = (await languages(server.url)).find((l) => l.id === language)?.name ?? language;
    const names = Array.from({ length: CLIENTS }, (_, i) => `Runner ${i + 1}`);
    const members = await roomWith(server.url, ...names);
    const before = await server.stats();
    // Runs still queued when the window ends are abandoned, and end with the server.
    const abort = new AbortController();
    const stop = setTimeout(() => abort.abort(), warmupMs + windowMs);
    roomkit = await closedLoop(CLIENTS, warmupMs, windowMs, async (lane) => {
      const member = members[lane]!;
      try {
        const run = await runOverHttp(
          server.url,
          member.roomId,
          member.token,
          language,
          busy.code,
          abort.signal,
        );
        if (run.status === 200) check(run, busy.output, `${driver} ${language}`);
        const outcome = run.status === 200 ? '200' : `${run.status} ${run.code ?? ''}`.trim();
        return { outcome, ms: run.ms };
      } catch (error) {
        if (abort.signal.aborted) return { outcome: 'unanswered', ms: Number.NaN };
        throw error;
      }
    });
    clearTimeout(stop);
    const after = await server.stats();
    // CPU over warm-up and window together, scaled to the window, per run answered in it.
    cpuMicrosEach =
      ((after.cpuMicros - before.cpuMicros) * (windowMs / (windowMs + warmupMs))) / roomkit.runs;
  } finally {
    await server.stop();
  }
  const alone = inProcessDriver(driver);
  let aloneLoad: Load;
  try {
    aloneLoad = await keepAlive(
      closedLoop(defaultExecOptions.concurrency, warmupMs, windowMs, async () => {
        const started = performance.now();
        const result = await alone.run({ language, code: busy.code, stdin: '' }, execLimits);
        check(result, busy.output, `${driver} ${language} in process`);
        return { outcome: '200', ms: performance.now() - started };
      }),
    );
  } finally {
    await alone.close();
  }
  ctx.log(
    `  ${driver} ${language}: Roomkit ${formatRate(perSecond(roomkit))} runs/s (${mix(roomkit)}), driver alone ${formatRate(perSecond(aloneLoad))} runs/s`,
  );
  return { driver, language: name, alone: aloneLoad, roomkit, cpuMicrosEach };
}

function perSecond(load: Load): number {
  return (load.runs / load.windowMs) * 1000;
}

function mix(load: Load): string {
  return [...load.statuses]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, count]) => `${count} × ${outcome}`)
    .join(', ');
}
