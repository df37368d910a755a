/**
 * Messages per second on one instance, saturated: senders posting chat messages as fast as their
 * acks come back, in memory mode, with Postgres (persistent rooms) and in multi-instance mode
 * (Postgres + Redis), in alternating rounds. Measures acknowledged messages per second and what
 * each message costs: the instance's CPU, the CPU of the Postgres backends serving it, and the
 * transactions and rows it writes.
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { sleep, type BenchBlock, type BenchContext, type Benchmark } from '../lib/bench.js';
import { runLine, table } from '../lib/report.js';
import { connect, roomWith } from '../lib/roomkitClient.js';
import { startServers, type ServerHandle } from '../lib/servers.js';
import { concat, formatMs, formatRate, formatRatio, summarize, wallNow } from '../lib/stats.js';
import {
  backendCpuSpent,
  openBacking,
  type Backing,
  type PostgresCounters,
} from './clusterBacking.js';

/** Senders, each alone in a room of its own, so that no room's seq counter is the bottleneck. */
const SENDERS = 8;
/** Messages each sender keeps unacknowledged. */
const IN_FLIGHT = 4;

class Totals {
  /** Acknowledged in the windows, and over the server's whole life (warm-ups included). */
  acked = 0;
  ackedEver = 0;
  windowMs = 0;
  cpuMicros = 0;
  postgresCpuMicros = 0;
  clientElu = 0;
  readonly acks: Float64Array[] = [];
  /** Postgres's counters over the server's life, read once it has stopped. */
  written?: PostgresCounters;

  get perSecond(): number {
    return (this.acked / this.windowMs) * 1000;
  }

  get cpuEach(): number {
    return this.cpuMicros / this.acked;
  }
}

interface Mode {
  label: string;
  env: Record<string, string>;
  server: ServerHandle;
  totals: Totals;
}

async function round(
  backing: Backing,
  mode: Mode,
  warmupMs: number,
  windowMs: number,
): Promise<{ acked: number; cpuMicros: number; postgresCpuMicros: number; elu: number }> {
  const base = mode.server.url;
  const sockets: Socket[] = [];
  try {
    for (let i = 0; i < SENDERS; i++) {
      const [member] = await roomWith(base, `Sender ${i + 1}`);
      sockets.push(await connect(base, { token: member!.token }, { waitForState: true }));
    }
    const databaseUrl = mode.env.DATABASE_URL;
    const postgresCpu = () =>
      databaseUrl === undefined
        ? Promise.resolve(new Map<number, number>())
        : backing.backendCpu(databaseUrl);
    const measureFrom = wallNow() + warmupMs;
    const measureTo = measureFrom + windowMs;
    const acks: number[] = [];
    let ackedEver = 0;
    const lane = async (socket: Socket, lane: number) => {
      for (let seq = 0; wallNow() < measureTo; seq++) {
        const at = wallNow();
        const ack = (await socket
          .timeout(10_000)
          .emitWithAck('message:send', { body: `lane ${lane} message ${seq}` })) as { ok: boolean };
        if (!ack.ok) throw new Error(`message:send refused: ${JSON.stringify(ack)}`);
        ackedEver++;
        if (at >= measureFrom && at < measureTo) acks.push(wallNow() - at);
      }
    };
    const measuring = (async () => {
      await sleep(measureFrom - wallNow());
      const elu = performance.eventLoopUtilization();
      const [before, pgBefore] = await Promise.all([mode.server.stats(), postgresCpu()]);
      await sleep(measureTo - wallNow());
      const [after, pgAfter] = await Promise.all([mode.server.stats(), postgresCpu()]);
      return {
        cpuMicros: after.cpuMicros - before.cpuMicros,
        postgresCpuMicros: backendCpuSpent(pgBefore, pgAfter),
        elu: performance.eventLoopUtilization(elu).utilization,
      };
    })();
    await Promise.all(
      sockets.flatMap((socket, s) =>
        Array.from({ length: IN_FLIGHT }, (_, l) => lane(socket, s * IN_FLIGHT + l)),
      ),
    );
    const measured = await measuring;
    const t = mode.totals;
    t.acked += acks.length;
    t.ackedEver += ackedEver;
    t.windowMs += windowMs;
    t.cpuMicros += measured.cpuMicros;
    t.postgresCpuMicros += measured.postgresCpuMicros;
    t.clientElu = Math.max(t.clientElu, measured.elu);
    t.acks.push(Float64Array.from(acks));
    return { acked: acks.length, ...measured };
  } finally {
    for (const socket of sockets) socket.disconnect();
  }
}

