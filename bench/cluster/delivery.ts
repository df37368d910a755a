/**
 * Cross-instance delivery: one sender and 10 receivers in a room, the sender posting chat
 * messages at a fixed rate, in three configurations measured in alternating rounds — one
 * instance in memory mode (the bare baseline), one instance in multi-instance mode (Postgres +
 * Redis, sender and receivers on it), and two instances of that deployment (sender on A,
 * receivers on B). Measures one-way latency from `message:send` to each receiver's `message:new`,
 * deliveries per second and each instance's CPU per message. Goal: crossing instances adds at
 * most 5 ms at p99.
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { sleep, type BenchBlock, type BenchContext, type Benchmark } from '../lib/bench.js';
import { runLine, table } from '../lib/report.js';
import { connect, roomWith } from '../lib/roomkitClient.js';
import { runQueueWaitNs, startServers, type ServerHandle } from '../lib/servers.js';
import { concat, formatMs, formatRate, summarize, wallNow } from '../lib/stats.js';
import { openBacking, type Backing } from './clusterBacking.js';

const RECEIVERS = 10;
/**
 * Messages per second from the one sender: well under what one instance in multi-instance mode
 * acknowledges on a small machine (the persistence benchmark: about 150/s on 2 busy cores), so
 * the latency is the path's, not a queue's.
 */
const RATE = 50;
/** Cross-instance p99 may exceed the single instance's (same deployment) by this much. */
const GOAL_MS = 5;
/** Messages sent while Redis's MONITOR counts the commands they cause. */
const COUNTED_MESSAGES = 100;

/** One configuration's figures, added up over the rounds. */
class Totals {
  sent = 0;
  received = 0;
  windowMs = 0;
  /** CPU of [the sender's instance, the other instance] over the windows, µs. */
  cpuMicros = [0, 0];
  /** Main-thread time spent waiting for a CPU, ms, of the same two. */
  waitMs = [0, 0];
  clientElu = 0;
  readonly latencies: Float64Array[] = [];
  readonly acks: Float64Array[] = [];

  get deliveredShare(): number {
    return this.received / (this.sent * RECEIVERS);
  }

  cpuEach(instance: 0 | 1): number {
    return (this.cpuMicros[instance] as number) / this.sent;
  }
}

interface Configuration {
  label: string;
  /** The sender's instance; the receivers connect to `receiving`. */
  sending: ServerHandle;
  receiving: ServerHandle;
  /** The deployment's other instance, whose CPU is counted too (it reads every message). */
  other?: ServerHandle;
  totals: Totals;
}

interface Round {
  sent: number;
  received: number;
  latencies: Float64Array;
  acks: Float64Array;
  cpuMicros: [number, number];
  waitMs: [number, number];
  elu: number;
}

interface Window {
  startAt: number;
  measureFrom: number;
  measureTo: number;
}

/** A room of one sender and RECEIVERS receivers, connected where `config` says. */
async function openRoom(config: Configuration): Promise<{ sender: Socket; receivers: Socket[] }> {
  const names = Array.from({ length: RECEIVERS }, (_, i) => `Receiver ${i + 1}`);
  const [sender, ...receivers] = await roomWith(config.sending.url, 'Sender', ...names);
  return {
    sender: await connect(config.sending.url, { token: sender!.token }, { waitForState: true }),
    receivers: await Promise.all(
      receivers.map((m) =>
        connect(config.receiving.url, { token: m.token }, { waitForState: true }),
      ),
    ),
  };
}

/**
 * Sends at RATE from `window.startAt` until `window.measureTo`, each body carrying its send
 * time; counts and times what was sent within [measureFrom, measureTo) and what of it reached
 * the receivers, waiting up to 3 s after the window for late deliveries and acks.
 */
