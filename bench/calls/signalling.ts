/**
 * Signalling round trips: pairs of members, each pair in a call of its own, the caller sending an
 * offer and the callee answering the moment it arrives, as perfect negotiation does. Measures the
 * time from the offer's emit to the answer's arrival at the caller, and the server's CPU per
 * signal, on Roomkit (each signal checked against the call and rate-limited, relayed through the
 * room bus) and on a bare Socket.IO relay (bench/baselines/signalSocketIo.ts), in alternating
 * rounds on the same two server processes. Goal: Roomkit's median round trip ≤ 1.2× the relay's.
 */
import type { Socket } from 'socket.io-client';
import type { BenchBlock, BenchContext, Benchmark } from '../lib/bench.js';
import { runLine, table } from '../lib/report.js';
import { connect, nextEvent, roomWith } from '../lib/roomkitClient.js';
import { startServer, type ServerHandle } from '../lib/servers.js';
import { formatMs, summarize, type Summary } from '../lib/stats.js';

const GOAL = 1.2;
/** Pairs signalling at once: a room where several people join a call at the same moment. */
const PAIRS = 8;
/** An SDP of the size a browser's offer with audio, video and a data channel has (~6 KB). */
const SDP = `v=0\r\n${'a=candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host generation 0\r\n'.repeat(80)}`;

interface Pair {
  caller: Socket;
  callee: Socket;
  calleeId: string;
}

interface Side {
  label: string;
  server: ServerHandle;
  pairs: Pair[];
  samples: number[];
  cpuMicros: number;
  signals: number;
}

function emitAck(socket: Socket, event: string, payload: unknown): Promise<any> {
  return new Promise((resolve) => socket.emit(event, payload, resolve));
}

/** The callee answers every offer at once, through the server, as a browser would. */
function answerOffers(callee: Socket): void {
  callee.on('signal', (signal: { from: string; type: string }) => {
    if (signal.type === 'offer')
      callee.emit('signal', { to: signal.from, type: 'answer', data: { sdp: SDP } }, () => {});
  });
}

async function roomkitPairs(server: ServerHandle): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [caller, callee] = await roomWith(server.url, 'Caller', 'Callee');
    const sockets = await Promise.all(
      [caller!, callee!].map((m) =>
        connect(server.url, { token: m.token }, { waitForState: true }),
      ),
    );
    for (const socket of sockets) {
      const joined = await emitAck(socket, 'call:join', { audio: true, video: true });
      if (!joined.ok) throw new Error(`call:join: ${JSON.stringify(joined)}`);
    }
    answerOffers(sockets[1]!);
    pairs.push({ caller: sockets[0]!, callee: sockets[1]!, calleeId: callee!.memberId });
  }
  return pairs;
}

async function barePairs(server: ServerHandle): Promise<Pair[]> {
  const pairs: Pair[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const [caller, callee] = await Promise.all(
      [`caller-${i}`, `callee-${i}`].map((member) => connect(server.url, { member })),
    );
    answerOffers(callee!);
    pairs.push({ caller: caller!, callee: callee!, calleeId: `callee-${i}` });
  }
  return pairs;
}

/** One offer → answer round trip of a pair, in milliseconds. */
async function roundTrip(pair: Pair): Promise<number> {
  const answered = nextEvent(pair.caller, 'signal', (s) => s.type === 'answer', 10_000);
  const started = performance.now();
  const ack = await emitAck(pair.caller, 'signal', {
    to: pair.calleeId,
    type: 'offer',
    data: { sdp: SDP },
  });
  if (!ack.ok) throw new Error(`signal refused: ${JSON.stringify(ack)}`);
  await answered;
  return performance.now() - started;
}

/** Every pair does `perPair` round trips one after the other, the pairs side by side. */
async function round(side: Side, perPair: number): Promise<void> {
  const before = (await side.server.stats()).cpuMicros;
  await Promise.all(
    side.pairs.map(async (pair) => {
      for (let i = 0; i < perPair; i++) side.samples.push(await roundTrip(pair));
    }),
  );
  side.cpuMicros += (await side.server.stats()).cpuMicros - before;
  side.signals += 2 * perPair * side.pairs.length;
}

