/**
 * The one credentials reader, through each transport that uses it. Much of its behaviour is
 * already pinned elsewhere and not repeated here: Bearer everywhere; `?token=` on SSE
 * (transport/sse.test.ts) and on file GETs but not uploads (files/files.test.ts); the cookie on
 * HTTP from the same origin and refused for a foreign state change (core/rooms.test.ts,
 * test/security.test.ts); another room's token, 403 on HTTP (core/rooms.test.ts) and 4403 on
 * collab; the cookie on a Socket.IO handshake and a collab upgrade from this origin only
 * (test/security.test.ts, collab/collab.test.ts). What follows is what nothing else checks.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { api, connectWith, onCleanup, roomWith, startServer } from '../../../../test/helpers.js';

const EVIL = 'https://evil.example';

describe('HTTP credentials', () => {
  it('checks the room id before any credentials: 400 invalid_request naming roomId', async () => {
    const server = await startServer();
    const response = await api(server, 'GET', '/api/rooms/not%20a%20room/messages');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect(response.body.error.details).toEqual([{ path: 'roomId', message: 'not a room id' }]);
  });

  it('takes ?token= only on the routes that allow it, GET or not', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const token = encodeURIComponent(members[0]!.token);

    const state = await api(server, 'GET', `/api/rooms/${room.id}?token=${token}`);
    expect(state.status).toBe(401);
    expect(state.body.error.code).toBe('unauthorized');
    const post = await api(server, 'POST', `/api/rooms/${room.id}/messages?token=${token}`, {
      body: { body: 'hi' },
    });
    expect(post.status).toBe(401);
    expect(post.body.error.code).toBe('unauthorized');
  });

  it('takes the cookie on a GET from a foreign origin: reading changes nothing', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await api(server, 'GET', `/api/rooms/${room.id}/messages`, {
      headers: { cookie: `rk_session=${members[0]!.token}`, origin: EVIL },
    });
    expect(response.status).toBe(200);
  });

  it('judges a state change without Origin by its Referer', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const cookie = `rk_session=${members[0]!.token}`;
    const path = `/api/rooms/${room.id}/messages`;
    const foreign = await api(server, 'POST', path, {
      body: { body: 'hi' },
      headers: { cookie, referer: `${EVIL}/page` },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('forbidden');
    const own = await api(server, 'POST', path, {
      body: { body: 'hi' },
      headers: { cookie, referer: `${server.url}/r/${room.id}` },
    });
    expect(own.status).toBe(201);
  });

  it('reads a Bearer header before the cookie, which then plays no part', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const cookie = `rk_session=${members[0]!.token}`;
    const path = `/api/rooms/${room.id}/messages`;

    // A bad Bearer is not rescued by a good cookie…
    const bad = await api(server, 'GET', path, { token: 'not-a-token', headers: { cookie } });
    expect(bad.status).toBe(401);
    // …and a good Bearer from anywhere is not refused for a cookie it did not need.
    const good = await api(server, 'POST', path, {
      token: members[0]!.token,
      body: { body: 'from a bot' },
      headers: { cookie, origin: EVIL },
    });
    expect(good.status).toBe(201);
  });
});

describe('Socket.IO handshake credentials', () => {
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: Error & { data?: { code?: string } }) => error.data?.code,
    );

  it('reads only auth.token and the cookie: not a Bearer header, not ?token=', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const token = members[0]!.token;
    expect(
      await refusal(connectWith(server, { extraHeaders: { authorization: `Bearer ${token}` } })),
    ).toBe('unauthorized');
    expect(await refusal(connectWith(server, { query: { token } }))).toBe('unauthorized');
  });

  it('reads auth.token before the cookie, which then plays no part', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const cookie = `rk_session=${members[0]!.token}`;
    const bad = connectWith(server, {
      auth: { token: 'not-a-token' },
      extraHeaders: { cookie, origin: server.url },
    });
    expect(await refusal(bad)).toBe('unauthorized');
  });
});

describe('collab upgrade credentials', () => {
  /** How the server closes a collab WebSocket opened with these headers. */
  async function closeOf(url: string, headers: Record<string, string>) {
    const ws = new WebSocket(url, { headers });
    ws.on('error', () => {});
    onCleanup(() => ws.terminate());
    const messages: Buffer[] = [];
    ws.on('message', (data: Buffer) => messages.push(data));
    const close = await new Promise<{ code: number; reason: string }>((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    return { ...close, messages };
  }

  it('does not read a Bearer header', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const url = `${server.url.replace(/^http/, 'ws')}/collab/${room.id}`;
    const closed = await closeOf(url, { authorization: `Bearer ${members[0]!.token}` });
    expect(closed).toEqual({ code: 4401, reason: 'unauthorized', messages: [] });
  });

  it('reads ?token= before the cookie, which then plays no part', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const url = `${server.url.replace(/^http/, 'ws')}/collab/${room.id}?token=not-a-token`;
    const closed = await closeOf(url, {
      cookie: `rk_session=${members[0]!.token}`,
      origin: server.url,
    });
    expect(closed).toEqual({ code: 4401, reason: 'unauthorized', messages: [] });
  });
});

// A request with no Origin at all is not a browser's cross-site request, so its cookie counts
// (for the Socket.IO handshake: transport/socket.test.ts).
describe('the cookie without an Origin header', () => {
  it('is accepted on an HTTP state change and a collab upgrade', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const cookie = `rk_session=${members[0]!.token}`;

    const post = await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      body: { body: 'hi' },
      headers: { cookie },
    });
    expect(post.status).toBe(201);

    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/collab/${room.id}`, {
      headers: { cookie },
    });
    ws.on('error', () => {});
    onCleanup(() => ws.terminate());
    // Sync step 1 from the server: the document was opened.
    const first = await new Promise<Buffer>((resolve) => ws.once('message', resolve));
    expect([...first.subarray(0, 2)]).toEqual([0, 0]);
  });
});
