/**
 * Exec latency: hello world through `POST /api/rooms/:roomId/exec`, for every driver available
 * on the machine and every language its server lists — cold (the first run after the server
 * starts; a new server per sample) and warm (sequential runs) — beside the same driver's own
 * time, built and called in the benchmark process. Goals: warm JavaScript p50 < 30 ms, warm
 * Python p50 < 150 ms.
 */
import type { LanguageInfo } from '../../src/server/exec/ExecDriver.js';
import {
  sampleBounded,
  sleep,
  type BenchBlock,
  type BenchContext,
  type Benchmark,
} from '../lib/bench.js';
import { runLine, table } from '../lib/report.js';
import { roomWith } from '../lib/roomkitClient.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
import { formatMs, median, summarize, type Summary } from '../lib/stats.js';
import {
  candidateDrivers,
  check,
  execLimits,
  HELLO,
  inProcessDriver,
  keepAlive,
  languages,
  runOverHttp,
} from './execClient.js';

/** Warm p50 goals, by language id. */
export const GOALS: Record<string, number> = { javascript: 30, python: 150 };
/** Warm-up runs before each series: this many, or as many as fit in WARMUP_MS (at least one). */
const WARMUP = 10;
const WARMUP_MS = 3000;
/** Paced runs: each after a pause long enough for the driver to have a warm worker waiting. */
const PACED = 5;
const MAX_PAUSE_MS = 12_000;
const EXPECTED = 'hello, world';

interface LanguageRow {
  driver: string;
  language: LanguageInfo;
  cold: number[];
  warm: Summary;
  /** Sequential runs with a pause before each: a driver with a warm worker or process waiting. */
  paced: Summary;
  pauseMs: number;
  /** What the server said the run took (`durationMs`, the driver's time inside the server). */
  reported: Summary;
  aloneCold: number;
  alone: Summary;
}

async function withRoomkit<T>(
  driver: string,
  use: (server: ServerHandle, roomId: string, token: string) => Promise<T>,
): Promise<T> {
  const server = await startServer({ kind: 'roomkit', env: { EXEC_DRIVER: driver } });
  try {
    const [member] = await roomWith(server.url, 'Runner');
    return await use(server, member!.roomId, member!.token);
  } finally {
    await server.stop();
  }
}

async function measureDriver(
  ctx: BenchContext,
  driver: string,
  notes: string[],
): Promise<LanguageRow[]> {
  const samples = { count: ctx.quick ? 3 : 40, minCount: 3, maxMs: ctx.quick ? 1_000 : 15_000 };
  const coldSamples = ctx.quick ? 1 : 3;
  // Warm runs through one server; what it lists is what gets measured.
  const warm = await withRoomkit(driver, async (server, roomId, token) => {
    let listed = (await languages(server.url)).filter((l) => l.driver === driver);
    // A smoke run: one language per driver is enough to exercise every step.
    if (ctx.quick) listed = listed.slice(0, 1);
    const measured: {
      language: LanguageInfo;
      warm: Summary;
      paced: Summary;
      pauseMs: number;
      reported: Summary;
    }[] = [];
    for (const language of listed) {
      const code = HELLO[language.id];
      if (code === undefined) {
        notes.push(
          `\`${driver}\` lists ${language.name}, which has no hello world in bench/exec/execClient.ts yet.`,
        );
        continue;
      }
      const once = async () => {
        const run = await runOverHttp(server.url, roomId, token, language.id, code);
        check(run, EXPECTED, `${driver} ${language.id}`);
        return run;
      };
      await sampleBounded({ count: ctx.quick ? 1 : WARMUP, minCount: 1, maxMs: WARMUP_MS }, once);
      const runs = await sampleBounded(samples, once);
      const warmSummary = summarize(runs.map((r) => r.ms));
      // Long enough for whatever a run used up (a worker, a process) to be replaced.
      const pauseMs = Math.min(MAX_PAUSE_MS, Math.max(200, 1.5 * warmSummary.p50));
      const paced = await sampleBounded(
        { count: ctx.quick ? 2 : PACED, minCount: 2, maxMs: 0 },
        async () => {
          await sleep(pauseMs);
          return (await once()).ms;
        },
      );
      const result = {
        language,
        warm: warmSummary,
        paced: summarize(paced),
        pauseMs,
        reported: summarize(runs.map((r) => r.result!.durationMs)),
      };
      ctx.log(
        `  ${driver} ${language.id} warm: p50 ${formatMs(result.warm.p50)}, p99 ${formatMs(result.warm.p99)} (server's durationMs p50 ${formatMs(result.reported.p50)}); paced p50 ${formatMs(result.paced.p50)}`,
      );
      measured.push(result);
    }
    return measured;
  });
  if (warm.length === 0) return [];

  const rows: LanguageRow[] = [];
  for (const { language, warm: warmSummary, paced, pauseMs, reported } of warm) {
    const code = HELLO[language.id]!;
    const cold: number[] = [];
    for (let s = 0; s < coldSamples; s++) {
      cold.push(
        await withRoomkit(driver, async (server, roomId, token) => {
          const run = await runOverHttp(server.url, roomId, token, language.id, code);
          check(run, EXPECTED, `${driver} ${language.id} cold`);
          return run.ms;
        }),
      );
    }
    // The driver alone: a fresh one for its first run, then warm runs as above.
    const alone = inProcessDriver(driver);
    try {
      const once = async () => {
        const started = performance.now();
        const result = await alone.run({ language: language.id, code, stdin: '' }, execLimits);
        const ms = performance.now() - started;
        check(result, EXPECTED, `${driver} ${language.id} in process`);
        return ms;
      };
      const aloneCold = await keepAlive(once());
      await keepAlive(sampleBounded({ count: WARMUP, minCount: 1, maxMs: WARMUP_MS }, once));
      const aloneWarm = summarize(await keepAlive(sampleBounded(samples, once)));
      ctx.log(
        `  ${driver} ${language.id}: cold ${cold.map(formatMs).join(', ')}; driver alone: first ${formatMs(aloneCold)}, warm p50 ${formatMs(aloneWarm.p50)}`,
      );
      rows.push({
        driver,
        language,
        cold,
        warm: warmSummary,
        paced,
        pauseMs,
        reported,
        aloneCold,
        alone: aloneWarm,
      });
    } finally {
      await alone.close();
    }
  }
  return rows;
}

