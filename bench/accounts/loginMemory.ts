/**
 * Memory under a burst of sign-ins: 100 `POST /api/auth/login` sent at once, and the server's
 * RSS before, at its peak (VmHWM, and the highest of samples every few ms), and once the burst
 * has settled; Roomkit against the bare argon2 route under the same cap, and the same route
 * without a cap on a libuv pool large enough to hash all 100 at once (what the cap prevents).
 * Goal: Roomkit's peak growth ≤ 1.3× the capped route's, both near cap × 19 MiB.
 */
import { defaultHasherCapacity, OWASP_MINIMUM } from '../../src/server/accounts/passwords.js';
import { sleep, type BenchBlock, type Benchmark } from '../lib/bench.js';
import { joinParagraphs, runLine, table } from '../lib/report.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
import { formatBytes } from '../lib/stats.js';
import { loginStatus } from './accountClient.js';
import { bareLoginSpec, type AccountsContext, type SignInServers } from './accountsContext.js';
import { CAP } from './login.js';

const BURST = 100;
/** The quick pass's burst: enough to run every path, not to fill the queue. */
const QUICK_BURST = 20;
/** Roomkit ÷ capped bare route, for RSS growth at the peak. */
const GOAL = 1.3;
/** How often RSS is sampled during a burst, ms. */
const SAMPLE_MS = 5;
/** One hash's memory, bytes. */
const HASH_BYTES = OWASP_MINIMUM.memoryCost * 1024;
/** libuv threads for the uncapped route: every request of the burst hashes at once. */
const UNCAPPED_POOL = 128;

interface Side {
  label: string;
  server: ServerHandle;
  /** RSS before the first burst (the server has hashed before), bytes. */
  idle: number;
  peak: number;
  sampled: number;
  /** RSS a while after each burst; the last one is reported. */
  settled: number;
  /** Answers of the last burst, by status. */
  statuses: Map<number, number>;
}

function rssOf(server: ServerHandle): { rss: number; peak: number } {
  const memory = server.procMemory();
  if (memory === undefined) throw new Error('cannot read /proc/<pid>/status');
  return memory;
}

/** `size` sign-ins at once; RSS sampled until the last is answered, then after `settleMs`. */
async function burst(side: Side, size: number, settleMs: number): Promise<void> {
  side.server.resetPeak();
  let sampled = rssOf(side.server).rss;
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, rssOf(side.server).rss);
  }, SAMPLE_MS);
  let statuses: number[];
  try {
    statuses = await Promise.all(Array.from({ length: size }, () => loginStatus(side.server.url)));
  } finally {
    clearInterval(sampler);
  }
  side.peak = Math.max(side.peak, rssOf(side.server).peak);
  side.sampled = Math.max(side.sampled, sampled);
  side.statuses = new Map();
  for (const status of statuses) side.statuses.set(status, (side.statuses.get(status) ?? 0) + 1);
  await sleep(settleMs);
  side.settled = await collectedRss(side.server);
}

/** RSS after a full garbage collection: what the process keeps, not garbage not yet collected. */
async function collectedRss(server: ServerHandle): Promise<number> {
  await server.stats({ gc: true });
  return rssOf(server).rss;
}

function newSide(label: string, server: ServerHandle): Side {
  return { label, server, idle: 0, peak: 0, sampled: 0, settled: 0, statuses: new Map() };
}

export const loginMemory: Benchmark<AccountsContext> = {
  name: 'login-memory',
  title: `Memory under a burst of ${BURST} sign-ins at once`,
  async run(ctx: AccountsContext): Promise<BenchBlock[]> {
    const rounds = ctx.quick ? 1 : 3;
    const settleMs = ctx.quick ? 200 : 3000;
    const size = ctx.quick ? QUICK_BURST : BURST;
    const starting = startServer(bareLoginSpec(UNCAPPED_POOL, 0), {
      UV_THREADPOOL_SIZE: String(UNCAPPED_POOL),
    });
    let shared: SignInServers;
    try {
      shared = await ctx.signInServers();
    } catch (error) {
      await (await starting.catch(() => undefined))?.stop();
      throw error;
    }
    const uncappedServer = await starting;
    const sides = [
      newSide('Roomkit', shared.roomkit),
      newSide(`bare route, cap ${CAP}`, shared.bare),
      newSide('bare route, no cap', uncappedServer),
    ];
    try {
      await sleep(settleMs);
      for (const side of sides) side.idle = await collectedRss(side.server);
      for (let r = 1; r <= rounds; r++) {
        for (const side of sides) {
          await burst(side, size, settleMs);
          ctx.log(
            `  round ${r} ${side.label}: idle ${formatBytes(side.idle)}, peak ${formatBytes(side.peak)} (sampled ${formatBytes(side.sampled)}), settled ${formatBytes(side.settled)}; ${[
              ...side.statuses,
            ]
              .map(([status, n]) => `${n} × ${status}`)
              .join(', ')}`,
          );
        }
      }
      return [memoryBlock(sides, { rounds, settleMs })];
    } finally {
      await uncappedServer.stop();
    }
  },
};

