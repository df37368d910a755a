/**
 * The admin API (API.md, "Admin") from outside: a real server on port 0, the admin token as a
 * Bearer token, members on real Socket.IO, SSE and collab connections; time is manual where a
 * countdown or a ban runs out.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  adminAuditSchema,
  adminExecRunsSchema,
  adminRoomDetailSchema,
  adminRoomsSchema,
  adminStatsSchema,
} from '../../protocol/admin.js';
import {
  api,
  connectWithState,
  emitAck,
  join,
  onCleanup,
  openEvents,
  roomWith,
  startServer,
  waitFor,
  type Collected,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';
import { ManualClock } from '../core/Clock.js';

const ADMIN_TOKEN = 'admin-token-of-the-tests-0123456789';

function admin(server: TestServer, method: string, path: string, body?: unknown) {
  return api(server, method, path, { token: ADMIN_TOKEN, ...(body === undefined ? {} : { body }) });
}

/** A raw collab WebSocket of a member, and how it closed. */
async function collabSocket(server: TestServer, member: Joined) {
  const url = `${server.url.replace(/^http/, 'ws')}/collab/${member.room.id}?token=${member.token}`;
  const socket = new WebSocket(url);
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  onCleanup(() => socket.terminate());
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return { socket, closed };
}

const named = (client: Collected, name: string) =>
  client.events.filter((e) => e.name === name).map((e) => e.payload);