export const execLatency: Benchmark = {
  name: 'latency',
  title: 'Exec latency per driver and language: cold, warm, and the driver alone',
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const notes: string[] = [];
    const rows: LanguageRow[] = [];
    const drivers = candidateDrivers();
    for (const driver of drivers) {
      const measured = await measureDriver(ctx, driver, notes);
      if (measured.length === 0) {
        notes.push(
          `\`EXEC_DRIVER=${driver}\`: the server lists no language of that driver (it fell back to another one), so it is not measured.`,
        );
      }
      rows.push(...measured);
    }
    const goals: string[] = [];
    for (const row of rows) {
      const goal = GOALS[row.language.id];
      if (goal === undefined) continue;
      const held = row.warm.p50 < goal;
      goals.push(
        `**Goal: warm ${row.language.name} p50 < ${goal} ms with \`${row.driver}\` — ${held ? 'held' : 'missed'} (${formatMs(row.warm.p50)} back to back; ${formatMs(row.paced.p50)} paced).**`,
      );
      if (!held) goals.push(whereTheTimeGoes(row));
    }
    const coldSamples = ctx.quick ? 1 : 3;
    const markdown = `### Run latency

${runLine()}

Hello world (\`console.log("hello, world")\`, \`print("hello, world")\`…) through
\`POST /api/rooms/:roomId/exec\` (fetch from the benchmark process, one member, rate limits relaxed),
for every driver this machine offers (\`wasm\` always; \`sandbox\` where bubblewrap is installed) and
every language that driver's server lists in \`GET /api/exec/languages\`, with Roomkit's default
limits and pool (5 s, 128 MiB, ${execLimits.outputBytes / 1024} KiB of output; 2 runs at once). **Cold** is the first run after
the server starts — a new server for each of ${coldSamples} sample${coldSamples === 1 ? '' : 's'} (median shown, all in brackets) — so it includes
starting the driver's workers or processes. **Warm** is up to ${WARMUP} runs (or ${WARMUP_MS / 1000} s) of warm-up, then up to 40 back-to-back runs or 15 s;
the whole HTTP round trip. **Paced** is ${PACED} more runs, each after a pause of 1.5 × the warm p50 (at
least 0.2 s, at most ${MAX_PAUSE_MS / 1000} s), so that a driver that uses up a worker or process per run has had time to
start the next one: a person clicking Run now and then, rather than a script. **Server's durationMs** is what the server reports the driver took
inside it. **Driver alone** is the driver Roomkit would pick for the same \`EXEC_DRIVER\`, built in
the benchmark process and called directly (\`driver.run()\`), first and warm runs alike: the
difference to warm is the HTTP request, session check, queue, and announcing the result to the
room (an \`exec:result\` event and a chat line).

${table(
  [
    'driver',
    'language',
    'cold (first run)',
    'warm p50',
    'warm p99',
    'paced p50',
    "server's durationMs p50",
    'driver alone: first run',
    'driver alone: warm p50',
    'driver alone: warm p99',
    'overhead p50',
  ],
  rows.map((row) => [
    `\`${row.driver}\``,
    `${row.language.name} (${row.language.version})`,
    `${formatMs(median(row.cold))}${row.cold.length > 1 ? ` (${row.cold.map(formatMs).join(', ')})` : ''}`,
    formatMs(row.warm.p50),
    formatMs(row.warm.p99),
    `${formatMs(row.paced.p50)} (${formatMs(row.pauseMs)} apart)`,
    formatMs(row.reported.p50),
    formatMs(row.aloneCold),
    formatMs(row.alone.p50),
    formatMs(row.alone.p99),
    formatMs(row.warm.p50 - row.alone.p50),
  ]),
)}

