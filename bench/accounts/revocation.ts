/**
 * Session revocation across instances: two Roomkit instances of one deployment (Postgres +
 * Redis); one account signed in, a member of a room, its session's Socket.IO socket, SSE stream
 * and collab (y-websocket) connection open on BOTH instances; then `POST /api/auth/logout` on
 * one of them, and the time from its response until the last of the six connections has been
 * closed by the servers. Goal: ≤ 1 s (docs/api.md, "Accounts": "within a second"). For scale,
 * the same run times a chat message from the socket on A to the socket on B.
 */
import { EventSource } from 'eventsource';
import type { Socket } from 'socket.io-client';
import { openBacking } from '../cluster/clusterBacking.js';
import { sleep, type BenchBlock, type Benchmark } from '../lib/bench.js';
import { joinParagraphs, runLine, table } from '../lib/report.js';
import { connect, postJson } from '../lib/roomkitClient.js';
import { startServers, type ServerHandle } from '../lib/servers.js';
import { formatMs, now, summarize } from '../lib/stats.js';
import { openEditor, roomkitTarget } from '../lib/yjsClient.js';
import { joinAsAccount, login, logout, register, RELAXED_ACCOUNT_LIMITS } from './accountClient.js';
import type { AccountsContext } from './accountsContext.js';

/** The promise of docs/api.md: a revoked session's connections close within a second. */
const GOAL_MS = 1000;
/** How long a round waits for the six connections to close before it fails. */
const CLOSE_TIMEOUT_MS = 5000;
/** Chat messages timed from A to B in each round, one after the other. */
const MESSAGES_PER_ROUND = 3;

const KINDS = ['Socket.IO', 'SSE', 'collab'] as const;
const INSTANCES = ['A', 'B'] as const;
/** One connection's name in the tables: `SSE on B`. */
const labels = KINDS.flatMap((kind) => INSTANCES.map((instance) => `${kind} on ${instance}`));

/** The six connections of one signed-in session, and when each was closed (ms, `now()`). */
interface Device {
  sockets: Socket[];
  closedAt: Map<string, number>;
  /** Closes whatever the servers have not closed (after a failed round). */
  close(): void;
}

/** An SSE stream, resolved once open; `closed` is called when the server ends it. */
function openStream(url: string, closed: () => void): Promise<EventSource> {
  const source = new EventSource(url);
  return new Promise((resolve, reject) => {
    source.addEventListener('open', () => resolve(source), { once: true });
    source.addEventListener('error', () => {
      // The stream ended: the client would reconnect (and be refused); the server's close is
      // what is timed.
      if (source.readyState === source.CLOSED) return;
      source.close();
      closed();
      reject(new Error(`${url}: event stream failed`));
    });
  });
}

/** Opens the session's socket, event stream and collab connection on each instance. */
async function openDevice(servers: ServerHandle[], roomId: string, token: string): Promise<Device> {
  const closedAt = new Map<string, number>();
  const mark = (label: string) => () => {
    if (!closedAt.has(label)) closedAt.set(label, now());
  };
  const sockets: Socket[] = [];
  const streams: EventSource[] = [];
  const editors: { close(): void }[] = [];
  const device: Device = {
    sockets,
    closedAt,
    close: () => {
      for (const socket of sockets) socket.disconnect();
      for (const stream of streams) stream.close();
      for (const editor of editors) editor.close();
    },
  };
  try {
    for (const [i, server] of servers.entries()) {
      const instance = INSTANCES[i] as string;
      const socket = await connect(server.url, { token }, { waitForState: true });
      sockets.push(socket);
      socket.on('disconnect', mark(`Socket.IO on ${instance}`));
      const events = `${server.url}/api/rooms/${roomId}/events?token=${encodeURIComponent(token)}`;
      streams.push(await openStream(events, mark(`SSE on ${instance}`)));
      const editor = await openEditor(roomkitTarget(server.url, roomId, token));
      editors.push(editor);
      editor.provider.on('connection-close', () => {
        mark(`collab on ${instance}`)();
        // Not back: the provider would reconnect and be refused, over and over.
        editor.provider.shouldConnect = false;
      });
    }
  } catch (error) {
    device.close();
    throw error;
  }
  return device;
}

