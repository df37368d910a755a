/**
 * Health (API.md, "Health"): /healthz, /readyz with the memory level, X-System-Status on every
 * response, and /metrics as Prometheus text that never carries ids or tokens.
 */
import { get as httpGet, type IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  emitAck,
  openEvents,
  roomWith,
  startServer,
} from '../../../test/helpers.js';

const BUDGET = 10_000_000;

/** The value of one sample line (`name{labels} value`), or undefined when it is absent. */
function sample(metrics: string, name: string, labels = ''): number | undefined {
  const line = metrics
    .split('\n')
    .find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

/** Opens a streaming GET, waits for its headers, then drops the connection like a closed tab. */
function openAndDrop(url: string): Promise<IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, (response) => {
      expect(response.statusCode).toBe(200);
      request.destroy();
      resolve(response.headers);
    });
    request.on('error', (error) => {
      if (!request.destroyed) reject(error);
    });
  });
}

async function metricsText(server: { url: string }): Promise<string> {
  const response = await api<string>(server, 'GET', '/metrics');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return response.body;
}

describe('/healthz and /readyz', () => {
  it('answer ok on a fresh server', async () => {
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(BUDGET) });
    const health = await api(server, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });

    const ready = await api(server, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ok',
      memory: { level: 'ok', usedBytes: 0, budgetBytes: BUDGET },
      checks: expect.any(Object),
    });
    expect(ready.headers.get('x-system-status')).toBe('ok');
  });
});

describe('memory levels', () => {
  it('go warning past 75 % and critical past 90 %, on every response', async () => {
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(BUDGET) });
    const { room, members } = await roomWith(server, 'Ada');
    const token = members[0]!.token;
    const everyKind = async (expected: string) => {
      const responses = [
        await api(server, 'GET', '/healthz'),
        await api(server, 'GET', '/readyz'),
        await api(server, 'GET', '/metrics'),
        await api(server, 'GET', `/api/rooms/${room.id}`, { token }),
        await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
          token,
          body: { body: `at ${expected}` },
        }),
        await api(server, 'GET', `/api/rooms/${room.id}`),
        await api(server, 'GET', '/api/nope'),
        await api(server, 'POST', '/api/rooms', {
          raw: '{',
          headers: { 'content-type': 'application/json' },
        }),
      ];
      for (const response of responses)
        expect(response.headers.get('x-system-status')).toBe(expected);
    };

    await everyKind('ok');

    server.ctx.accountant.hold('test:files', 0.76 * BUDGET);
    await everyKind('warning');
    const warning = await api(server, 'GET', '/readyz');
    expect(warning.status).toBe(200);
    expect(warning.body.memory).toEqual({
      level: 'warning',
      usedBytes: 0.76 * BUDGET,
      budgetBytes: BUDGET,
    });

    server.ctx.accountant.hold('test:files', 0.91 * BUDGET);
    await everyKind('critical');
    const critical = await api(server, 'GET', '/readyz');
    expect(critical.status).toBe(503);
    expect(critical.body).toMatchObject({
      status: expect.not.stringMatching(/^ok$/),
      memory: { level: 'critical', usedBytes: 0.91 * BUDGET, budgetBytes: BUDGET },
    });
    // The process still serves: liveness stays green while readiness is red.
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);

    server.ctx.accountant.release('test:files');
    await everyKind('ok');
    expect((await api(server, 'GET', '/readyz')).status).toBe(200);
  });

  it('reach the event stream’s headers too', async () => {
    const server = await startServer({ MEMORY_BUDGET_BYTES: String(BUDGET) });
    const { room, members } = await roomWith(server, 'Ada');
    server.ctx.accountant.hold('test:files', 0.8 * BUDGET);
    const headers = await openAndDrop(
      `${server.url}/api/rooms/${room.id}/events?token=${encodeURIComponent(members[0]!.token)}`,
    );
    expect(headers['x-system-status']).toBe('warning');
  });
});