describe('who may call the admin API', () => {
  it('refuses no token and a wrong one with 401, a member with 403, and a query token', async () => {
    const server = await startServer({ ADMIN_TOKEN });
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const routes: [string, string][] = [
      ['GET', '/api/admin/me'],
      ['GET', '/api/admin/stats'],
      ['GET', '/api/admin/rooms'],
      ['GET', '/api/admin/audit'],
      ['GET', '/api/admin/exec-runs'],
      ['DELETE', `/api/admin/rooms/${ada.room.id}`],
      ['POST', `/api/admin/rooms/${ada.room.id}/cancel-close`],
      ['POST', `/api/admin/rooms/${ada.room.id}/members/${ada.member.id}/kick`],
    ];
    for (const [method, path] of routes) {
      const none = await api(server, method, path);
      expect(none.status, `${method} ${path}`).toBe(401);
      expect(none.body.error.code).toBe('unauthorized');
      expect((await api(server, method, path, { token: `${ADMIN_TOKEN}x` })).status).toBe(401);
      expect((await api(server, method, path, { token: ADMIN_TOKEN.slice(0, 8) })).status).toBe(
        401,
      );
      const member = await api(server, method, path, { token: ada.token });
      expect(member.status, `${method} ${path} as a member`).toBe(403);
      expect(member.body.error.code).toBe('forbidden');
      const query = await api(server, method, `${path}?token=${ADMIN_TOKEN}`);
      expect(query.status).toBe(401);
    }
    // Nothing was done.
    expect(
      (await api(server, 'GET', `/api/rooms/${ada.room.id}`, { token: ada.token })).status,
    ).toBe(200);
    expect((await admin(server, 'GET', '/api/admin/audit')).body).toEqual({ entries: [] });
  });

  it('says who the token is to the admin API', async () => {
    const server = await startServer({ ADMIN_TOKEN });
    const me = await admin(server, 'GET', '/api/admin/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ actor: 'admin token', role: 'operator', via: 'token' });
  });

  it('is off without ADMIN_TOKEN: every call is 401', async () => {
    const server = await startServer();
    const refused = await api(server, 'GET', '/api/admin/stats', { token: ADMIN_TOKEN });
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toMatch(/ADMIN_TOKEN/);
  });
});

describe('rooms and stats', () => {
  it('counts members, connections by transport, files, bytes, messages and runs', async () => {
    const server = await startServer({ ADMIN_TOKEN });
    const { room, members } = await roomWith(server, 'Ada', 'Grace', 'Linus');
    const [ada, grace] = members as [Joined, Joined];
    const adaSocket = await connectWithState(server, ada.token);
    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    await collabSocket(server, grace);
    for (const body of ['one', 'two'])
      expect(await emitAck(adaSocket.socket, 'message:send', { body })).toMatchObject({ ok: true });
    const upload = await emitAck(adaSocket.socket, 'file:upload', {
      name: 'notes.txt',
      data: Buffer.from('twelve bytes'),
    });
    expect(upload).toMatchObject({ ok: true });
    expect(
      await emitAck(adaSocket.socket, 'exec:run', { language: 'javascript', code: '1 + 1' }),
    ).toMatchObject({ ok: true });
    const other = await roomWith(server, 'Eve');

    const rooms = adminRoomsSchema.parse((await admin(server, 'GET', '/api/admin/rooms')).body);
    expect(rooms.rooms.map((r) => r.id).sort()).toEqual([room.id, other.room.id].sort());
    const listed = rooms.rooms.find((r) => r.id === room.id);
    expect(listed).toMatchObject({
      ...room,
      members: { total: 3, online: 2 },
      connections: { socket: 1, sse: 1, collab: 1 },
      files: 1,
      bytes: upload.file.size,
      execRunning: 0,
      callParticipants: 0,
      callTopology: null,
      closingAt: null,
    });
    // Joins, the two messages, the file's message and the run's summary.
    expect(listed?.messages).toBeGreaterThanOrEqual(4);

    const detail = adminRoomDetailSchema.parse(
      (await admin(server, 'GET', `/api/admin/rooms/${room.id}`)).body,
    );
    expect(detail.members.map((m) => [m.displayName, m.online])).toEqual([
      ['Ada', true],
      ['Grace', true],
      ['Linus', false],
    ]);
    expect((await admin(server, 'GET', '/api/admin/rooms/not-a-room')).status).toBe(400);
    expect((await admin(server, 'GET', `/api/admin/rooms/${'x'.repeat(22)}`)).status).toBe(404);

    const stats = adminStatsSchema.parse((await admin(server, 'GET', '/api/admin/stats')).body);
    expect(stats).toMatchObject({
      rooms: 2,
      members: 4,
      online: 2,
      connections: 3,
      connectionsByTransport: { socket: 1, sse: 1, collab: 1 },
      exec: { running: 0, queued: 0 },
      calls: { inProgress: 0, participants: 0 },
    });
    expect(stats.memory.level).toBe('ok');
    expect(stats.memory.budgetBytes).toBeGreaterThan(0);
    expect(stats.rates.joins).toBeGreaterThanOrEqual(0);

    const runs = adminExecRunsSchema.parse(
      (await admin(server, 'GET', `/api/admin/exec-runs?roomId=${room.id}`)).body,
    );
    expect(runs.runs).toEqual([
      expect.objectContaining({ roomId: room.id, memberId: ada.member.id, language: 'javascript' }),
    ]);
    // The execution log never holds the code.
    expect(JSON.stringify(runs)).not.toContain('1 + 1');
    expect((await admin(server, 'GET', '/api/admin/exec-runs?limit=0')).status).toBe(400);
  });

  it('counts messages, uploads and joins a second over the last ten seconds', async () => {
    const clock = new ManualClock();
    const server = await startServer({ ADMIN_TOKEN }, { clock });
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const ada = members[0] as Joined;
    const { socket } = await connectWithState(server, ada.token);
    for (let i = 0; i < 9; i++) await emitAck(socket, 'message:send', { body: `m${i}` });
    await clock.advance(1000);
    const stats = adminStatsSchema.parse((await admin(server, 'GET', '/api/admin/stats')).body);
    expect(stats.rates).toEqual({ messages: 1, uploads: 0, joins: expect.any(Number) });
    expect(stats.rates.joins).toBeCloseTo(2 / 9, 2);
    await clock.advance(10_000);
    const later = adminStatsSchema.parse((await admin(server, 'GET', '/api/admin/stats')).body);
    expect(later.rates).toEqual({ messages: 0, uploads: 0, joins: 0 });
  });
});

describe('calls', () => {
  it('shows the calls going on, who is in each, and how their clients say they connect', async () => {
    const server = await startServer({ ADMIN_TOKEN });
    const { room, members } = await roomWith(server, 'Ada', 'Grace', 'Linus');
    const [ada, grace] = members as [Joined, Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, grace.token);
    await emitAck(a.socket, 'call:join', { audio: true, video: true });
    await emitAck(g.socket, 'call:join', { audio: true, video: false });
    const peers = [{ memberId: grace.member.id, candidateType: 'relay', rttMs: 42 }];
    expect(await emitAck(a.socket, 'call:quality', { peers })).toEqual({ ok: true });
    const refused = await emitAck(a.socket, 'call:quality', {
      peers: [{ memberId: grace.member.id, candidateType: 'carrier-pigeon', rttMs: 1 }],
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_request' } });

    const rooms = adminRoomsSchema.parse((await admin(server, 'GET', '/api/admin/rooms')).body);
    expect(rooms.rooms[0]).toMatchObject({ callParticipants: 2, callTopology: 'mesh' });
    const stats = adminStatsSchema.parse((await admin(server, 'GET', '/api/admin/stats')).body);
    expect(stats.calls).toEqual({ inProgress: 1, participants: 2 });
    const detail = adminRoomDetailSchema.parse(
      (await admin(server, 'GET', `/api/admin/rooms/${room.id}`)).body,
    );
    expect(detail.call).toMatchObject({
      topology: 'mesh',
      participants: [
        { memberId: ada.member.id, audio: true, video: true, peers },
        { memberId: grace.member.id, audio: true, video: false, peers: null },
      ],
    });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^roomkit_calls\{topology="mesh"\} 1$/m);
    expect(metrics).toMatch(/^roomkit_call_participants\{topology="mesh"\} 2$/m);
    expect(metrics).toMatch(/^roomkit_call_rtt_seconds_count\{candidate_type="relay"\} 1$/m);

    await emitAck(a.socket, 'call:leave', {});
    await emitAck(g.socket, 'call:leave', {});
    const after = adminRoomsSchema.parse((await admin(server, 'GET', '/api/admin/rooms')).body);
    expect(after.rooms[0]).toMatchObject({ callParticipants: 0, callTopology: null });
  });
});

describe('deleting a room with a countdown', () => {
  it('counts down to every member each second, then ends the room and deletes it', async () => {
    const clock = new ManualClock();
    const server = await startServer({ ADMIN_TOKEN }, { clock });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const adaSocket = await connectWithState(server, ada.token);
    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;

    const started = await admin(server, 'DELETE', `/api/admin/rooms/${room.id}?grace=3`);
    expect(started.status).toBe(202);
    expect(started.body).toEqual({ closingAt: new Date(clock.now() + 3000).toISOString() });
    await waitFor(() => named(adaSocket, 'room:closing').length === 1 || undefined, 5000, 'first');
    const listed = adminRoomsSchema.parse((await admin(server, 'GET', '/api/admin/rooms')).body);
    expect(listed.rooms[0]?.closingAt).toBe(started.body.closingAt);
    // Asking again changes nothing.
    const again = await admin(server, 'DELETE', `/api/admin/rooms/${room.id}?grace=60`);
    expect(again.body).toEqual(started.body);

    await clock.advance(1000);
    await clock.advance(1000);
    await waitFor(() => named(adaSocket, 'room:closing').length === 3 || undefined, 5000, 'ticks');
    expect(named(adaSocket, 'room:closing')).toEqual([
      { secondsLeft: 3, reason: 'deleted' },
      { secondsLeft: 2, reason: 'deleted' },
      { secondsLeft: 1, reason: 'deleted' },
    ]);
    expect((await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token })).status).toBe(
      200,
    );
    await clock.advance(1000);
    await waitFor(() => adaSocket.socket.disconnected || undefined, 5000, 'disconnected');
    expect(named(adaSocket, 'room:closed')).toEqual([{ reason: 'deleted' }]);
    await waitFor(
      () => stream.events.some((e) => e.name === 'room:closed') || undefined,
      5000,
      'room:closed on the event stream',
    );
    expect(
      stream.events.filter((e) => e.name === 'room:closing').map((e) => e.data.secondsLeft),
    ).toEqual([3, 2, 1]);
    const gone = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(gone.status).toBe(410);
    expect(gone.body.error.message).toBe('This room was closed by an administrator.');
    expect(await server.ctx.stores.rooms.getRoom(room.id)).toBeUndefined();
    const audit = adminAuditSchema.parse((await admin(server, 'GET', '/api/admin/audit')).body);
    expect(audit.entries).toEqual([
      expect.objectContaining({
        actor: 'admin token',
        action: 'room.delete',
        target: `room:${room.id}`,
      }),
      expect.objectContaining({
        actor: 'admin token',
        action: 'room.delete',
        target: `room:${room.id}`,
      }),
    ]);
  });

  it('is cancelled until the end: members hear room:updated and the room lives on', async () => {
    const clock = new ManualClock();
    const server = await startServer({ ADMIN_TOKEN }, { clock });
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0] as Joined;
    const adaSocket = await connectWithState(server, ada.token);
    expect((await admin(server, 'DELETE', `/api/admin/rooms/${room.id}`)).body).toEqual({
      closingAt: new Date(clock.now() + 30_000).toISOString(),
    });
    await clock.advance(5000);
    const cancelled = await admin(server, 'POST', `/api/admin/rooms/${room.id}/cancel-close`);
    expect(cancelled.status).toBe(204);
    await waitFor(() => named(adaSocket, 'room:updated').length > 0 || undefined, 5000, 'updated');
    expect(named(adaSocket, 'room:updated')).toEqual([{ room }]);
    await clock.advance(60_000);
    expect(adaSocket.socket.connected).toBe(true);
    expect(named(adaSocket, 'room:closing')).toHaveLength(6);
    const twice = await admin(server, 'POST', `/api/admin/rooms/${room.id}/cancel-close`);
    expect(twice.status).toBe(404);
    expect(twice.body.error.code).toBe('not_found');
    const listed = adminRoomsSchema.parse((await admin(server, 'GET', '/api/admin/rooms')).body);
    expect(listed.rooms[0]?.closingAt).toBeNull();
    const audit = adminAuditSchema.parse((await admin(server, 'GET', '/api/admin/audit')).body);
    expect(audit.entries.map((e) => e.action)).toEqual(['room.cancel_close', 'room.delete']);
  });

  it('ends the room at once with grace=0, and refuses a grace out of range', async () => {
    const server = await startServer({ ADMIN_TOKEN });
    const { room, members } = await roomWith(server, 'Ada');
    const adaSocket = await connectWithState(server, (members[0] as Joined).token);
    for (const grace of ['301', '-1', 'soon', '1.5']) {
      const refused = await admin(server, 'DELETE', `/api/admin/rooms/${room.id}?grace=${grace}`);
      expect(refused.status, grace).toBe(400);
      expect(refused.body.error.code).toBe('invalid_request');
    }
    const now = await admin(server, 'DELETE', `/api/admin/rooms/${room.id}?grace=0`);
    expect(now.status).toBe(202);
    expect(now.body).toEqual({ closingAt: null });
    await waitFor(() => adaSocket.socket.disconnected || undefined, 5000, 'disconnected');
    expect(named(adaSocket, 'room:closed')).toEqual([{ reason: 'deleted' }]);
    const gone = await admin(server, 'DELETE', `/api/admin/rooms/${room.id}?grace=0`);
    expect(gone.status).toBe(410);
  });
});

