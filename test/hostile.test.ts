/**
 * Hostile input: what a careless or malicious client can send over HTTP and Socket.IO, and what
 * it gets back (API.md, "Errors", "Rooms and members", "Messages", "Realtime"). Every test also
 * checks that the server keeps serving everyone else.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { connect as connectTcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  api,
  connectWithState,
  createRoom,
  emitAck,
  join,
  onCleanup,
  roomWith,
  startServer,
  waitFor,
  type ApiResponse,
  type TestServer,
} from './helpers.js';

/** The error envelope of API.md, with its status, as every client sees it. */
function expectError(response: ApiResponse, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  expect(response.headers.get('x-system-status')).toBe('ok');
}

function postRaw(server: { url: string }, path: string, contentType: string, raw: string) {
  return api(server, 'POST', path, { raw, headers: { 'content-type': contentType } });
}

/** The server still answers and two members can still chat. */
async function expectStillServing(server: { url: string }): Promise<void> {
  expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  const { members } = await roomWith(server, 'Check', 'Mate');
  const [sender, receiver] = members as [any, any];
  const r = await connectWithState(server, receiver.token);
  const sent = await api(server, 'POST', `/api/rooms/${sender.room.id}/messages`, {
    token: sender.token,
    body: { body: 'still here' },
  });
  expect(sent.status).toBe(201);
  await waitFor(
    () => r.events.find((e) => e.name === 'message:new' && e.payload.message.body === 'still here'),
    5000,
    'a message after the attack',
  );
}

/** Sends a request exactly as written (no URL normalisation) and returns the raw response. */
function rawHttp(server: { url: string }, request: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connectTcp(Number(port), hostname, () => socket.end(request));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString('latin1')));
    socket.on('end', () => resolve(response));
    socket.on('error', reject);
  });
}

describe('HTTP bodies', () => {
  it('answers malformed JSON with 400 invalid_request', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    for (const raw of ['{"roomId":', '{displayName: "Ada"}', "{'a':1}", 'nul', '{"a":1}}']) {
      expectError(
        await postRaw(server, '/api/rooms/join', 'application/json', raw),
        400,
        'invalid_request',
      );
    }
    expectError(
      await postRaw(server, '/api/rooms/join', 'application/json', ''),
      400,
      'invalid_request',
    );
    // A valid join still works afterwards.
    expect((await join(server, room, 'Ada')).member.displayName).toBe('Ada');
  });

  it('refuses prototype-poisoning JSON and absurd nesting without crashing', async () => {
    const server = await startServer();
    for (const raw of [
      '{"__proto__":{"persistent":true}}',
      '{"constructor":{"prototype":{"persistent":true}}}',
      '['.repeat(30_000) + ']'.repeat(30_000),
    ]) {
      expectError(
        await postRaw(server, '/api/rooms', 'application/json', raw),
        400,
        'invalid_request',
      );
    }
    expect((await api(server, 'POST', '/api/rooms', { body: {} })).body.room.persistent).toBe(
      false,
    );
  });

  it('answers a body that is not JSON with 415 unsupported_type', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const body = JSON.stringify({ roomId: room.id, displayName: 'Ada' });
    for (const type of [
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'application/xml',
    ]) {
      expectError(await postRaw(server, '/api/rooms/join', type, body), 415, 'unsupported_type');
    }
  });

  it('refuses unknown fields, naming them', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const cases: [string, object, string][] = [
      ['/api/rooms', { name: 'Team', admin: true }, 'admin'],
      ['/api/rooms/join', { roomId: room.id, displayName: 'Bob', role: 'owner' }, 'role'],
      [`/api/rooms/${room.id}/messages`, { body: 'hi', senderId: 'someone-else' }, 'senderId'],
    ];
    for (const [path, body, field] of cases) {
      const response = await api(server, 'POST', path, { body, token: ada.token });
      expectError(response, 400, 'invalid_request');
      expect(JSON.stringify(response.body.error.details)).toContain(field);
    }
    // Nothing was created or joined by the refused requests.
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(state.body.members.map((m: any) => m.displayName)).toEqual(['Ada']);
    expect(state.body.messages.filter((m: any) => m.type === 'text')).toEqual([]);
  });

  it('answers a JSON body over 64 KiB with 413 too_large', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const big = 'x'.repeat(70 * 1024);
    expectError(
      await api(server, 'POST', '/api/rooms/join', { body: { roomId: room.id, displayName: big } }),
      413,
      'too_large',
    );
    expectError(
      await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
        token: ada.token,
        body: { body: big },
      }),
      413,
      'too_large',
    );
  });

  it('accepts a message of 4000 characters and refuses 4001', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const path = `/api/rooms/${room.id}/messages`;
    const token = members[0]!.token;
    const tooLong = await api(server, 'POST', path, { token, body: { body: 'a'.repeat(4001) } });
    expectError(tooLong, 400, 'invalid_request');
    expect(JSON.stringify(tooLong.body.error.details)).toContain('body');
    expect(
      (await api(server, 'POST', path, { token, body: { body: 'a'.repeat(4000) } })).status,
    ).toBe(201);
    // Characters, not UTF-16 units: 4000 emoji are 8000 units and still one allowed message.
    expect(
      (await api(server, 'POST', path, { token, body: { body: '😀'.repeat(4000) } })).status,
    ).toBe(201);
    expectError(
      await api(server, 'POST', path, { token, body: { body: '😀'.repeat(4001) } }),
      400,
      'invalid_request',
    );
  });
});

