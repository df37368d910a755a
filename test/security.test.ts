/**
 * Browser-facing security: security headers, CORS, cookie sessions refused from foreign origins
 * (HTTP and Socket.IO), the session cookie's attributes, and logs free of message content and
 * credentials (API.md, "Rooms and members", "Realtime"; the logger set-up in app.ts).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  api,
  connectWith,
  connectWithState,
  emitAck,
  freePort,
  roomWith,
  spawnRoomkit,
  startServer,
  waitFor,
} from './helpers.js';

const PUBLIC_URL = 'https://rooms.example.com';
const EVIL = 'https://evil.example';

function expectSecurityHeaders(headers: Headers, what: string): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).toContain("frame-ancestors 'self'");
  expect(csp, what).not.toContain('unsafe-inline');
  expect(csp, what).not.toContain('unsafe-eval');
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('x-frame-options'), what).toBe('SAMEORIGIN');
  expect(headers.get('referrer-policy'), what).toBe('no-referrer');
  expect(headers.get('x-powered-by'), what).toBeNull();
}

async function webRoot(): Promise<string> {
  const root = await mkdtemp(joinPath(tmpdir(), 'roomkit-web-'));
  await writeFile(joinPath(root, 'index.html'), '<!doctype html><title>Roomkit</title>');
  await writeFile(joinPath(root, 'app.js'), 'console.log(1)');
  return root;
}

/** The rk_session cookie a join sets, as a Cookie header value. */
async function joinWithCookie(server: { url: string }, roomId: string, displayName: string) {
  const response = await fetch(`${server.url}/api/rooms/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roomId, displayName }),
  });
  expect(response.status).toBe(200);
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('rk_session='));
  expect(setCookie).toBeDefined();
  const body = (await response.json()) as { token: string; member: { id: string } };
  return { ...body, setCookie: setCookie!, cookie: setCookie!.split(';')[0]! };
}

function preflight(server: { url: string }, origin: string) {
  return fetch(`${server.url}/api/rooms`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
}

describe('security headers', () => {
  it('are on pages, static files, API answers and errors', async () => {
    const server = await startServer({}, { webRoot: await webRoot() });
    const { room, members } = await roomWith(server, 'Ada');
    const responses: [string, Response][] = [
      ['a page', await fetch(`${server.url}/r/${room.id}`)],
      ['the start page', await fetch(`${server.url}/`)],
      ['a static file', await fetch(`${server.url}/app.js`)],
      [
        'an API answer',
        await fetch(`${server.url}/api/rooms/${room.id}`, {
          headers: { authorization: `Bearer ${members[0]!.token}` },
        }),
      ],
      ['an API error', await fetch(`${server.url}/api/rooms/${room.id}`)],
      ['a 404', await fetch(`${server.url}/api/nope`)],
      ['a health check', await fetch(`${server.url}/healthz`)],
    ];
    expect(responses[0]![1].headers.get('content-type')).toMatch(/^text\/html/);
    expect(await responses[0]![1].text()).toContain('<title>Roomkit</title>');
    for (const [what, response] of responses) expectSecurityHeaders(response.headers, what);
  });
});

describe('CORS', () => {
  it('lets PUBLIC_URL’s origin in with credentials and nobody else', async () => {
    const server = await startServer({ PUBLIC_URL });
    const allowed = await preflight(server, PUBLIC_URL);
    expect(allowed.status).toBeLessThan(300);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(PUBLIC_URL);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');

    const refused = await preflight(server, EVIL);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const simple = await fetch(`${server.url}/healthz`, { headers: { origin: EVIL } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends no CORS headers for a foreign origin without PUBLIC_URL', async () => {
    const server = await startServer();
    const refused = await preflight(server, EVIL);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.headers.get('access-control-allow-credentials')).toBeNull();
    const simple = await fetch(`${server.url}/api/nope`, { headers: { origin: EVIL } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('the session cookie', () => {
  it('is httpOnly, SameSite=Lax and scoped to the whole site', async () => {
    const server = await startServer();
    const { room } = await roomWith(server);
    const { setCookie } = await joinWithCookie(server, room.id, 'Ada');
    expect(setCookie).toMatch(/;\s*HttpOnly/i);
    expect(setCookie).toMatch(/;\s*SameSite=Lax/i);
    expect(setCookie).toMatch(/;\s*Path=\//i);
  });

  it('cannot post from a foreign origin, but can from the same origin', async () => {
    const server = await startServer();
    const { room } = await roomWith(server);
    const ada = await joinWithCookie(server, room.id, 'Ada');
    const path = `/api/rooms/${room.id}/messages`;
    const post = (origin: string | undefined, body: string) =>
      api(server, 'POST', path, {
        body: { body },
        headers: { cookie: ada.cookie, ...(origin ? { origin } : {}) },
      });

    const forged = await post(EVIL, 'forged');
    expect(forged.status).toBe(403);
    expect(forged.body.error.code).toBe('forbidden');
    expect((await post('null', 'forged from a sandbox')).status).toBe(403);
    expect((await post(server.url, 'mine')).status).toBe(201);

    const left = await api(server, 'POST', `/api/rooms/${room.id}/leave`, {
      headers: { cookie: ada.cookie, origin: EVIL },
    });
    expect(left.status).toBe(403);

    const history = await api(server, 'GET', `/api/rooms/${room.id}/messages`, {
      token: ada.token,
    });
    const texts = history.body.messages.filter((m: any) => m.type === 'text');
    expect(texts.map((m: any) => m.body)).toEqual(['mine']);
    // Ada is still a member: the forged leave did nothing.
    expect(history.status).toBe(200);
  });

  it('from PUBLIC_URL’s origin is accepted and from the server’s own address is not', async () => {
    const server = await startServer({ PUBLIC_URL });
    const { room } = await roomWith(server);
    const ada = await joinWithCookie(server, room.id, 'Ada');
    const post = (origin: string) =>
      api(server, 'POST', `/api/rooms/${room.id}/messages`, {
        body: { body: 'hi' },
        headers: { cookie: ada.cookie, origin },
      });
    expect((await post(PUBLIC_URL)).status).toBe(201);
    expect((await post(EVIL)).status).toBe(403);
  });

  it('does not stop a bearer-token client on another origin (integrators)', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      token: members[0]!.token,
      body: { body: 'from a bot' },
      headers: { origin: EVIL },
    });
    expect(response.status).toBe(201);
  });
});

describe('Socket.IO with the session cookie', () => {
  it.each([['websocket'], ['polling']])(
    'is refused from a foreign origin and accepted from the same origin (%s)',
    async (transport) => {
      const server = await startServer();
      const { room } = await roomWith(server);
      const ada = await joinWithCookie(server, room.id, 'Ada');
      const options = (origin: string) => ({
        transports: [transport],
        extraHeaders: { cookie: ada.cookie, origin },
      });

      const refused = await connectWith(server, options(EVIL)).then(
        () => undefined,
        (error: Error) => error,
      );
      expect(refused?.message).toBe('unauthorized');

      const accepted = await connectWith(server, options(server.url));
      const state = await waitFor(
        () => accepted.events.find((e) => e.name === 'room:state')?.payload,
      );
      expect(state.member.id).toBe(ada.member.id);
    },
  );

  it('accepts a token from any origin', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const client = await connectWith(server, {
      auth: { token: members[0]!.token },
      extraHeaders: { origin: EVIL },
    });
    expect(client.socket.connected).toBe(true);
  });

  it('refuses a forged or foreign token', async () => {
    const server = await startServer();
    const other = await startServer();
    const { members } = await roomWith(other, 'Ada');
    const token = members[0]!.token;
    const [header, payload] = token.split('.') as [string, string, string];
    for (const bad of [
      token,
      `${header}.${payload}.`,
      `${header}.${payload}.AAAA`,
      'x'.repeat(5000),
    ]) {
      const error = await connectWith(server, { auth: { token: bad } }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toBe('unauthorized');
    }
  });
});

describe('logs', () => {
  it('carry no message body and no token', async () => {
    const port = await freePort();
    const roomkit = await spawnRoomkit(
      ['--port', String(port), '--host', '127.0.0.1'],
      // Requests are logged at debug (at info a log has no line per request).
      { LOG_LEVEL: 'debug' },
      { ready: true, port },
    );
    const server = { url: roomkit.url };
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const secretRest = 'rest-body-4f1c0e9d';
    const secretSocket = 'socket-body-7a2b3c';
    const secretRefused = 'refused-body-93de11';

    expect(
      (
        await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
          token: ada.token,
          body: { body: secretRest },
        })
      ).status,
    ).toBe(201);
    // A refused message (unknown field) must not be echoed into the logs either.
    await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      token: ada.token,
      body: { body: secretRefused, nope: 1 },
    });
    await api(server, 'GET', `/api/rooms/${room.id}`, {
      headers: { cookie: `rk_session=${grace.token}` },
    });
    // EventSource clients put the token in the URL.
    const sse = new AbortController();
    const stream = await fetch(
      `${server.url}/api/rooms/${room.id}/events?token=${encodeURIComponent(grace.token)}`,
      { signal: sse.signal },
    );
    expect(stream.status).toBe(200);
    sse.abort();
    const g = await connectWithState(server, grace.token);
    expect((await emitAck(g.socket, 'message:send', { body: secretSocket })).ok).toBe(true);
    g.socket.disconnect();

    roomkit.child.kill('SIGTERM');
    expect((await roomkit.exited).code).toBe(0);
    const logs = roomkit.output.stdout + roomkit.output.stderr;
    // The requests were logged (so this test looks at real logs)…
    expect(logs).toContain(`/api/rooms/${room.id}/messages`);
    expect(logs).toContain('token=[redacted]');
    // …without anything a member typed or any credential.
    for (const secret of [secretRest, secretSocket, secretRefused])
      expect(logs).not.toContain(secret);
    for (const token of [ada.token, grace.token]) {
      expect(logs).not.toContain(token);
      expect(logs).not.toContain(token.split('.')[2]); // not even the signature
    }
  });
});
