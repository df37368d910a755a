/**
 * Multi-instance mode under faults: the Redis between the instances restarted mid-traffic (a
 * private redis-server of this test, so other tests keep theirs), and one instance killed with
 * SIGKILL. Acknowledged messages are counted: none may be missing from any member's history or,
 * after the client's own catch-up by seq, from what its socket received.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  emitAck,
  freePort,
  onCleanup,
  sleep,
  spawnRoomkit,
  startServer,
  waitFor,
  type Collected,
} from './helpers.js';
import { redisPrefix, roomAcross, testRedisUrl } from './cluster.js';
import { usePostgres } from './postgres.js';
import { lacks } from './requirements.js';

const freshDatabase = usePostgres();

/** A redis-server of this test's own on `port`, nothing kept on disk. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  onCleanup(() => void child.kill('SIGKILL'));
  await waitFor(
    () =>
      fetch(`http://127.0.0.1:${port}`).then(
        () => true,
        // Redis answers HTTP by closing the connection: refused means not up yet.
        (error: Error & { cause?: { code?: string } }) =>
          error.cause?.code !== 'ECONNREFUSED' || undefined,
      ),
    10_000,
    'redis-server',
  );
  return child;
}

function stopped(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Text messages a socket received, by seq. */
function received(collected: Collected): Map<number, string> {
  const seen = new Map<number, string>();
  for (const event of collected.events) {
    if (event.name !== 'message:new') continue;
    const message = event.payload.message as { seq: number; body: string; type: string };
    if (message.type === 'text') seen.set(message.seq, message.body);
  }
  return seen;
}

/**
 * What a client has after reconnecting with its lastSeq: what it had, the replayed messages and
 * those of the snapshot (`room:state`), by seq.
 */
function heard(
  before: Map<number, string>,
  reconnected: Collected & { state: { messages: { seq: number; body: string; type: string }[] } },
): Map<number, string> {
  const all = new Map([...before, ...received(reconnected)]);
  for (const message of reconnected.state.messages)
    if (message.type === 'text') all.set(message.seq, message.body);
  return all;
}

/**
 * `heard`, once everything acknowledged is in (the replay follows room:state), or after 5 s with
 * whatever is missing, for the assertion to show.
 */
async function heardAll(
  before: Map<number, string>,
  reconnected: Parameters<typeof heard>[1],
  acknowledged: { seq: number; body: string }[],
): Promise<Map<number, string>> {
  const complete = () => {
    const all = heard(before, reconnected);
    return acknowledged.every((m) => all.get(m.seq) === m.body) ? all : undefined;
  };
  return waitFor(complete, 5000, 'the catch-up').catch(() => heard(before, reconnected));
}

async function historyOf(server: { url: string }, roomId: string, token: string) {
  const response = await api(server, 'GET', `/api/rooms/${roomId}/messages?limit=200`, { token });
  expect(response.status).toBe(200);
  return (response.body.messages as { seq: number; body: string; type: string }[]).filter(
    (m) => m.type === 'text',
  );
}