describe('display names', () => {
  const refused: [string, string][] = [
    ['a right-to-left override', 'Ada\u202Egpj.exe'],
    ['a zero-width space', 'A\u200Bda'],
    ['a bell control character', 'Ada\u0007'],
    ['combining-mark zalgo', 'Z\u0301\u0302\u0303\u0304\u0305\u0306a'],
    ['only invisible characters', '\u200B\u200B'],
  ];

  it.each(refused)('refuses %s with 400 invalid_request', async (_what, displayName) => {
    const server = await startServer();
    const room = await createRoom(server);
    const response = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName },
    });
    expectError(response, 400, 'invalid_request');
    expect(JSON.stringify(response.body.error.details)).toContain('displayName');
  });

  // White space is folded only after the check, so these are refused rather than turned into spaces.
  it.each([
    ['a newline', 'Ada\nLovelace'],
    ['a zero-width no-break space (BOM)', '\uFEFFAda'],
  ])('refuses %s with 400 invalid_request', async (_what, displayName) => {
    const server = await startServer();
    const room = await createRoom(server);
    const response = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName },
    });
    expectError(response, 400, 'invalid_request');
  });

  it('refuses names that look like a member’s name with 409 name_taken', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    await join(server, room, 'Ada');
    for (const lookAlike of ['\u0410da', 'ADA', 'ada', '\uFF21da', '  Ada  ', 'Ad\u0430']) {
      expectError(
        await api(server, 'POST', '/api/rooms/join', {
          body: { roomId: room.id, displayName: lookAlike },
        }),
        409,
        'name_taken',
      );
    }
    expect((await join(server, room, 'Adam')).member.displayName).toBe('Adam');
  });
});

describe('message bodies', () => {
  it('stores markup verbatim and returns it as JSON text', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const g = await connectWithState(server, grace.token);
    const body = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const sent = await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      token: ada.token,
      body: { body },
    });
    expect(sent.status).toBe(201);
    expect(sent.headers.get('content-type')).toMatch(/^application\/json/);
    expect(sent.body.message.body).toBe(body);
    const history = await api(server, 'GET', `/api/rooms/${room.id}/messages`, {
      token: grace.token,
    });
    expect(history.headers.get('content-type')).toMatch(/^application\/json/);
    expect(history.body.messages.at(-1).body).toBe(body);
    const live = await waitFor(() =>
      g.events.find((e) => e.name === 'message:new' && e.payload.message.type === 'text'),
    );
    expect(live.payload.message.body).toBe(body);
  });
});

