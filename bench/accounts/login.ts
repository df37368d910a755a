/**
 * Sign-in throughput: closed-loop clients, each posting `POST /api/auth/login` with the right
 * password as soon as its previous one is answered, at the server's hashing cap and at four
 * times it, against a bare Fastify route verifying the same argon2id hash under the same cap
 * (bench/baselines/argon2Login.ts), in alternating rounds. Measures logins per second, latency
 * and each server's CPU per login. Goal: Roomkit ≤ 1.3× the bare route in CPU per login and p99.
 */
import { performance } from 'node:perf_hooks';
import { defaultHasherCapacity, OWASP_MINIMUM } from '../../src/server/accounts/passwords.js';
import { sleep, type BenchBlock, type Benchmark } from '../lib/bench.js';
import { joinParagraphs, runLine, table } from '../lib/report.js';
import type { ServerHandle } from '../lib/servers.js';
import { concat, formatMs, formatRate, now, summarize } from '../lib/stats.js';
import { loginStatus } from './accountClient.js';
import type { AccountsContext } from './accountsContext.js';

/** Roomkit's hashing cap: argon2id hashes computed at once. */
export const CAP = defaultHasherCapacity.concurrent;
/** Roomkit ÷ bare, for CPU per login and p99 latency. */
const GOAL = 1.3;

/** One server at one concurrency, added up over the rounds. */
class Totals {
  logins = 0;
  /** Answers other than 200 within the window (503 `overloaded` past the queue). */
  failed = 0;
  windowMs = 0;
  cpuMicros = 0;
  clientElu = 0;
  readonly latencies: Float64Array[] = [];

  get perSecond(): number {
    return (this.logins / this.windowMs) * 1000;
  }

  get cpuPerLogin(): number {
    return this.cpuMicros / this.logins;
  }

  get latency() {
    return summarize(concat(this.latencies));
  }
}

interface Side {
  label: string;
  server: ServerHandle;
  /** By concurrency. */
  totals: Map<number, Totals>;
}

interface Round {
  logins: number;
  failed: number;
  latencies: Float64Array;
  cpuMicros: number;
  elu: number;
}

/**
 * `concurrency` lanes signing in back to back from now until the window ends; what is answered
 * within [measureFrom, measureTo) is counted, and the server's CPU over the same window.
 */
async function loginRound(
  server: ServerHandle,
  concurrency: number,
  warmupMs: number,
  windowMs: number,
): Promise<Round> {
  const measureFrom = now() + warmupMs;
  const measureTo = measureFrom + windowMs;
  const inWindow = (at: number) => at >= measureFrom && at < measureTo;
  const latencies: number[] = [];
  let logins = 0;
  let failed = 0;
  const lane = async () => {
    while (now() < measureTo) {
      const sent = now();
      const status = await loginStatus(server.url);
      const answered = now();
      if (!inWindow(answered)) continue;
      if (status === 200) {
        logins++;
        latencies.push(answered - sent);
      } else failed++;
    }
  };
  const measuring = (async () => {
    await sleep(measureFrom - now());
    const elu = performance.eventLoopUtilization();
    const before = await server.stats();
    await sleep(measureTo - now());
    const after = await server.stats();
    return {
      cpuMicros: after.cpuMicros - before.cpuMicros,
      elu: performance.eventLoopUtilization(elu).utilization,
    };
  })();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const { cpuMicros, elu } = await measuring;
  return { logins, failed, latencies: Float64Array.from(latencies), cpuMicros, elu };
}

function addRound(totals: Totals, round: Round, windowMs: number): void {
  totals.logins += round.logins;
  totals.failed += round.failed;
  totals.windowMs += windowMs;
  totals.cpuMicros += round.cpuMicros;
  totals.clientElu = Math.max(totals.clientElu, round.elu);
  totals.latencies.push(round.latencies);
}