describe('/metrics', () => {
  it('counts rooms, members, connections and messages', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    await roomWith(server, 'Solo');
    const a = await connectWithState(server, members[0]!.token);
    const events = openEvents(server, room.id, members[1]!.token);
    await events.opened;

    const before = await metricsText(server);
    expect(sample(before, 'roomkit_rooms')).toBe(2);
    expect(sample(before, 'roomkit_members')).toBe(3);
    expect(sample(before, 'roomkit_connections')).toBeGreaterThanOrEqual(1);
    const textsBefore = sample(before, 'roomkit_messages_total', 'type="text"') ?? 0;

    expect((await emitAck(a.socket, 'message:send', { body: 'one' })).ok).toBe(true);
    await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      token: members[1]!.token,
      body: { body: 'two' },
    });
    const after = await metricsText(server);
    expect(sample(after, 'roomkit_messages_total', 'type="text"')).toBe(textsBefore + 2);
    expect(sample(after, 'roomkit_messages_total', 'type="system"')).toBeGreaterThanOrEqual(3);
  });

  it('labels requests by route pattern and never carries ids or tokens', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const token = members[0]!.token;
    await api(server, 'GET', `/api/rooms/${room.id}`, { token });
    await api(server, 'GET', `/api/rooms/${room.id}/messages?limit=5`, { token });
    await api(server, 'GET', `/api/rooms/${room.id}`); // 401
    await api(server, 'GET', `/api/rooms/${room.id}/nope`); // 404, no route
    await api(server, 'GET', `/api/${room.joinCode}/${token}`); // 404, no route
    // An EventSource client puts its token in the URL (hijacked streams are not timed today, but
    // if they ever are, the label must still be the pattern).
    await openAndDrop(
      `${server.url}/api/rooms/${room.id}/events?token=${encodeURIComponent(token)}`,
    );
    await api(server, 'GET', `/api/rooms/${room.id}/messages?token=${encodeURIComponent(token)}`);

    const text = await metricsText(server);
    expect(text).toMatch(
      /roomkit_http_request_duration_seconds_count\{[^}]*route="\/api\/rooms\/:roomId"[^}]*status="200"[^}]*\} 1/,
    );
    expect(text).toMatch(
      /roomkit_http_request_duration_seconds_bucket\{[^}]*route="\/api\/rooms\/:roomId\/messages"/,
    );
    expect(text).toMatch(/roomkit_http_request_duration_seconds_count\{[^}]*status="401"/);
    expect(text).toMatch(/roomkit_http_request_duration_seconds_count\{[^}]*status="404"/);
    for (const secret of [
      room.id,
      room.joinCode,
      token,
      token.split('.')[2]!,
      members[0]!.member.id,
    ]) {
      expect(text).not.toContain(secret);
    }
    // Every route label is a pattern (or a fixed word), never a concrete path with a long id.
    const routes = [...text.matchAll(/route="([^"]*)"/g)].map((m) => m[1]!);
    for (const route of routes) expect(route).not.toMatch(/[A-Za-z0-9_-]{20,}/);
  });

  it('counts the points and refusals of each rate limit by its name', async () => {
    const server = await startServer(
      {},
      {
        limits: {
          joinFailures: { points: 2, seconds: 60 },
          messages: { points: 1, seconds: 60 },
        },
      },
    );
    const before = await metricsText(server);
    expect(before).toMatch(/^# TYPE roomkit_rate_limit_refusals_total counter$/m);
    for (const limit of ['create_room', 'join_failures', 'joins', 'collab_messages']) {
      expect(sample(before, 'roomkit_rate_limit_refusals_total', `limit="${limit}"`)).toBe(0);
    }

    const { room, members } = await roomWith(server, 'Ada');
    const unknown = room.joinCode === '333333' ? '444444' : '333333';
    for (let i = 0; i < 3; i++) await api(server, 'GET', `/api/join-codes/${unknown}`);
    const post = () =>
      api(server, 'POST', `/api/rooms/${room.id}/messages`, {
        token: members[0]!.token,
        body: { body: 'hi' },
      });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(429);

    const after = await metricsText(server);
    const refusals = (limit: string) =>
      sample(after, 'roomkit_rate_limit_refusals_total', `limit="${limit}"`);
    const consumptions = (limit: string) =>
      sample(after, 'roomkit_rate_limit_consumptions_total', `limit="${limit}"`);
    // The third look-up was refused: two failures spent the budget.
    expect(refusals('join_failures')).toBe(1);
    expect(consumptions('join_failures')).toBe(2);
    // Ada's join and the two look-ups that got through.
    expect(consumptions('joins')).toBe(3);
    expect(refusals('messages')).toBe(1);
    expect(consumptions('messages')).toBe(1);
    expect(refusals('create_room')).toBe(0);
    expect(consumptions('create_room')).toBe(1);
  });

  it('includes the process metrics', async () => {
    const server = await startServer();
    const text = await metricsText(server);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes /m);
    expect(text).toMatch(/^# TYPE roomkit_rooms gauge$/m);
    expect(text).toMatch(/^# TYPE roomkit_members gauge$/m);
    expect(text).toMatch(/^# TYPE roomkit_connections gauge$/m);
    expect(text).toMatch(/^# TYPE roomkit_messages_total counter$/m);
    expect(text).toMatch(/^# TYPE roomkit_http_request_duration_seconds histogram$/m);
  });
});