export const clusterPersistence: Benchmark = {
  name: 'persistence',
  title: `Messages per second on one instance: memory vs Postgres vs Postgres + Redis`,
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const rounds = ctx.quick ? 1 : 2;
    const warmupMs = ctx.quick ? 500 : 1500;
    const windowMs = ctx.quick ? 2000 : 5000;
    const backing = await openBacking();
    const modes: Mode[] = [];
    try {
      const envs: [string, Record<string, string>][] = [
        ['memory mode (baseline)', {}],
        ['Postgres (`DATABASE_URL`), persistent rooms', await backing.postgresEnv()],
        ['Postgres + Redis (multi-instance mode), one instance', await backing.clusterEnv()],
      ];
      // A first start creates each database's schema, so that its catalog rows are not counted
      // below; then every mode's instance starts, side by side.
      const schemas = envs.filter(([, env]) => env.DATABASE_URL !== undefined);
      const first = await startServers(schemas.map(([, env]) => ({ kind: 'roomkit', env })));
      await Promise.all(first.map((server) => server.stop()));
      const servers = await startServers(envs.map(([, env]) => ({ kind: 'roomkit', env })));
      envs.forEach(([label, env], i) =>
        modes.push({ label, env, server: servers[i] as ServerHandle, totals: new Totals() }),
      );
      const counted = new Map<Mode, PostgresCounters>();
      for (const mode of modes) {
        if (mode.env.DATABASE_URL !== undefined)
          counted.set(mode, await backing.postgresCounters(mode.env.DATABASE_URL));
      }
      for (let r = 1; r <= rounds; r++) {
        for (const mode of modes) {
          const result = await round(backing, mode, warmupMs, windowMs);
          ctx.log(
            `  round ${r} ${mode.label}: ${formatRate((result.acked / windowMs) * 1000)} acked/s, server CPU ${(result.cpuMicros / result.acked).toFixed(0)} µs/msg, Postgres ${(result.postgresCpuMicros / result.acked).toFixed(0)} µs/msg, client ELU ${result.elu.toFixed(2)}`,
          );
        }
      }
      // A backend's counters reach pg_stat_database for certain only when it exits.
      for (const mode of modes) {
        await mode.server.stop();
        const from = counted.get(mode);
        if (from === undefined || mode.env.DATABASE_URL === undefined) continue;
        await sleep(500);
        const to = await backing.postgresCounters(mode.env.DATABASE_URL);
        mode.totals.written = {
          commits: to.commits - from.commits,
          inserted: to.inserted - from.inserted,
          updated: to.updated - from.updated,
          deleted: to.deleted - from.deleted,
        };
      }
      const [memory, postgres, cluster] = modes.map((m) => m.totals) as [Totals, Totals, Totals];
      const each = (t: Totals, n: number | undefined) =>
        n === undefined ? '–' : (n / t.ackedEver).toFixed(2);
      const row = (mode: Mode) => {
        const t = mode.totals;
        const acks = summarize(concat(t.acks));
        return [
          mode.label,
          formatRate(t.perSecond),
          formatMs(acks.p50),
          formatMs(acks.p99),
          `${((t.cpuMicros / 1000 / t.windowMs) * 100).toFixed(0)} %`,
          `${t.cpuEach.toFixed(0)} µs`,
          t.written === undefined ? '–' : `${(t.postgresCpuMicros / t.acked).toFixed(0)} µs`,
          each(t, t.written?.commits),
          each(t, t.written?.inserted),
          each(t, t.written?.updated),
          t.clientElu.toFixed(2),
        ];
      };
      for (const mode of modes) {
        const w = mode.totals.written;
        if (w === undefined) continue;
        const t = mode.totals;
        ctx.log(
          `  ${mode.label}: ${(w.commits / t.ackedEver).toFixed(2)} commits, ${(w.inserted / t.ackedEver).toFixed(2)} rows inserted, ${(w.updated / t.ackedEver).toFixed(2)} updated per message (${t.ackedEver} messages)`,
        );
      }
      ctx.log(
        `  Postgres ÷ memory: ${formatRatio(postgres.perSecond, memory.perSecond)} messages/s, ${formatRatio(postgres.cpuEach, memory.cpuEach)} CPU per message`,
      );
      const markdown = `### Messages per second on one instance: memory vs Postgres

${runLine()}

${SENDERS} senders, each a websocket-only socket.io-client socket in the benchmark process and the only
member of a room of its own, send \`message:send\` in a closed loop with ${IN_FLIGHT} unacknowledged each
(${SENDERS * IN_FLIGHT} in flight): the instance is saturated, and messages/s counts the acks. ${rounds} round${rounds === 1 ? '' : 's'} per mode,
alternating, fresh rooms each round, ${warmupMs / 1000} s of warm-up before a ${windowMs / 1000} s window. Each mode is one Roomkit
instance of its own, rate limits relaxed; with a database its rooms are persistent (every
message a Postgres transaction before its ack), and in multi-instance mode the message also
goes to the Redis stream and the rate limit is counted in Redis. Server CPU is the instance's
user + system time (100 % = one core); Postgres CPU is that of the backends connected to the
instance's database (the checkpointer and WAL writer, shared by every database on the server,
not included); both are per message acknowledged in the window. Transactions and rows per
message are Postgres's own counters (\`pg_stat_database\`) over the instance's whole life,
divided by every message it acknowledged (warm-ups included; so are the room set-ups, ${SENDERS} rooms
of one member a round, each a few rows: a small share against the messages). On this 2-core
machine the benchmark's own sockets, Postgres and the instance share the cores with other
work, so CPU per message carries over to other machines better than messages/s does.

${table(
  [
    'mode',
    'messages/s',
    'ack p50',
    'ack p99',
    'server CPU',
    'CPU / msg',
    'Postgres CPU / msg',
    'commits / msg',
    'rows inserted / msg',
    'rows updated / msg',
    'client ELU',
  ],
  modes.map(row),
)}

Postgres against memory mode: ${formatRatio(postgres.perSecond, memory.perSecond)} the messages per second, ${formatRatio(postgres.cpuEach, memory.cpuEach)} the instance's CPU per
message (${postgres.cpuEach.toFixed(0)} µs against ${memory.cpuEach.toFixed(0)} µs), plus ${(postgres.postgresCpuMicros / postgres.acked).toFixed(0)} µs of Postgres's. Multi-instance mode
against Postgres alone: ${formatRatio(cluster.perSecond, postgres.perSecond)} the messages per second, ${formatRatio(cluster.cpuEach, postgres.cpuEach)} the CPU per message.

${WHERE_THE_TIME_GOES}`;
      const figures = (mode: Mode) => {
        const t = mode.totals;
        const acks = summarize(concat(t.acks));
        return {
          mode: mode.label,
          messagesPerSecond: t.perSecond,
          ackP50Ms: acks.p50,
          ackP99Ms: acks.p99,
          cpuMicrosPerMessage: t.cpuEach,
          postgresCpuMicrosPerMessage:
            t.written === undefined ? null : t.postgresCpuMicros / t.acked,
          commitsPerMessage: t.written === undefined ? null : t.written.commits / t.ackedEver,
          rowsInsertedPerMessage: t.written === undefined ? null : t.written.inserted / t.ackedEver,
          rowsUpdatedPerMessage: t.written === undefined ? null : t.written.updated / t.ackedEver,
          clientElu: t.clientElu,
        };
      };
      return [
        {
          id: 'cluster:persistence',
          markdown,
          chart: {
            title: 'Messages per second on one instance, against memory mode',
            metric: 'messages/s acknowledged, Roomkit with a database ÷ Roomkit in memory mode',
            better: 'higher',
            bars: [
              { label: 'Postgres', ratio: postgres.perSecond / memory.perSecond },
              { label: 'Postgres + Redis', ratio: cluster.perSecond / memory.perSecond },
            ],
          },
          results: {
            senders: SENDERS,
            inFlightEach: IN_FLIGHT,
            rounds,
            windowMs,
            modes: modes.map(figures),
            ratios: {
              postgresOverMemory: {
                messagesPerSecond: postgres.perSecond / memory.perSecond,
                cpuPerMessage: postgres.cpuEach / memory.cpuEach,
              },
              clusterOverPostgres: {
                messagesPerSecond: cluster.perSecond / postgres.perSecond,
                cpuPerMessage: cluster.cpuEach / postgres.cpuEach,
              },
            },
          },
        },
      ];
    } finally {
      for (const mode of modes) await mode.server.stop();
      await backing.close();
    }
  },
};