/** Sends a chat message from `from` and resolves with the time until `to` receives it, ms. */
function chatDelivery(from: Socket, to: Socket, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = now();
    const timer = setTimeout(() => reject(new Error('chat message not delivered')), 5000);
    const onMessage = ({ message }: { message: { body?: string } }) => {
      if (message.body !== body) return;
      clearTimeout(timer);
      to.off('message:new', onMessage);
      resolve(now() - sent);
    };
    to.on('message:new', onMessage);
    from.emit('message:send', { body });
  });
}

/** Resolves once every connection has closed; rejects naming those still open after a while. */
async function allClosed(device: Device): Promise<void> {
  const deadline = now() + CLOSE_TIMEOUT_MS;
  while (device.closedAt.size < labels.length) {
    if (now() > deadline) {
      const open = labels.filter((label) => !device.closedAt.has(label));
      throw new Error(`still open ${CLOSE_TIMEOUT_MS} ms after the logout: ${open.join(', ')}`);
    }
    await sleep(2);
  }
}

interface Round {
  /** From the logout's response to the last connection closed, and from its request. */
  fromResponse: number;
  fromRequest: number;
  /** Each connection's close, from the logout's response, by label. */
  each: Map<string, number>;
  deliveries: number[];
}

/**
 * One session's life: sign in, join, open the six connections, time a few chat messages from A
 * to B, then sign out on `signOutOn` and time the connections' ends.
 */
async function round(
  servers: ServerHandle[],
  roomId: string,
  signOutOn: ServerHandle,
  seq: number,
): Promise<Round> {
  const [a] = servers as [ServerHandle, ServerHandle];
  const cookie = await login(a.url);
  const token = await joinAsAccount(a.url, roomId, cookie);
  const device = await openDevice(servers, roomId, token);
  try {
    const [onA, onB] = device.sockets as [Socket, Socket];
    const deliveries: number[] = [];
    for (let m = 0; m < MESSAGES_PER_ROUND; m++) {
      deliveries.push(await chatDelivery(onA, onB, `round ${seq} message ${m}`));
    }
    await sleep(50);
    const requested = now();
    await logout(signOutOn.url, cookie);
    const answered = now();
    await allClosed(device);
    const last = Math.max(...device.closedAt.values());
    const each = new Map([...device.closedAt].map(([label, at]) => [label, at - answered]));
    return { fromResponse: last - answered, fromRequest: last - requested, each, deliveries };
  } finally {
    device.close();
  }
}

export const revocation: Benchmark<AccountsContext> = {
  name: 'revocation',
  title: 'Sign-out across two instances: the session’s six connections closed',
  async run(ctx: AccountsContext): Promise<BenchBlock[]> {
    const rounds = ctx.quick ? 2 : 40;
    const backing = await openBacking();
    const servers: ServerHandle[] = [];
    try {
      const env = { ...(await backing.clusterEnv()), ...RELAXED_ACCOUNT_LIMITS };
      // A and B migrate the one database at once; Kysely's migrator takes a lock for that.
      servers.push(
        ...(await startServers([
          { kind: 'roomkit', env },
          { kind: 'roomkit', env },
        ])),
      );
      const [a, b] = servers as [ServerHandle, ServerHandle];
      await register(a.url);
      const { room } = (await postJson(`${a.url}/api/rooms`, {})) as { room: { id: string } };
      // One round first, not counted: connections and code paths warm up.
      await round(servers, room.id, a, 0);
      const results: Round[] = [];
      for (let r = 1; r <= rounds; r++) {
        // Signed out on each instance in turn: the other's connections hear of it over Redis.
        const result = await round(servers, room.id, r % 2 === 1 ? a : b, r);
        results.push(result);
        if (ctx.quick || r % 10 === 0) {
          ctx.log(
            `  round ${r} (signed out on ${r % 2 === 1 ? 'A' : 'B'}): last closed ${formatMs(result.fromResponse)} after the response, ${formatMs(result.fromRequest)} after the request; chat A → B ${result.deliveries.map(formatMs).join(', ')}`,
          );
        }
      }
      return [revocationBlock(results)];
    } finally {
      for (const server of servers) await server.stop();
      await backing.close();
    }
  },
};