async function sendAndReceive(
  sender: Socket,
  receivers: Socket[],
  window: Window,
): Promise<Omit<Round, 'cpuMicros' | 'waitMs' | 'elu'>> {
  const inWindow = (at: number) => at >= window.measureFrom && at < window.measureTo;
  const latencies: number[] = [];
  const acks: number[] = [];
  let received = 0;
  let sent = 0;
  let acked = 0;
  let refused: unknown = undefined;
  for (const receiver of receivers) {
    receiver.on('message:new', ({ message }: { message: { type: string; body: string } }) => {
      if (message.type !== 'text') return;
      const at = wallNow();
      const sentAt = Number(message.body.slice(message.body.indexOf('@') + 1));
      if (!inWindow(sentAt)) return;
      received++;
      latencies.push(at - sentAt);
    });
  }
  const period = 1000 / RATE;
  let next = window.startAt;
  for (let seq = 0; ; seq++) {
    await sleep(Math.max(0, next - wallNow()));
    const at = wallNow();
    if (at >= window.measureTo) break;
    const counted = inWindow(at);
    if (counted) sent++;
    sender.emit('message:send', { body: `m${seq}@${at.toFixed(3)}` }, (ack: { ok: boolean }) => {
      if (!ack.ok) refused ??= ack;
      if (!counted) return;
      acked++;
      acks.push(wallNow() - at);
    });
    next += period;
  }
  const deadline = wallNow() + 3000;
  while ((acked < sent || received < sent * receivers.length) && wallNow() < deadline) {
    await sleep(20);
  }
  if (refused !== undefined) throw new Error(`message:send refused: ${JSON.stringify(refused)}`);
  return {
    sent,
    received,
    latencies: Float64Array.from(latencies),
    acks: Float64Array.from(acks),
  };
}

/**
 * `round`'s CPU figures are above each instance's idle rate (µs per ms, measured before the
 * rounds): at a few dozen messages a second its timers would otherwise weigh on every message.
 */
async function round(
  config: Configuration,
  warmupMs: number,
  windowMs: number,
  idle: Map<ServerHandle, number>,
): Promise<Round> {
  const { sender, receivers } = await openRoom(config);
  try {
    // The joins' system messages and presence settle before sending starts.
    await sleep(300);
    const startAt = wallNow() + 50;
    const window = {
      startAt,
      measureFrom: startAt + warmupMs,
      measureTo: startAt + warmupMs + windowMs,
    };
    const instances = [config.sending, config.other ?? config.receiving];
    const measuring = (async () => {
      await sleep(window.measureFrom - wallNow());
      const elu = performance.eventLoopUtilization();
      const before = await Promise.all(instances.map((s) => s.stats()));
      const waitBefore = instances.map((s) => runQueueWaitNs(s.pid));
      await sleep(window.measureTo - wallNow());
      const after = await Promise.all(instances.map((s) => s.stats()));
      const waitAfter = instances.map((s) => runQueueWaitNs(s.pid));
      const cpu = instances.map((s, i) =>
        Math.max(0, after[i]!.cpuMicros - before[i]!.cpuMicros - (idle.get(s) ?? 0) * windowMs),
      );
      const wait = instances.map((_, i) => (waitAfter[i]! - waitBefore[i]!) / 1e6);
      // In the single-instance rows both are the same process: count it once.
      const one = instances[1] === instances[0];
      return {
        cpuMicros: [cpu[0]!, one ? 0 : cpu[1]!] as [number, number],
        waitMs: [wait[0]!, one ? 0 : wait[1]!] as [number, number],
        elu: performance.eventLoopUtilization(elu).utilization,
      };
    })();
    const traffic = await sendAndReceive(sender, receivers, window);
    const { cpuMicros, waitMs, elu } = await measuring;
    const t = config.totals;
    t.sent += traffic.sent;
    t.received += traffic.received;
    t.windowMs += windowMs;
    t.cpuMicros = [t.cpuMicros[0]! + cpuMicros[0], t.cpuMicros[1]! + cpuMicros[1]];
    t.waitMs = [t.waitMs[0]! + waitMs[0], t.waitMs[1]! + waitMs[1]];
    t.clientElu = Math.max(t.clientElu, elu);
    t.latencies.push(traffic.latencies);
    t.acks.push(traffic.acks);
    return { ...traffic, cpuMicros, waitMs, elu };
  } finally {
    sender.disconnect();
    for (const receiver of receivers) receiver.disconnect();
  }
}

/**
 * What one message costs Redis when sender and receivers are on different instances: the
 * commands (by name) and stream entries per message, and an entry's size.
 */