describe('kicking a member', () => {
  it('closes every connection of theirs, kills their token, and keeps their browser out while banned', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startServer({ ADMIN_TOKEN }, { clock });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const adaSocket = await connectWithState(server, ada.token);
    const graceSocket = await connectWithState(server, grace.token);
    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    const collab = await collabSocket(server, grace);

    const kicked = await admin(
      server,
      'POST',
      `/api/admin/rooms/${room.id}/members/${grace.member.id}/kick`,
    );
    expect(kicked.status).toBe(204);
    await waitFor(() => graceSocket.socket.disconnected || undefined, 5000, 'socket closed');
    expect(named(graceSocket, 'member:left')).toEqual([
      { memberId: grace.member.id, reason: 'kicked' },
    ]);
    expect(await collab.closed).toBeGreaterThanOrEqual(4000);
    await waitFor(
      () => stream.events.some((e) => e.name === 'member:left') || undefined,
      5000,
      'member:left on the event stream',
    );
    await waitFor(() => named(adaSocket, 'member:left').length > 0 || undefined, 5000, 'Ada told');
    const refused = await api(server, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(refused.status).toBe(401);

    // Back from the same browser (its cookie still names Grace), under another name: 403.
    const cookie = { cookie: `rk_session=${grace.token}` };
    const rejoin = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Not Grace' },
      headers: cookie,
    });
    expect(rejoin.status).toBe(403);
    expect(rejoin.body.error.code).toBe('forbidden');
    const byCode = await api(server, 'POST', '/api/rooms/join', {
      body: { joinCode: room.joinCode, displayName: 'Not Grace' },
      token: grace.token,
    });
    expect(byCode.status).toBe(403);
    // Ten minutes on, the ban is over.
    await clock.advance(601_000);
    const later = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Grace' },
      headers: cookie,
    });
    expect(later.status).toBe(200);

    const audit = adminAuditSchema.parse((await admin(server, 'GET', '/api/admin/audit')).body);
    expect(audit.entries).toEqual([
      expect.objectContaining({
        action: 'member.kick',
        target: `member:${room.id}/${grace.member.id}`,
      }),
    ]);
  });

  it('bans for banSeconds (0: no ban), and answers 404 for a member not in the room', async () => {
    const server = await startServer({ ADMIN_TOKEN });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = members[1] as Joined;
    const kick = (memberId: string, body?: unknown) =>
      admin(server, 'POST', `/api/admin/rooms/${room.id}/members/${memberId}/kick`, body);
    expect((await kick(grace.member.id, { banSeconds: -1 })).status).toBe(400);
    expect((await kick(grace.member.id, { banSeconds: 86_401 })).status).toBe(400);
    expect((await kick(grace.member.id, { ban: 5 })).status).toBe(400);
    expect((await kick(grace.member.id, { banSeconds: 0 })).status).toBe(204);
    const back = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Grace' },
      headers: { cookie: `rk_session=${grace.token}` },
    });
    expect(back.status).toBe(200);
    expect((await kick(grace.member.id)).status).toBe(404);
    // A newcomer from elsewhere is never refused for someone else's ban.
    const linus = await join(server, room, 'Linus');
    expect((await kick(linus.member.id, { banSeconds: 600 })).status).toBe(204);
    expect((await join(server, room, 'Margaret')).member.displayName).toBe('Margaret');
  });
});