export const login: Benchmark<AccountsContext> = {
  name: 'login',
  title: `Sign-in: POST /api/auth/login at the hashing cap (${CAP}) and at ${4 * CAP}`,
  async run(ctx: AccountsContext): Promise<BenchBlock[]> {
    const rounds = ctx.quick ? 1 : 3;
    const warmupMs = ctx.quick ? 200 : 1000;
    const windowMs = ctx.quick ? 600 : 5000;
    const levels = [CAP, 4 * CAP];
    const { roomkit, bare } = await ctx.signInServers();
    const sides: Side[] = [
      { label: 'Roomkit', server: roomkit, totals: new Map() },
      { label: 'bare Fastify + argon2', server: bare, totals: new Map() },
    ];
    for (const side of sides) for (const level of levels) side.totals.set(level, new Totals());
    for (let r = 1; r <= rounds; r++) {
      for (const level of levels) {
        for (const side of sides) {
          const result = await loginRound(side.server, level, warmupMs, windowMs);
          addRound(side.totals.get(level) as Totals, result, windowMs);
          const latency = summarize(result.latencies);
          ctx.log(
            `  round ${r} ${side.label}, ${level} at once: ${formatRate((result.logins / windowMs) * 1000)} logins/s, p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}, CPU ${(result.cpuMicros / result.logins / 1000).toFixed(1)} ms/login, ${result.failed} failed, client ELU ${result.elu.toFixed(2)}`,
          );
        }
      }
    }
    return [loginBlock(sides, levels, { rounds, warmupMs, windowMs })];
  },
};

function loginBlock(
  sides: Side[],
  levels: number[],
  run: { rounds: number; warmupMs: number; windowMs: number },
): BenchBlock {
  const [roomkit, bare] = sides as [Side, Side];
  const at = (side: Side, level: number) => side.totals.get(level) as Totals;
  const cpuMs = (t: Totals) => `${(t.cpuPerLogin / 1000).toFixed(1)} ms`;
  const rows = levels.flatMap((level) =>
    sides.map((side) => {
      const t = at(side, level);
      return [
        side.label,
        level,
        formatRate(t.perSecond),
        formatMs(t.latency.p50),
        formatMs(t.latency.p99),
        cpuMs(t),
        t.failed,
        t.clientElu.toFixed(2),
      ];
    }),
  );
  const ratio = (level: number, of: (t: Totals) => number) =>
    of(at(roomkit, level)) / of(at(bare, level));
  const bars = levels.flatMap((level) => [
    { label: `CPU per login, ${level} at once`, ratio: ratio(level, (t) => t.cpuPerLogin) },
    { label: `p99 latency, ${level} at once`, ratio: ratio(level, (t) => t.latency.p99) },
  ]);
  const held = bars.every((bar) => Math.round(bar.ratio * 100) / 100 <= GOAL);
  const figures = (side: Side) =>
    Object.fromEntries(
      levels.map((level) => {
        const t = at(side, level);
        return [
          `concurrency${level}`,
          {
            loginsPerSecond: t.perSecond,
            p50Ms: t.latency.p50,
            p99Ms: t.latency.p99,
            cpuMicrosPerLogin: t.cpuPerLogin,
            failed: t.failed,
            clientElu: t.clientElu,
          },
        ];
      }),
    );
  const markdown = `### Sign-in

${runLine()}

Closed-loop clients in the benchmark process (fetch), each posting \`POST /api/auth/login\`
with the right password as soon as its previous answer has come, ${levels.join(' and ')} of them: the
hashing cap (${CAP} argon2id verifications at once, ${defaultHasherCapacity.queued} more queued) and four times it, where
${3 * CAP} requests wait in the queue. Roomkit runs in memory mode, its sign-in limits relaxed
(\`RATE_LIMIT_LOGIN_PER_*\`); each sign-in opens a session and sets its cookie. The baseline is a
bare Fastify route verifying the same account's hash (argon2id, ${OWASP_MINIMUM.memoryCost} KiB, ${OWASP_MINIMUM.timeCost} passes,
${OWASP_MINIMUM.parallelism} lane) with @node-rs/argon2 under the same cap and queue, and nothing else. ${run.rounds} round${run.rounds === 1 ? '' : 's'} per server
and concurrency, alternating, each ${run.warmupMs / 1000} s of sign-ins before a ${run.windowMs / 1000} s window; CPU per login is
the server process's user + system time (the hashing threads included) over the window divided
by the sign-ins answered in it.

${table(['server', 'at once', 'logins/s', 'p50', 'p99', 'CPU / login', 'failed', 'client ELU'], rows)}

**Goal: Roomkit ≤ ${GOAL}× the bare route in CPU per login and p99** — ${held ? '**held**' : '**missed**'}: ${bars
    .map((bar) => `${bar.label}: ${bar.ratio.toFixed(2)}×`)
    .join('; ')}.`;
  return {
    id: 'accounts:login',
    markdown: joinParagraphs(markdown),
    chart: {
      title: 'Sign-in vs a bare argon2 route',
      metric: 'Roomkit ÷ bare Fastify + @node-rs/argon2, same hash, same cap',
      better: 'lower',
      goal: GOAL,
      bars,
    },
    results: { roomkit: figures(roomkit), bare: figures(bare), cap: CAP, goal: GOAL },
  };
}