function memoryBlock(sides: Side[], run: { rounds: number; settleMs: number }): BenchBlock {
  const [roomkit, capped, uncapped] = sides as [Side, Side, Side];
  const growth = (side: Side) => side.peak - side.idle;
  const settledGrowth = (side: Side) => side.settled - side.idle;
  const fromIdle = (bytes: number) =>
    `${formatBytes(Math.abs(bytes))} ${bytes < 0 ? 'below' : 'above'} idle`;
  const answered = (side: Side) =>
    [...side.statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([status, n]) => `${n} × ${status}`)
      .join(', ');
  const rows = sides.map((side) => [
    side.label,
    formatBytes(side.idle),
    formatBytes(side.peak),
    formatBytes(side.sampled),
    formatBytes(growth(side)),
    formatBytes(side.settled),
    answered(side),
  ]);
  // Only the peak has a goal: after settling both are within a few MiB of idle, and a ratio of
  // two such small figures says nothing.
  const bars = [
    { label: 'RSS growth at the peak (VmHWM)', ratio: growth(roomkit) / growth(capped) },
    {
      label: 'RSS growth at the peak (sampled)',
      ratio: (roomkit.sampled - roomkit.idle) / (capped.sampled - capped.idle),
    },
  ];
  const held = bars.every((bar) => Math.round(bar.ratio * 100) / 100 <= GOAL);
  const figures = (side: Side) => ({
    idleRss: side.idle,
    peakRss: side.peak,
    sampledPeakRss: side.sampled,
    settledRss: side.settled,
    statuses: Object.fromEntries(side.statuses),
  });
  const admitted = defaultHasherCapacity.concurrent + defaultHasherCapacity.queued;
  const ratios = bars.map((bar) => `${bar.label}: ${bar.ratio.toFixed(2)}×`).join('; ');
  const markdown = `### Sign-in burst memory

${runLine()}

${BURST} \`POST /api/auth/login\` with the right password sent at once (fetch, one connection
each), ${run.rounds} burst${run.rounds === 1 ? '' : 's'} per server, in turn, ${run.settleMs / 1000} s apart. RSS is the server process's, read from
\`/proc/<pid>/status\`: idle before the first burst (each server has hashed before: the
bare routes at start, Roomkit at registration; Roomkit and the capped route are the sign-in
benchmark's processes, when it ran first), the peak (VmHWM, reset before each burst; the highest of all bursts), the highest
of samples every ${SAMPLE_MS} ms, and ${run.settleMs / 1000} s after the last burst; idle and settled are read after a full
garbage collection. Growth is the peak less idle. One
argon2id hash takes ${formatBytes(HASH_BYTES)}, so the cap of ${CAP} bounds hashing at ${formatBytes(CAP * HASH_BYTES)}; the same
route without the cap, on a libuv pool of ${UNCAPPED_POOL} threads (\`UV_THREADPOOL_SIZE\`), hashes the
whole burst at once, up to ${formatBytes(BURST * HASH_BYTES)}. (On Node's default pool of 4 threads the pool alone
would stop at 4; the cap keeps the bound when the pool is made larger for file I/O, and bounds
the queue.)

${table(['server', 'idle', 'peak', 'sampled peak', 'growth', 'settled', 'answers'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'l'])}

The cap and its queue hold ${admitted} sign-ins (${defaultHasherCapacity.concurrent} hashing, ${defaultHasherCapacity.queued} waiting); the rest of a burst is refused at once
with 503 \`overloaded\` and \`Retry-After: 1\` (Roomkit's last burst: ${answered(roomkit)}; a request that
arrives after the first answers finds room, so a burst can see more than ${admitted} succeed).
**Goal: Roomkit's peak RSS growth ≤ ${GOAL}× the capped route's** — ${held ? '**held**' : '**missed**'}: ${ratios};
without the cap the route grew by ${formatBytes(growth(uncapped))}. After settling, Roomkit was ${fromIdle(settledGrowth(roomkit))}
and the capped route ${fromIdle(settledGrowth(capped))}: the hashes' memory goes back.`;
  return {
    id: 'accounts:login-memory',
    markdown: joinParagraphs(markdown),
    chart: {
      title: `Memory under ${BURST} sign-ins at once`,
      metric: `RSS growth, Roomkit ÷ bare argon2 route with the same cap (${CAP})`,
      better: 'lower',
      goal: GOAL,
      bars,
    },
    results: {
      roomkit: figures(roomkit),
      bareCapped: figures(capped),
      bareUncapped: figures(uncapped),
      hashBytes: HASH_BYTES,
      cap: CAP,
      goal: GOAL,
    },
  };
}