describe('multi-instance faults', () => {
  it.skipIf(lacks('postgres', 'redisServer'))(
    'Redis restarted mid-traffic: both instances keep serving, and no acknowledged message is lost',
    { timeout: 90_000 },
    async () => {
      const port = await freePort();
      let redis = await startRedis(port);
      const env = {
        DATABASE_URL: await freshDatabase(),
        REDIS_URL: `redis://127.0.0.1:${port}`,
        SESSION_SECRET: 'faults-test-secret-of-32-characters!!!',
      };
      const [a, b] = [await startServer(env), await startServer(env)];
      const { room, ada, grace } = await roomAcross(a, b);
      const onA = await connectWithState(a, ada.token);
      const onB = await connectWithState(b, grace.token);

      const acknowledged: { seq: number; body: string }[] = [];
      const refused: string[] = [];
      let sending = true;
      const sender = (async () => {
        for (let i = 0; sending; i++) {
          const ack = await emitAck(onA.socket, 'message:send', { body: `m${i}` });
          if (ack.ok) acknowledged.push({ seq: ack.message.seq, body: ack.message.body });
          else refused.push(ack.error.code);
          await sleep(20);
        }
      })();

      await waitFor(() => acknowledged.length >= 20 || undefined, 10_000, 'traffic');
      redis.kill('SIGKILL');
      await stopped(redis);
      const duringOutage = acknowledged.length;
      // Ada's instance keeps taking her messages while Redis is away.
      await waitFor(
        () => acknowledged.length >= duringOutage + 20 || undefined,
        10_000,
        'sends during the outage',
      );
      redis = await startRedis(port);
      const afterRestart = acknowledged.length;
      await waitFor(
        () => acknowledged.length >= afterRestart + 20 || undefined,
        20_000,
        'sends after the restart',
      );
      sending = false;
      await sender;
      expect(refused).toEqual([]);

      // The history, from either instance, has every acknowledged message, in seq order.
      for (const [server, member] of [
        [a, ada],
        [b, grace],
      ] as const) {
        const history = await historyOf(server, room.id, member.token);
        expect(history.map((m) => m.body)).toEqual(acknowledged.map((m) => m.body));
      }
      // Ada's own socket, on the instance that took the messages, saw them all live.
      await waitFor(
        () => received(onA).size === acknowledged.length || undefined,
        10_000,
        'A live',
      );

      // Grace's socket on B: what it missed while the instances could not talk, it asks for by
      // seq (as the web client does when it sees a gap), by reconnecting with its lastSeq.
      const live = received(onB);
      // Its resume point: the end of the unbroken run of seqs it has.
      const seqs = [...live.keys()].sort((x, y) => x - y);
      let lastSeq = seqs[0] ?? 0;
      for (const seq of seqs.slice(1)) {
        if (seq !== lastSeq + 1) break;
        lastSeq = seq;
      }
      onB.socket.disconnect();
      const caughtUp = await connectWithState(b, grace.token, { lastSeq });
      const all = await heardAll(live, caughtUp, acknowledged);
      const lost = acknowledged.filter((m) => all.get(m.seq) !== m.body);
      expect(lost).toEqual([]);

      // With Redis gone again, an instance still shuts down (promptly: the test's time bounds it).
      redis.kill('SIGKILL');
      await stopped(redis);
      await a.close();
      expect((await api(b, 'GET', '/healthz')).status).toBe(200);
    },
  );

  it.skipIf(lacks('postgres', 'redis'))(
    'an instance killed with SIGKILL: its clients reconnect to the other and miss nothing',
    { timeout: 90_000 },
    async () => {
      const env = {
        DATABASE_URL: await freshDatabase(),
        REDIS_URL: testRedisUrl,
        REDIS_KEY_PREFIX: redisPrefix(),
        SESSION_SECRET: 'faults-test-secret-of-32-characters!!!',
        LOG_LEVEL: 'warn',
      };
      const [portA, portB] = [await freePort(), await freePort()];
      const a = await spawnRoomkit(['--port', String(portA), '--host', '127.0.0.1'], env, {
        ready: true,
        port: portA,
      });
      const b = await spawnRoomkit(['--port', String(portB), '--host', '127.0.0.1'], env, {
        ready: true,
        port: portB,
      });
      const { ada, grace } = await roomAcross(a, b);
      const onA = await connectWithState(a, ada.token);
      const onB = await connectWithState(b, grace.token);

      const acknowledged: { seq: number; body: string }[] = [];
      for (let i = 0; i < 10; i++) {
        const ack = await emitAck(onB.socket, 'message:send', { body: `before ${i}` });
        acknowledged.push(ack.message);
      }
      await waitFor(() => received(onA).size === 10 || undefined, 5000, 'A received');
      const lastSeq = Math.max(...received(onA).keys());

      a.child.kill('SIGKILL');
      await a.exited;
      for (let i = 0; i < 10; i++) {
        const ack = await emitAck(onB.socket, 'message:send', { body: `after ${i}` });
        acknowledged.push(ack.message);
      }
      // Ada's client comes back through the balancer, to B, with its token and last seq.
      onA.socket.disconnect();
      const back = await connectWithState(b, ada.token, { lastSeq });
      const all = await heardAll(received(onA), back, acknowledged);
      expect(acknowledged.filter((m) => all.get(m.seq) !== m.body)).toEqual([]);
      // And she can go on talking.
      const next = await emitAck(back.socket, 'message:send', { body: 'still here' });
      expect(next.message.seq).toBe(acknowledged.at(-1)!.seq + 1);
    },
  );
});