/**
 * Why a message costs the instance more CPU with Postgres: from a CPU profile of a Postgres-mode
 * instance under this load (BENCH_CPU_PROF_DIR, `--quick`), its busiest 2 s at saturation.
 */
const WHERE_THE_TIME_GOES = `Where the time goes. A message now makes one round trip to Postgres: the member's session is
read at most every 2 s per member and instance (decision 001) instead of twice per event, and the
append is one statement (the room's counter and the message in one \`WITH\`), so Postgres counts
about one commit per message where it counted three. In a CPU profile of a Postgres-mode instance
under the same load (${SENDERS} senders, ${IN_FLIGHT} in flight each; \`BENCH_CPU_PROF_DIR\` with \`--quick\`; the self
time of its busiest 2 s after start-up, summed by package as bench/lib/profileSummary.ts does)
the main thread is busy 71 % of the time. The rest it waits for Postgres, which shares the two
cores with the instance and the benchmark's clients, and each of whose commits waits for its WAL
to reach the disk (\`fdatasync\`, 1–3 ms on this virtual machine). Of the busy time, the
\`writev\` system calls are 35 %, about half sending statements to Postgres and half the
Socket.IO frames (the ack and \`message:new\`): messages complete one by one rather than in
batches as in memory mode, and on this virtual machine a system call that wakes another process
is expensive. Node's stream and timer code is 18 %, Socket.IO and ws 13 %, pg, pg-protocol,
pg-pool and Kysely 12 %, Roomkit's own code 9 %. What is left is Postgres's and the system
calls': a prepared statement for the append (in a separate test on this machine, Postgres's CPU
per append falls from about 200 µs to 75 µs) and fewer, larger writes (several rooms' appends in
one statement) are where to win more.`;