async function redisPerMessage(
  backing: Backing,
  config: Configuration,
): Promise<{ commands: [string, number][]; entries: number; entryBytes: number }> {
  const { sender, receivers } = await openRoom(config);
  try {
    await sleep(300);
    const before = await backing.stream();
    const counts = await backing.commands(async () => {
      const startAt = wallNow() + 50;
      const measureTo = startAt + (COUNTED_MESSAGES / RATE) * 1000;
      // The whole run is the window: every message sent is counted.
      await sendAndReceive(sender, receivers, { startAt, measureFrom: 0, measureTo });
    });
    const after = await backing.stream();
    return {
      commands: [...counts]
        .map(([name, n]): [string, number] => [name, n / COUNTED_MESSAGES])
        .sort((a, b) => b[1] - a[1]),
      entries: (after.added - before.added) / COUNTED_MESSAGES,
      entryBytes: after.entryBytes,
    };
  } finally {
    sender.disconnect();
    for (const receiver of receivers) receiver.disconnect();
  }
}

export const clusterDelivery: Benchmark = {
  name: 'delivery',
  title: `Cross-instance delivery: 1 sender, ${RECEIVERS} receivers, ${RATE} messages/s`,
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const rounds = ctx.quick ? 1 : 3;
    const warmupMs = ctx.quick ? 500 : 1000;
    const windowMs = ctx.quick ? 1000 : 6000;
    const backing = await openBacking();
    const servers: ServerHandle[] = [];
    try {
      const clusterEnv = await backing.clusterEnv();
      // A and B migrate the one database at once; Kysely's migrator takes a lock for that.
      servers.push(
        ...(await startServers([
          { kind: 'roomkit' },
          { kind: 'roomkit', env: clusterEnv },
          { kind: 'roomkit', env: clusterEnv },
        ])),
      );
      const [memory, a, b] = servers as [ServerHandle, ServerHandle, ServerHandle];
      const configurations: Configuration[] = [
        {
          label: 'one instance, memory mode (baseline)',
          sending: memory,
          receiving: memory,
          totals: new Totals(),
        },
        {
          label: 'one instance of two, Postgres + Redis: sender and receivers on A',
          sending: a,
          receiving: a,
          other: b,
          totals: new Totals(),
        },
        {
          label: 'two instances, Postgres + Redis: sender on A, receivers on B',
          sending: a,
          receiving: b,
          totals: new Totals(),
        },
      ];
      const [bare, single, cross] = configurations as [Configuration, Configuration, Configuration];
      const idle = new Map<ServerHandle, number>();
      const idleMs = ctx.quick ? 300 : 3000;
      const idleBefore = await Promise.all(servers.map((s) => s.stats()));
      await sleep(idleMs);
      const idleAfter = await Promise.all(servers.map((s) => s.stats()));
      servers.forEach((s, i) =>
        idle.set(s, (idleAfter[i]!.cpuMicros - idleBefore[i]!.cpuMicros) / idleMs),
      );
      ctx.log(
        `  idle CPU: ${servers.map((s) => `${((idle.get(s) ?? 0) / 10).toFixed(1)} %`).join(', ')}`,
      );
      for (let r = 1; r <= rounds; r++) {
        for (const config of configurations) {
          const result = await round(config, warmupMs, windowMs, idle);
          const latency = summarize(result.latencies);
          ctx.log(
            `  round ${r} ${config.label}: ${formatRate((result.received / windowMs) * 1000)} delivered/s of ${result.sent * RECEIVERS}, p50 ${formatMs(latency.p50)}, p99 ${formatMs(latency.p99)}, CPU ${(result.cpuMicros[0] / result.sent).toFixed(0)} + ${(result.cpuMicros[1] / result.sent).toFixed(0)} µs/msg, waiting for a CPU ${(result.waitMs[0] / (windowMs / 1000)).toFixed(0)} + ${(result.waitMs[1] / (windowMs / 1000)).toFixed(0)} ms/s, client ELU ${result.elu.toFixed(2)}`,
          );
        }
      }
      const redis = await redisPerMessage(backing, cross);
      ctx.log(
        `  Redis per message: ${redis.commands.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')}; ${redis.entries.toFixed(2)} stream entries of ${redis.entryBytes.toFixed(0)} B`,
      );

      const p = (c: Configuration) => summarize(concat(c.totals.latencies));
      const extraP99 = p(cross).p99 - p(single).p99;
      const extraP50 = p(cross).p50 - p(single).p50;
      const held = extraP99 <= GOAL_MS;
      const signed = (ms: number) => `${ms >= 0 ? '+' : '−'}${Math.abs(ms).toFixed(2)} ms`;
      ctx.log(
        `  cross-instance p99 ${formatMs(p(cross).p99)} vs ${formatMs(p(single).p99)}: ${signed(extraP99)} (${held ? 'held' : 'missed'})`,
      );
      const cpu = (c: Configuration, i: 0 | 1) =>
        c.totals.cpuMicros[i] === 0 ? '–' : `${c.totals.cpuEach(i).toFixed(0)} µs`;
      const wait = (c: Configuration) => {
        const perSecond = (ms: number) => `${((ms / c.totals.windowMs) * 1000).toFixed(0)} ms/s`;
        const [first, second] = c.totals.waitMs as [number, number];
        return c.totals.cpuMicros[1] === 0 && second === 0
          ? perSecond(first)
          : `${perSecond(first)}, ${perSecond(second)}`;
      };
      const row = (c: Configuration) => {
        const t = c.totals;
        const latency = p(c);
        return [
          c.label,
          formatRate((t.sent / t.windowMs) * 1000),
          formatRate((t.received / t.windowMs) * 1000),
          `${(t.deliveredShare * 100).toFixed(1)} %`,
          formatMs(latency.p50),
          formatMs(latency.p99),
          formatMs(latency.max),
          formatMs(summarize(concat(t.acks)).p50),
          cpu(c, 0),
          cpu(c, 1),
          wait(c),
          t.clientElu.toFixed(2),
        ];
      };
      const commands = redis.commands.map(([name, n]) => `${n.toFixed(2)} \`${name}\``).join(', ');
      const markdown = `### Cross-instance delivery latency

${runLine()}

One sender and ${RECEIVERS} receivers in a room, each a websocket-only socket.io-client socket in the
benchmark process; the sender sends \`message:send\` ${RATE} times a second without waiting for
the acks (a rate well under what one instance in multi-instance mode acknowledges on this
machine, next table, so that the latency is the path's and not a queue's), each body carrying
its wall-clock send time, and each receiver's \`message:new\` is
timed against it (one process, one clock: the latency is one way, through the server(s) and,
for two instances, Redis). ${rounds} round${rounds === 1 ? '' : 's'} per configuration, alternating, each in a fresh room:
${warmupMs / 1000} s of sending before a ${windowMs / 1000} s window. The two multi-instance rows are the same
deployment — two instances on one Postgres database and one Redis (REDIS_KEY_PREFIX fresh for
the run), both running throughout — so crossing instances is the only difference between them:
with sender and receivers on A, A stores the message in Postgres and sends it to its own sockets
(and still publishes it to Redis, where B reads it and finds no member of the room);
with the receivers on B, B delivers what it reads from the Redis stream. Every message is
stored in Postgres before it is sent in both. CPU per message is each instance's
user + system time over the window, less what it spends idle (measured for ${idleMs / 1000} s before the
rounds), divided by the messages sent in it; Postgres's and Redis's own CPU are not in it (see
the next table). Waiting for a CPU is the time each instance's main thread was ready to run
but had no core (\`/proc/<pid>/schedstat\`), per second of the window: on a small machine
shared with other work, a message that has to wake more processes on its way waits more.

${table(
  [
    'configuration',
    'sent/s',
    'delivered/s',
    'delivered',
    'p50',
    'p99',
    'max',
    'ack p50',
    'CPU / msg, sender’s instance',
    'CPU / msg, other instance',
    'waiting for a CPU',
    'client ELU',
  ],
  configurations.map(row),
)}

**Goal: cross-instance p99 ≤ single-instance p99 + ${GOAL_MS} ms** (both in multi-instance mode):
${formatMs(p(cross).p99)} against ${formatMs(p(single).p99)}, **${signed(extraP99)} — ${held ? 'held' : 'missed'}** (p50 ${signed(extraP50)}).
Multi-instance mode itself, one instance against memory mode: ${signed(p(single).p50 - p(bare).p50)} at p50 and
${signed(p(single).p99 - p(bare).p99)} at p99: the Postgres transaction that stores the message before it is sent, and the
rate limit counted in Redis.

Redis per message, counted with \`MONITOR\` over ${COUNTED_MESSAGES} messages sent from A to receivers on B (not
during the timed rounds): ${commands}; ${redis.entries.toFixed(2)} stream
entr${redis.entries === 1 ? 'y' : 'ies'} of about ${redis.entryBytes.toFixed(0)} bytes. The sender's instance makes three round trips: the
rate limit (\`EVALSHA\`, a script that runs the \`SET\`, \`INCRBY\` and \`PTTL\` counted above inside Redis),
the room's \`message:new\` packet appended to the stream (\`XADD\`), and the same event for the
instances' internal bus (\`PUBLISH\`, which feeds server-sent event streams). Every instance reads
every stream entry (\`XREAD\`, up to 100 entries a call: at this rate about one call per entry and
instance) and receives every \`PUBLISH\`, whether or not it has a member of the room.`;
      const explained = held
        ? ''
        : `\n\n${whereTheTimeGoes(single.totals, cross.totals, extraP50)}`;
      const figures = (c: Configuration) => ({
        sentPerSecond: (c.totals.sent / c.totals.windowMs) * 1000,
        deliveredShare: c.totals.deliveredShare,
        p50Ms: p(c).p50,
        p99Ms: p(c).p99,
        cpuMicrosPerMessage: [c.totals.cpuEach(0), c.totals.cpuEach(1)],
        clientElu: c.totals.clientElu,
      });
      return [
        {
          id: 'cluster:delivery',
          markdown: markdown + explained,
          chart: {
            title: 'Chat delivery across two instances vs on one',
            // The goal is + GOAL_MS at p99: as a ratio, over this run's single-instance p99.
            metric: `latency, receivers on the other instance ÷ on the sender's (goal: p99 + ${GOAL_MS} ms)`,
            better: 'lower',
            goal: (p(single).p99 + GOAL_MS) / p(single).p99,
            bars: [
              { label: 'p50 one-way latency', ratio: p(cross).p50 / p(single).p50 },
              { label: 'p99 one-way latency', ratio: p(cross).p99 / p(single).p99 },
            ],
          },
          results: {
            memory: figures(bare),
            oneInstance: figures(single),
            twoInstances: figures(cross),
            extraP99Ms: extraP99,
            goalMs: GOAL_MS,
            redisPerMessage: redis,
          },
        },
      ];
    } finally {
      for (const server of servers) await server.stop();
      await backing.close();
    }
  },
};