${[...goals, ...notes].join('\n\n')}`;
    return [
      {
        id: 'exec:latency',
        markdown,
        chart: {
          title: 'Exec: warm run latency through Roomkit vs the driver alone',
          metric: 'warm p50, over HTTP through Roomkit ÷ the driver called directly',
          better: 'lower',
          bars: rows.map((row) => ({
            label: `${row.language.name} on ${row.driver}`,
            ratio: row.warm.p50 / row.alone.p50,
          })),
        },
        results: {
          goalsMs: GOALS,
          rows: rows.map((row) => ({
            driver: row.driver,
            language: row.language.id,
            coldMs: row.cold,
            warmP50Ms: row.warm.p50,
            warmP99Ms: row.warm.p99,
            pacedP50Ms: row.paced.p50,
            reportedP50Ms: row.reported.p50,
            aloneFirstMs: row.aloneCold,
            aloneP50Ms: row.alone.p50,
          })),
        },
      },
    ];
  },
};

/** A missed goal's explanation, from the figures of the same run. */
function whereTheTimeGoes(row: LanguageRow): string {
  const parts: string[] = [];
  const outside = row.warm.p50 - row.reported.p50;
  if (row.reported.p50 >= 0.7 * row.warm.p50) {
    parts.push(
      `Where the time goes: the server reports ${formatMs(row.reported.p50)} of the ${formatMs(row.warm.p50)} as the driver's own (its \`durationMs\`); the HTTP round trip, the session check and the announcement to the room add ${formatMs(outside)}. The same driver alone in the benchmark process takes ${formatMs(row.alone.p50)} back to back`,
    );
  } else {
    parts.push(
      `Where the time goes: the driver takes ${formatMs(row.reported.p50)} inside the server (${formatMs(row.alone.p50)} alone in the benchmark process); the other ${formatMs(outside)} of the ${formatMs(row.warm.p50)} is the wait for the driver (\`durationMs\` counts the program only, not the wait for a process), the queue, the HTTP round trip, the session check and the announcement to the room`,
    );
  }
  if (row.paced.p50 < row.warm.p50 / 2) {
    parts.push(
      `paced runs take ${formatMs(row.paced.p50)}, so back-to-back runs mostly wait for the driver to get ready for the next run`,
    );
  }
  const note = DRIVER_NOTES[`${row.driver}:${row.language.id}`];
  return `${parts.join('; ')}.${note ? ` ${note}` : ''}`;
}

/** What the driver does per run, where that explains a missed goal (read from its source). */
const DRIVER_NOTES: Record<string, string> = {
  'wasm:python':
    'The wasm driver gives every Python run a fresh process that loaded Pyodide in advance and keeps ' +
    'as many loaded as its pool (2, `PythonProcesses`); processes after the first start from a memory ' +
    'snapshot of a loaded interpreter (about half a second of CPU each, one at a time), so back-to-back ' +
    'runs use them up faster than they load and each waits for the next process. Reusing a process for ' +
    'several runs from a reset interpreter would remove the wait, and is deliberately not done: ' +
    "Pyodide's `js` module hands Python the host process's JavaScript globals, so a run could leave " +
    'code behind in the process (a patched `process.send`, a timer) that the next run — another ' +
    "member's program and output — would pass through. A fresh process per run is the isolation " +
    'boundary; what is left to gain is in the load itself (the snapshot restore, about half a second of CPU).',
};