function revocationBlock(results: Round[]): BenchBlock {
  const fromResponse = summarize(results.map((r) => r.fromResponse));
  const fromRequest = summarize(results.map((r) => r.fromRequest));
  const delivery = summarize(results.flatMap((r) => r.deliveries));
  const signed = (ms: number) => (ms < 0 ? `−${formatMs(-ms)}` : formatMs(ms));
  const row = (label: string, s: ReturnType<typeof summarize>) => [
    label,
    signed(s.p50),
    signed(s.p99),
    signed(s.max),
  ];
  const rows = [
    row('**last of the six, from the response**', fromResponse),
    row('last of the six, from the request', fromRequest),
    ...labels.map((label) =>
      row(label, summarize(results.map((r) => r.each.get(label) ?? Number.NaN))),
    ),
    row('chat message A → B (baseline)', delivery),
  ];
  const held = fromResponse.p99 <= GOAL_MS;
  const markdown = `### Sign-out across instances

${runLine()}

Two Roomkit instances of one deployment (one Postgres database, one Redis, both fresh for the
run). One account, registered once, a member of one room; each of ${results.length} rounds signs it in (a new
session), joins the room as the account on A (a member token issued to the session) and opens
with that token a websocket-only socket.io-client socket, an \`eventsource\` stream and a
y-websocket provider on A, and the same three on B. It times ${MESSAGES_PER_ROUND} chat messages from the socket on A
to the one on B, then posts \`POST /api/auth/logout\` with the session's cookie, on A and on B in
turn, and times each connection's end as its client sees it: the socket's \`disconnect\`, the
stream's \`error\` (its end; the client would reconnect and be refused) and the provider's
\`connection-close\` (code 4401). The instance that signs out closes its own connections before it
answers, so their times from the response are negative; the other instance hears of the revocation
over Redis. Times in ms, nearest-rank percentiles over the rounds (one warm-up round first, not
counted).

${table(['from the logout to…', 'p50', 'p99', 'max'], rows)}

**Goal: the last connection closed ≤ ${formatMs(GOAL_MS)} after the logout's response, at p99** — ${signed(fromResponse.p99)},
**${held ? 'held' : 'missed'}** (an absolute figure: nothing in a bare baseline revokes sessions; the cross-instance chat
message of the same rounds, p50 ${formatMs(delivery.p50)}, is the time for anything to cross from one instance to the
other).`;
  return {
    id: 'accounts:revocation',
    markdown: joinParagraphs(markdown),
    chart: {
      title: 'Sign-out across two instances vs the 1 s promise',
      metric: 'time to the last of six connections closed ÷ 1 s (absolute)',
      better: 'lower',
      goal: 1,
      bars: [
        { label: 'p50, from the logout response', ratio: fromResponse.p50 / GOAL_MS },
        { label: 'p99, from the logout response', ratio: fromResponse.p99 / GOAL_MS },
        { label: 'p99, from the logout request', ratio: fromRequest.p99 / GOAL_MS },
      ],
    },
    results: {
      rounds: results.length,
      fromResponseMs: fromResponse,
      fromRequestMs: fromRequest,
      eachFromResponseMs: Object.fromEntries(
        labels.map((label) => [
          label,
          summarize(results.map((r) => r.each.get(label) ?? Number.NaN)),
        ]),
      ),
      chatDeliveryMs: delivery,
      goalMs: GOAL_MS,
    },
  };
}