describe('paths', () => {
  it('answers traversal and odd room ids with 400 or 404, never 500', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const token = members[0]!.token;
    const paths = [
      '/api/rooms/..%2F..%2Fetc%2Fpasswd',
      '/api/rooms/%2e%2e%2f%2e%2e%2fetc%2fpasswd/messages',
      '/api/rooms/%00',
      '/api/rooms/abcdefghijklmnopqrstuvwxyz%00/messages',
      `/api/rooms/${'a'.repeat(65)}`,
      '/api/rooms/%2e%2e',
      '/api/rooms/%20%20%20',
      '/api/rooms/$(id)',
    ];
    for (const path of paths) {
      for (const method of ['GET', 'POST']) {
        const response = await api(server, method, path, {
          token,
          ...(method === 'POST' ? { body: { body: 'hi' } } : {}),
        });
        expect([400, 404], `${method} ${path}`).toContain(response.status);
        expect(['invalid_request', 'not_found', 'room_not_found']).toContain(
          response.body.error?.code,
        );
        expect(response.headers.get('x-system-status')).toBe('ok');
      }
    }
  });

  // Errors the router raises before any route runs (a path parameter over maxParamLength, a
  // malformed %-escape) go through `frameworkErrors` into the envelope.
  it('answers router-level failures in the error envelope', async () => {
    const server = await startServer();
    for (const path of [`/api/rooms/${'a'.repeat(5000)}`, '/api/rooms/%E0%A4%A']) {
      const response = await api(server, 'GET', path);
      expect(response.status).toBeLessThan(500);
      expect(response.body.error?.code).toMatch(/^(invalid_request|not_found)$/);
      expect(response.headers.get('x-system-status')).toBe('ok');
    }
  });

  it('never serves files outside the web client’s folder', async () => {
    const base = await mkdtemp(joinPath(tmpdir(), 'roomkit-web-'));
    const root = joinPath(base, 'web');
    await mkdir(root);
    await writeFile(joinPath(root, 'index.html'), '<!doctype html><title>Roomkit</title>');
    await writeFile(joinPath(base, 'secret.txt'), 'TOP-SECRET-CONTENT');
    const server = await startServer({}, { webRoot: root });
    for (const path of [
      '/../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/../../secret.txt',
      '/..\\secret.txt',
    ]) {
      const response = await rawHttp(
        server,
        `GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
      );
      expect(response, path).not.toContain('TOP-SECRET-CONTENT');
      expect(response, path).not.toMatch(/^HTTP\/1\.1 5\d\d/);
    }
    const index = await api(server, 'GET', '/r/some-room');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>Roomkit</title>');
  });

  it('answers unknown API routes with 404 not_found', async () => {
    const server = await startServer();
    for (const [method, path] of [
      ['GET', '/api/nope'],
      ['POST', '/api/rooms/x/y/z'],
      ['DELETE', '/api/rooms'],
      ['GET', '/api/admin/nope'],
      ['GET', '/metricsx'],
    ] as const) {
      expectError(await api(server, method, path), 404, 'not_found');
    }
  });
});

describe('HTTP rate limits', () => {
  it('answers the fourth room in a minute with 429 and Retry-After', async () => {
    const server = await startServer({}, { limits: { createRoom: { points: 3, seconds: 60 } } });
    for (let i = 0; i < 3; i++) await createRoom(server);
    const refused = await api(server, 'POST', '/api/rooms', { body: {} });
    expectError(refused, 429, 'rate_limited');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('stops join-code guessing after five wrong codes, even with the right code', async () => {
    const server = await startServer({}, { limits: { joinFailures: { points: 5, seconds: 60 } } });
    const room = await createRoom(server);
    const wrong = ['333333', '444444', '666666', '777777', '999999', 'AAAAAA']
      .filter((code) => code !== room.joinCode)
      .slice(0, 5);
    for (const joinCode of wrong) {
      expectError(
        await api(server, 'POST', '/api/rooms/join', { body: { joinCode, displayName: 'Eve' } }),
        404,
        'room_not_found',
      );
    }
    const refused = await api(server, 'POST', '/api/rooms/join', {
      body: { joinCode: room.joinCode, displayName: 'Eve' },
    });
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('addresses behind a proxy', () => {
  const createFrom = (server: TestServer, forwardedFor: string) =>
    api(server, 'POST', '/api/rooms', { body: {}, headers: { 'x-forwarded-for': forwardedFor } });

  it('ignores X-Forwarded-For without TRUST_PROXY: a client cannot pick a new address', async () => {
    const server = await startServer({}, { limits: { createRoom: { points: 1, seconds: 60 } } });
    expect((await createFrom(server, '203.0.113.1')).status).toBe(201);
    expectError(await createFrom(server, '203.0.113.2'), 429, 'rate_limited');
  });

  it('counts each client behind a trusted proxy on its own', async () => {
    const server = await startServer(
      { TRUST_PROXY: 'loopback' },
      { limits: { createRoom: { points: 1, seconds: 60 } } },
    );
    expect((await createFrom(server, '203.0.113.1')).status).toBe(201);
    expectError(await createFrom(server, '203.0.113.1'), 429, 'rate_limited');
    expect((await createFrom(server, '203.0.113.2')).status).toBe(201);
    // A hop count believes that many proxies and no more.
    const oneHop = await startServer(
      { TRUST_PROXY: '1' },
      { limits: { createRoom: { points: 1, seconds: 60 } } },
    );
    expect((await createFrom(oneHop, '198.51.100.7, 203.0.113.9')).status).toBe(201);
    expectError(await createFrom(oneHop, '198.51.100.8, 203.0.113.9'), 429, 'rate_limited');
  });
});

describe('Socket.IO flood', () => {
  it('refuses and disconnects a flooding socket while the others lose nothing', async () => {
    const server = await startServer(
      {},
      {
        limits: {
          messages: { points: 20, seconds: 10 },
          socketEvents: { points: 40, seconds: 1 },
          socketAbuse: { points: 200, seconds: 10 },
        },
      },
    );
    const { room, members } = await roomWith(server, 'Flooder', 'Bea', 'Cy');
    const [flooder, bea, cy] = members as [any, any, any];
    const f = await connectWithState(server, flooder.token);
    const b = await connectWithState(server, bea.token);
    const c = await connectWithState(server, cy.token);
    let disconnectReason: string | undefined;
    f.socket.on('disconnect', (reason) => (disconnectReason = reason));

    const acks: any[] = [];
    for (let i = 0; i < 1000; i++) {
      (f.socket.emit as (...args: unknown[]) => void)(
        'message:send',
        { body: `spam ${i}` },
        (ack: unknown) => acks.push(ack),
      );
    }
    const beaSends = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const ack = await emitAck(b.socket, 'message:send', {
          body: `bea ${i}`,
          clientMsgId: `bea-${i}`,
        });
        expect(ack.ok, JSON.stringify(ack)).toBe(true);
      }
    };
    await beaSends(0, 8); // during the flood
    await waitFor(() => disconnectReason, 10_000, 'the flooding socket to be disconnected');
    await beaSends(8, 12); // after it

    expect(disconnectReason).toBe('io server disconnect');
    const refusals = acks.filter((ack) => !ack.ok);
    expect(refusals.length).toBeGreaterThan(0);
    expect(new Set(refusals.map((ack) => ack.error.code))).toEqual(new Set(['rate_limited']));
    expect(acks.filter((ack) => ack.ok).length).toBeLessThanOrEqual(20);

    const received = await waitFor(
      () => {
        const fromBea = c.events.filter(
          (e) => e.name === 'message:new' && e.payload.message.sender?.id === bea.member.id,
        );
        return fromBea.length >= 12 && fromBea;
      },
      5000,
      'all of Bea’s messages at Cy',
    );
    expect(received.map((e) => e.payload.message.body)).toEqual(
      Array.from({ length: 12 }, (_, i) => `bea ${i}`),
    );
    const fromFlooder = c.events.filter(
      (e) => e.name === 'message:new' && e.payload.message.sender?.id === flooder.member.id,
    );
    expect(fromFlooder.length).toBeLessThanOrEqual(20);
    // History agrees with what Cy saw: seq has no gaps.
    const history = await api(server, 'GET', `/api/rooms/${room.id}/messages?limit=200`, {
      token: cy.token,
    });
    const seqs = history.body.messages.map((m: any) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0] + i));
    await expectStillServing(server);
  });
});

interface RawEngine {
  ws: WebSocket;
  frames: string[];
  closed: () => boolean;
}

/** A bare Engine.IO v4 WebSocket; with a token it also joins the default namespace as a member. */
async function rawEngine(server: { url: string }, token?: string): Promise<RawEngine> {
  const ws = new WebSocket(
    `${server.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`,
  );
  let closed = false;
  const frames: string[] = [];
  ws.on('error', () => {}); // the server may reset the connection; the close event follows
  ws.on('close', () => (closed = true));
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    frames.push(text);
    if (text === '2') ws.send('3'); // answer Engine.IO pings
  });
  onCleanup(() => ws.terminate());
  await waitFor(() => frames.some((f) => f.startsWith('0{')), 5000, 'the Engine.IO handshake');
  if (token !== undefined) {
    ws.send(`40${JSON.stringify({ token })}`);
    await waitFor(() => frames.some((f) => f.startsWith('42["room:state"')), 5000, 'room:state');
  }
  return { ws, frames, closed: () => closed };
}

describe('Socket.IO garbage', () => {
  const junk = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x42, 0x34, 0x7b, 0x7b]);
  const garbage: [string, string | Buffer][] = [
    ['an unterminated event', '42["message:send"'],
    ['a packet of braces', '4{{{'],
    ['an event without a name', '42[{"body":"x"}]'],
    ['an unknown Engine.IO packet type', 'zzzz'],
    ['binary junk', junk],
    // The frame limit is MAX_UPLOAD_BYTES + 64 KiB (one file fits in one frame): 1 MiB here.
    ['a 2 MB frame', `42["message:send",{"body":"${'x'.repeat(2 * 1024 * 1024)}"}]`],
  ];

  it.each(garbage)('closes a member connection that sends %s', async (_what, packet) => {
    const server = await startServer({ MAX_UPLOAD_BYTES: String(1024 * 1024 - 64 * 1024) });
    const { members } = await roomWith(server, 'Mallory', 'Bea', 'Cy');
    const [mallory, bea, cy] = members as [any, any, any];
    const b = await connectWithState(server, bea.token);
    const c = await connectWithState(server, cy.token);
    const raw = await rawEngine(server, mallory.token);
    raw.ws.send(packet);
    await waitFor(raw.closed, 5000, 'the server to close the connection');

    const ack = await emitAck(b.socket, 'message:send', { body: 'after the garbage' });
    expect(ack.ok).toBe(true);
    await waitFor(() =>
      c.events.find(
        (e) => e.name === 'message:new' && e.payload.message.body === 'after the garbage',
      ),
    );
    await expectStillServing(server);
  });

  it('closes a connection that sends garbage before joining the namespace', async () => {
    const server = await startServer();
    for (const packet of ['4{{{', '40{"token":', 'zzzz', junk]) {
      const raw = await rawEngine(server);
      raw.ws.send(packet);
      await waitFor(raw.closed, 5000, `the server to close after ${String(packet)}`);
    }
    await expectStillServing(server);
  });
});

describe('Socket.IO packet limits', () => {
  // With the default MAX_UPLOAD_BYTES (20 MiB) a frame may carry a file, but a text packet is
  // held to 1 MiB and a packet to one binary attachment (API.md).
  const body = (bytes: number) => `421["message:send",{"body":"${'x'.repeat(bytes)}"}]`;

  it('closes a connection that sends a text packet over 1 MiB, without answering it', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Mallory');
    const raw = await rawEngine(server, members[0]!.token);
    raw.ws.send(body(1.5 * 1024 * 1024));
    await waitFor(raw.closed, 5000, 'the server to close the connection');
    expect(raw.frames.some((f) => f.startsWith('431['))).toBe(false);
    await expectStillServing(server);
  });

  it('answers a text packet just under 1 MiB like any other', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Bea');
    const raw = await rawEngine(server, members[0]!.token);
    raw.ws.send(body(1024 * 1024 - 1024));
    const ack = await waitFor(() => raw.frames.find((f) => f.startsWith('431[')));
    expect(JSON.parse(ack.slice(3))[0].error.code).toBe('invalid_request');
    expect(raw.closed()).toBe(false);
  });

  it('counts a text packet in UTF-8 bytes, not characters', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Mallory');
    const raw = await rawEngine(server, members[0]!.token);
    // 400,000 characters of three bytes each: 1.14 MiB on the wire.
    raw.ws.send(`421["message:send",{"body":"${'€'.repeat(400_000)}"}]`);
    await waitFor(raw.closed, 5000, 'the server to close the connection');
  });

  it('closes a connection whose binary packet announces more than one attachment', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Mallory');
    const raw = await rawEngine(server, members[0]!.token);
    const placeholder = (num: number) => `{"_placeholder":true,"num":${num}}`;
    raw.ws.send(`452-1["file:upload",{"name":"a.bin","data":${placeholder(0)}},${placeholder(1)}]`);
    raw.ws.send(Buffer.alloc(1024));
    await waitFor(raw.closed, 5000, 'the server to close the connection');
    await expectStillServing(server);
  });

  it('still takes a file of several MiB in one packet', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Bea');
    const b = await connectWithState(server, members[0]!.token);
    const data = Buffer.alloc(5 * 1024 * 1024, 7);
    const ack = await emitAck(b.socket, 'file:upload', { name: 'big.bin', data });
    expect(ack.ok).toBe(true);
    expect(ack.file.size).toBe(data.length);
  });
});

describe('Socket.IO payloads of the wrong shape', () => {
  it('answers each with an invalid_request ack and keeps the socket usable', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, grace.token);
    const payloads: unknown[] = [
      { body: 123 },
      { body: { toString: 'x' } },
      { body: ['a'] },
      { body: null },
      { body: '' },
      { body: '   ' },
      { body: 'x'.repeat(4001) },
      { body: 'hi', clientMsgId: '../../etc' },
      { body: 'hi', extra: true },
      null,
      ['hi'],
      'hi',
      42,
      undefined,
    ];
    for (const payload of payloads) {
      const ack = await emitAck(a.socket, 'message:send', payload);
      expect(ack, JSON.stringify(payload)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request', message: expect.any(String) },
      });
    }
    const typing = await emitAck(a.socket, 'typing', { active: 'yes' });
    expect(typing).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    const unknown = await emitAck(a.socket, 'admin:delete-everything', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });

    // Not one refused payload reached Grace; a good one still does.
    const good = await emitAck(a.socket, 'message:send', { body: 'valid at last' });
    expect(good.ok).toBe(true);
    await waitFor(() =>
      g.events.find((e) => e.name === 'message:new' && e.payload.message.body === 'valid at last'),
    );
    const texts = g.events.filter(
      (e) => e.name === 'message:new' && e.payload.message.type === 'text',
    );
    expect(texts.map((e) => e.payload.message.body)).toEqual(['valid at last']);
  });

  it('survives events without an ack', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const a = await connectWithState(server, members[0]!.token);
    const socket = a.socket as unknown as { emit: (...args: unknown[]) => void };
    socket.emit('message:send', { body: 123 });
    socket.emit('message:send');
    socket.emit('typing', null);
    socket.emit('no:such:event', { x: 1 });
    const ack = await emitAck(a.socket, 'message:send', { body: 'fine' });
    expect(ack.ok).toBe(true);
  });
});