/**
 * Why crossing instances can miss the goal, from the figures of the run: the work added per
 * message (one stream read on B) against the time the instances waited for a CPU.
 */
function whereTheTimeGoes(single: Totals, cross: Totals, extraP50: number): string {
  const perSecond = (ms: number, t: Totals) => (ms / t.windowMs) * 1000;
  const singleWait = perSecond(single.waitMs[0] as number, single);
  const crossWait = perSecond((cross.waitMs[0] as number) + (cross.waitMs[1] as number), cross);
  return `Where the time goes. The work crossing adds is small: at p50 the two-instance path is
${extraP50 >= 0 ? `${extraP50.toFixed(2)} ms slower` : `${(-extraP50).toFixed(2)} ms faster`} than one instance (B reads the entry from the stream and sends it to its sockets,
where A would have sent it itself), and the receiving instance spends ${cross.cpuEach(1).toFixed(0)} µs of CPU per message.
The difference is in the tail, and the tail is waiting: a message that crosses has to wake A, Redis and B in
turn, and on this 2-core machine, shared with other work, each wake-up can wait for a core. The
instances' main threads waited ${crossWait.toFixed(0)} ms per second for a CPU in the two-instance rounds (A and B
together) against ${singleWait.toFixed(0)} ms per second for A alone in the single-instance rounds. With a core for each
process the tail should shrink toward the p50 difference; that is not measured here (this
machine has two cores).`;
}