export const callsSignalling: Benchmark = {
  name: 'signalling',
  title: 'Call signalling: offer → answer round trip vs a bare Socket.IO relay',
  async run(ctx: BenchContext): Promise<BenchBlock[]> {
    const rounds = ctx.quick ? 1 : 6;
    const perPair = ctx.quick ? 20 : 500;
    const roomkitServer = await startServer({ kind: 'roomkit' });
    const bareServer = await startServer({ kind: 'bare-signal' });
    const sides: Side[] = [];
    try {
      sides.push(
        {
          label: 'Roomkit',
          server: roomkitServer,
          pairs: await roomkitPairs(roomkitServer),
          samples: [],
          cpuMicros: 0,
          signals: 0,
        },
        {
          label: 'bare Socket.IO relay',
          server: bareServer,
          pairs: await barePairs(bareServer),
          samples: [],
          cpuMicros: 0,
          signals: 0,
        },
      );
      // A warm-up round each, not counted: code compiled on first use.
      for (const side of sides) {
        await round({ ...side, samples: [], cpuMicros: 0, signals: 0 }, 5);
      }
      for (let r = 0; r < rounds; r++) {
        for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
          await round(side, perPair);
          ctx.log(`signalling: ${side.label} round ${r + 1}/${rounds}`);
        }
      }
    } finally {
      for (const side of sides)
        for (const pair of side.pairs) {
          pair.caller.disconnect();
          pair.callee.disconnect();
        }
      await Promise.all([roomkitServer.stop(), bareServer.stop()]);
    }
    const [roomkit, bare] = sides.map((side) => ({
      side,
      summary: summarize(side.samples),
      cpuPerSignal: side.cpuMicros / side.signals,
    })) as [SideResult, SideResult];
    const ratio = roomkit.summary.p50 / bare.summary.p50;
    const p90Ratio = roomkit.summary.p90 / bare.summary.p90;
    const cpuRatio = roomkit.cpuPerSignal / bare.cpuPerSignal;
    const verdict = ratio <= GOAL ? 'meets' : 'misses';
    const markdown = [
      `### Signalling round trips`,
      runLine(),
      `${PAIRS} pairs at once, each in a call of its own, ${rounds} × ${perPair} offer → answer round trips per pair and side (a ${Math.round(SDP.length / 1024)} KB SDP each way). Round trip: the offer's emit to the answer's arrival at the caller, through the server twice.`,
      table(
        ['', 'p50', 'p90', 'p99', 'CPU per signal'],
        sides.map((side, i) => {
          const result = i === 0 ? roomkit : bare;
          return [
            side.label,
            formatMs(result.summary.p50),
            formatMs(result.summary.p90),
            formatMs(result.summary.p99),
            `${Math.round(result.cpuPerSignal)} µs`,
          ];
        }),
        ['l', 'r', 'r', 'r', 'r'],
      ),
      `Roomkit's median round trip is ${ratio.toFixed(2)}× the bare relay's (goal ≤ ${GOAL}×: ${verdict} it); p90 ${p90Ratio.toFixed(2)}×; CPU per signal ${cpuRatio.toFixed(2)}×. What the difference buys: each signal is parsed against its schema (SDP and candidate caps), rate-limited per member, checked against the room's call (both ends in it) and published on the room bus, which in multi-instance mode carries it to the other instances.`,
    ].join('\n\n');
    return [
      {
        id: 'calls:signalling',
        markdown,
        chart: {
          title: `Signalling, ${PAIRS} pairs, offer → answer`,
          metric: 'Roomkit ÷ bare Socket.IO relay',
          better: 'lower',
          goal: GOAL,
          bars: [{ label: 'Median round trip', ratio }],
        },
        results: {
          pairs: PAIRS,
          rounds,
          perPair,
          sdpBytes: SDP.length,
          cpuRatio,
          p90Ratio,
          roomkit: { ...roomkit.summary, cpuMicrosPerSignal: roomkit.cpuPerSignal },
          bare: { ...bare.summary, cpuMicrosPerSignal: bare.cpuPerSignal },
        },
      },
    ];
  },
};

interface SideResult {
  side: Side;
  summary: Summary;
  cpuPerSignal: number;
}
