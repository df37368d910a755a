/**
 * Calls through real clients (API.md, `signal`, `call:*`, `ice-servers`): the call's state as
 * room state, signals relayed to the addressed participant only, over Socket.IO and over REST +
 * SSE, never replayed after a reconnect, the mesh's size, and the grace period of a dropped
 * participant.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CALL_SDP_MAX_CHARS,
  callSchema,
  iceServersResponseSchema,
  signalEventSchema,
} from '../../protocol/calls.js';
import {
  api,
  connectWith,
  connectWithState,
  dropConnection,
  emitAck,
  openEvents,
  reconnectSocket,
  roomWith,
  sleep,
  startServer,
  waitFor,
  type Collected,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';

const offer = { sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' };
const candidate = {
  candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host',
  sdpMid: '0',
  sdpMLineIndex: 0,
};

/** A room whose members are all connected, each with its collected events. */
async function connectedRoom(server: TestServer, ...names: string[]) {
  const { room, members } = await roomWith(server, ...names);
  const clients = await Promise.all(members.map((m) => connectWithState(server, m.token)));
  return { room, members, clients };
}

function signalsTo(client: Collected) {
  return client.events.filter((e) => e.name === 'signal').map((e) => e.payload);
}

function lastCall(client: Collected) {
  const states = client.events.filter((e) => e.name === 'call:state');
  return states.at(-1)?.payload.call;
}

async function joinCall(client: Collected, media = { audio: true, video: true }) {
  const ack = await emitAck(client.socket, 'call:join', media);
  expect(ack).toMatchObject({ ok: true });
  return ack.call;
}

const ids = (call: { participants: { memberId: string }[] } | null) =>
  call?.participants.map((p) => p.memberId) ?? [];

describe('a room’s call as room state', () => {
  it('starts with the first joiner, tells the room, and shows a late joiner “call in progress”', async () => {
    const server = await startServer();
    const { room, members, clients } = await connectedRoom(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const [a, g] = clients as unknown as [Collected & { state: any }, Collected & { state: any }];
    expect(a.state.call).toBeNull();

    const call = await joinCall(a, { audio: true, video: false });
    expect(callSchema.parse(call)).toMatchObject({
      topology: 'mesh',
      participants: [{ memberId: ada.member.id, audio: true, video: false, screen: false }],
    });
    expect(call.startedAt).toBe(call.participants[0].since);
    await waitFor(() => lastCall(g)?.participants.length === 1);

    // Someone who joins the room now sees the call in its snapshot.
    const late = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Linus' },
    });
    const l = await connectWithState(server, late.body.token);
    expect(ids(l.state.call)).toEqual([ada.member.id]);
    expect(
      (await api(server, 'GET', `/api/rooms/${room.id}/call`, { token: grace.token })).body,
    ).toEqual({ call });

    const updated = await emitAck(g.socket, 'call:update', { screen: true });
    expect(updated).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await joinCall(g);
    const screen = await emitAck(g.socket, 'call:update', { screen: true });
    expect(screen.call.participants[1]).toMatchObject({ memberId: grace.member.id, screen: true });
    await waitFor(() => lastCall(l)?.participants[1]?.screen === true);
  });

  it('ends a member’s part on call:leave: the others get its hangup, and the last one out ends the call', async () => {
    const server = await startServer();
    const { members, clients } = await connectedRoom(server, 'Ada', 'Grace', 'Linus');
    const [ada] = members as [Joined, Joined, Joined];
    const [a, g, l] = clients as unknown as [Collected, Collected, Collected];
    for (const client of clients) await joinCall(client);

    expect(await emitAck(a.socket, 'call:leave', {})).toEqual({ ok: true });
    for (const other of [g, l]) {
      await waitFor(() =>
        signalsTo(other).find((s) => s.from === ada.member.id && s.type === 'hangup'),
      );
      await waitFor(() => lastCall(other)?.participants.length === 2);
    }
    expect(signalsTo(a)).toEqual([]);
    await emitAck(g.socket, 'call:leave', {});
    await emitAck(l.socket, 'call:leave', {});
    await waitFor(
      () => a.events.filter((e) => e.name === 'call:state').at(-1)?.payload.call === null,
    );
  });

  it('ends the part of a member who leaves the room', async () => {
    const server = await startServer();
    const { members, clients } = await connectedRoom(server, 'Ada', 'Grace');
    const [, grace] = members as [Joined, Joined];
    const [a, g] = clients as unknown as [Collected, Collected];
    await joinCall(a);
    await joinCall(g);
    const left = await api(server, 'POST', `/api/rooms/${grace.room.id}/leave`, {
      token: grace.token,
    });
    expect(left.status).toBe(204);
    await waitFor(() =>
      signalsTo(a).find((s) => s.from === grace.member.id && s.type === 'hangup'),
    );
    await waitFor(() => lastCall(a)?.participants.length === 1);
  });
});

describe('a room that ends', () => {
  it('ends its call with it', async () => {
    const server = await startServer();
    const { room, clients } = await connectedRoom(server, 'Ada', 'Grace');
    for (const client of clients) await joinCall(client);
    const metrics = async () => (await fetch(`${server.url}/metrics`)).text();
    expect(await metrics()).toMatch(/^roomkit_call_participants\{topology="mesh"\} 2$/m);
    await server.ctx.rooms.close(room.id, 'deleted');
    expect(await metrics()).not.toMatch(/^roomkit_call_participants\{/m);
    expect(await metrics()).not.toMatch(/^roomkit_calls\{/m);
  });
});

describe('signals', () => {
  it('go to the addressed participant only, never to a third member', async () => {
    const server = await startServer();
    const { members, clients } = await connectedRoom(server, 'Ada', 'Grace', 'Linus', 'Mallory');
    const [ada, grace, linus] = members as [Joined, Joined, Joined, Joined];
    const [a, g, l, m] = clients as unknown as [Collected, Collected, Collected, Collected];
    for (const client of [a, g, l]) await joinCall(client);

    expect(
      await emitAck(a.socket, 'signal', { to: grace.member.id, type: 'offer', data: offer }),
    ).toEqual({ ok: true });
    await emitAck(a.socket, 'signal', {
      to: grace.member.id,
      type: 'ice-candidate',
      data: candidate,
    });
    await emitAck(g.socket, 'signal', { to: ada.member.id, type: 'answer', data: offer });
    await waitFor(() => signalsTo(g).length === 2);
    await waitFor(() => signalsTo(a).length === 1);
    expect(signalsTo(g).map((s) => signalEventSchema.parse(s))).toEqual([
      { from: ada.member.id, type: 'offer', data: offer },
      { from: ada.member.id, type: 'ice-candidate', data: candidate },
    ]);
    expect(signalsTo(a)).toEqual([{ from: grace.member.id, type: 'answer', data: offer }]);
    // Linus is in the call and Mallory in the room: neither hears a signal to someone else.
    await emitAck(l.socket, 'signal', { to: ada.member.id, type: 'offer', data: offer });
    await waitFor(() => signalsTo(a).length === 2);
    expect(signalsTo(l)).toEqual([]);
    expect(signalsTo(m)).toEqual([]);
    expect(linus.member.id).not.toBe(ada.member.id);
  });

  it('are refused to a member of another room, to a member not in the call and from one not in it', async () => {
    const server = await startServer();
    const { members, clients } = await connectedRoom(server, 'Ada', 'Grace', 'Linus');
    const [, grace, linus] = members as [Joined, Joined, Joined];
    const [a, g, l] = clients as unknown as [Collected, Collected, Collected];
    const other = await connectedRoom(server, 'Eve');
    const [eve] = other.members as [Joined];
    const [e] = other.clients as unknown as [Collected];
    await joinCall(a);
    await joinCall(g);
    await joinCall(e);

    const toEve = await emitAck(a.socket, 'signal', {
      to: eve.member.id,
      type: 'offer',
      data: offer,
    });
    expect(toEve).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const fromEve = await emitAck(e.socket, 'signal', {
      to: grace.member.id,
      type: 'offer',
      data: offer,
    });
    expect(fromEve).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const toLinus = await emitAck(a.socket, 'signal', {
      to: linus.member.id,
      type: 'offer',
      data: offer,
    });
    expect(toLinus).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const fromLinus = await emitAck(l.socket, 'signal', {
      to: grace.member.id,
      type: 'offer',
      data: offer,
    });
    expect(fromLinus).toMatchObject({
      ok: false,
      error: { code: 'forbidden', details: { reason: 'not_in_call' } },
    });
    const toSelf = await emitAck(g.socket, 'signal', {
      to: grace.member.id,
      type: 'offer',
      data: offer,
    });
    expect(toSelf).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    await sleep(50);
    expect([a, g, l, e].flatMap(signalsTo)).toEqual([]);
  });

  it('refuses an oversized description or candidate and a malformed signal, over both transports', async () => {
    const server = await startServer();
    const { room, members, clients } = await connectedRoom(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const [a, g] = clients as unknown as [Collected, Collected];
    await joinCall(a);
    await joinCall(g);
    const huge = { sdp: 'a'.repeat(CALL_SDP_MAX_CHARS + 1) };
    const bad = [
      { to: grace.member.id, type: 'offer', data: huge },
      { to: grace.member.id, type: 'ice-candidate', data: { candidate: 'c'.repeat(1025) } },
      { to: grace.member.id, type: 'renegotiate', data: offer },
      { to: grace.member.id, type: 'offer', data: { ...offer, extra: 1 } },
      { to: grace.member.id, type: 'offer' },
      { type: 'offer', data: offer },
    ];
    for (const signal of bad) {
      const ack = await emitAck(a.socket, 'signal', signal);
      expect(ack, JSON.stringify(signal).slice(0, 80)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
      const response = await api(server, 'POST', `/api/rooms/${room.id}/signals`, {
        token: ada.token,
        body: signal,
      });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
    }
    // A body far past the largest signal is cut off before it is read.
    const flood = await api(server, 'POST', `/api/rooms/${room.id}/signals`, {
      token: ada.token,
      body: {
        to: grace.member.id,
        type: 'offer',
        data: { sdp: 'a'.repeat(4 * CALL_SDP_MAX_CHARS) },
      },
    });
    expect(flood.status).toBe(413);
    // The largest description allowed goes through.
    const largest = { sdp: 'a'.repeat(CALL_SDP_MAX_CHARS) };
    const ok = await api(server, 'POST', `/api/rooms/${room.id}/signals`, {
      token: ada.token,
      body: { to: grace.member.id, type: 'offer', data: largest },
    });
    expect(ok.status).toBe(202);
    await waitFor(() => signalsTo(g).length === 1);
    expect(signalsTo(g)).toEqual([{ from: ada.member.id, type: 'offer', data: largest }]);
  });

  it('are rate limited per member', async () => {
    const server = await startServer({}, { limits: { signals: { points: 5, seconds: 60 } } });
    const { members, clients } = await connectedRoom(server, 'Ada', 'Grace');
    const [, grace] = members as [Joined, Joined];
    const [a, g] = clients as unknown as [Collected, Collected];
    await joinCall(a);
    await joinCall(g);
    const acks = [];
    for (let i = 0; i < 5; i++)
      acks.push(
        await emitAck(a.socket, 'signal', {
          to: grace.member.id,
          type: 'ice-candidate',
          data: candidate,
        }),
      );
    // Joining spent one of Ada's five.
    expect(acks.filter((ack) => ack.ok)).toHaveLength(4);
    expect(acks.at(-1)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    await waitFor(() => signalsTo(g).length === 4);
    // Changes to one's part go to the whole room: they spend from the same budget.
    const updates = [];
    for (let i = 0; i < 5; i++)
      updates.push(await emitAck(g.socket, 'call:update', { video: i % 2 === 0 }));
    expect(updates.map((ack) => ack.ok)).toEqual([true, true, true, true, false]);
    expect(updates.at(-1)).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
  });

  it('travel over REST and the event stream, for a client without a WebSocket', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    await joinCall(a);
    const joined = await api(server, 'POST', `/api/rooms/${room.id}/call/join`, {
      token: grace.token,
      body: { audio: true, video: false },
    });
    expect(joined.status).toBe(200);
    expect(ids(joined.body.call)).toEqual([ada.member.id, grace.member.id]);
    await waitFor(() =>
      stream.events.find((e) => e.name === 'call:state' && e.data.call?.participants.length === 2),
    );

    await emitAck(a.socket, 'signal', { to: grace.member.id, type: 'offer', data: offer });
    const heard = await waitFor(() => stream.events.find((e) => e.name === 'signal'));
    expect(heard.data).toEqual({ from: ada.member.id, type: 'offer', data: offer });
    expect(heard.id).toBe('');

    const answered = await api(server, 'POST', `/api/rooms/${room.id}/signals`, {
      token: grace.token,
      body: { to: ada.member.id, type: 'answer', data: offer },
    });
    expect(answered).toMatchObject({ status: 202, body: { ok: true } });
    await waitFor(() =>
      signalsTo(a).find((s) => s.type === 'answer' && s.from === grace.member.id),
    );

    const left = await api(server, 'POST', `/api/rooms/${room.id}/call/leave`, {
      token: grace.token,
      body: {},
    });
    expect(left.status).toBe(204);
    await waitFor(() => signalsTo(a).find((s) => s.type === 'hangup'));
  });

  it('are not replayed to a socket that reconnects, though the room’s other events are', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWith(server, { auth: { token: grace.token } });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));
    await joinCall(a);
    await joinCall(g);
    await emitAck(a.socket, 'signal', { to: grace.member.id, type: 'offer', data: offer });
    await waitFor(() => signalsTo(g).length === 1);

    await dropConnection(g);
    await emitAck(a.socket, 'signal', {
      to: grace.member.id,
      type: 'offer',
      data: { sdp: 'stale' },
    });
    await emitAck(a.socket, 'message:send', { body: 'while away' });
    await reconnectSocket(g);
    expect(g.socket.recovered).toBe(true);
    await waitFor(() =>
      g.events.find((e) => e.name === 'message:new' && e.payload.message.body === 'while away'),
    );
    await sleep(100);
    expect(signalsTo(g)).toEqual([{ from: ada.member.id, type: 'offer', data: offer }]);
  });
});

describe('the mesh’s size', () => {
  it('holds 4 people with video and refuses the fifth with a clear message; 8 with audio only', async () => {
    const server = await startServer();
    const names = [
      'Ada',
      'Grace',
      'Linus',
      'Ken',
      'Barbara',
      'Dennis',
      'Margaret',
      'Alan',
      'Edsger',
    ];
    const { clients } = await connectedRoom(server, ...names);
    for (const client of clients.slice(0, 4)) await joinCall(client);
    const fifth = await emitAck(clients[4]!.socket, 'call:join', { audio: true, video: true });
    expect(fifth).toMatchObject({
      ok: false,
      error: { code: 'forbidden', details: { reason: 'call_full', limit: 4 } },
    });
    expect(fifth.error.message).toMatch(/full.*4 people with video or 8 with audio only/);
    // Everyone's camera off: the call is audio-only and holds 8.
    for (const client of clients.slice(0, 4))
      expect(await emitAck(client.socket, 'call:update', { video: false })).toMatchObject({
        ok: true,
      });
    for (const client of clients.slice(4, 8)) await joinCall(client, { audio: true, video: false });
    const ninth = await emitAck(clients[8]!.socket, 'call:join', { audio: true, video: false });
    expect(ninth).toMatchObject({
      ok: false,
      error: { details: { reason: 'call_full', limit: 8 } },
    });
    // Nor can a camera go on while 8 are in it.
    const camera = await emitAck(clients[0]!.socket, 'call:update', { video: true });
    expect(camera).toMatchObject({
      ok: false,
      error: { code: 'forbidden', details: { reason: 'call_full' } },
    });
    expect(lastCall(clients[8]!)?.participants).toHaveLength(8);
  });

  it('is the operator’s to set (CALLS_MESH_VIDEO_MAX, CALLS_MESH_AUDIO_MAX), and the refusal says so', async () => {
    const server = await startServer({ CALLS_MESH_VIDEO_MAX: '2', CALLS_MESH_AUDIO_MAX: '3' });
    const { clients } = await connectedRoom(server, 'Ada', 'Grace', 'Linus', 'Ken');
    await joinCall(clients[0]!);
    await joinCall(clients[1]!);
    const third = await emitAck(clients[2]!.socket, 'call:join', { audio: true, video: true });
    expect(third).toMatchObject({
      ok: false,
      error: {
        message:
          'This call is full: calls here hold up to 2 people with video or 3 with audio only.',
        details: { reason: 'call_full', limit: 2 },
      },
    });
    await emitAck(clients[0]!.socket, 'call:update', { video: false });
    await emitAck(clients[1]!.socket, 'call:update', { video: false });
    await joinCall(clients[2]!, { audio: true, video: false });
    const fourth = await emitAck(clients[3]!.socket, 'call:join', { audio: true, video: false });
    expect(fourth).toMatchObject({ ok: false, error: { details: { limit: 3 } } });
  });

  it('gives the last place of a full call to one of two members who race for it', async () => {
    const server = await startServer();
    const { clients } = await connectedRoom(server, 'Ada', 'Grace', 'Linus', 'Ken', 'Barbara');
    for (const client of clients.slice(0, 3)) await joinCall(client);
    const acks = await Promise.all(
      clients.slice(3).map((c) => emitAck(c.socket, 'call:join', { audio: true, video: true })),
    );
    expect(acks.filter((ack) => ack.ok)).toHaveLength(1);
    expect(lastCall(clients[0]!)?.participants).toHaveLength(4);
  });
});

describe('a participant whose connection drops', () => {
  it('keeps their place through the grace period, and loses it after', async () => {
    const server = await startServer({}, { calls: { graceMs: 300 } });
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    let g = await connectWithState(server, grace.token);
    await joinCall(a);
    await joinCall(g);

    // Back within the grace period (a reload): still in the call, and joining again.
    g.socket.disconnect();
    await sleep(100);
    g = await connectWithState(server, grace.token);
    expect(ids(g.state.call)).toEqual([ada.member.id, grace.member.id]);
    await sleep(400);
    expect(ids(lastCall(a))).toEqual([ada.member.id, grace.member.id]);

    // Gone for longer: the others are told the part ended.
    g.socket.disconnect();
    const hangup = await waitFor(() => signalsTo(a).find((s) => s.type === 'hangup'));
    expect(hangup).toEqual({
      from: grace.member.id,
      type: 'hangup',
      data: { reason: 'connection_lost' },
    });
    expect(ids(lastCall(a))).toEqual([ada.member.id]);
  });
});

describe('ICE servers', () => {
  it('are none by default, and members only', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await api(server, 'GET', `/api/rooms/${room.id}/ice-servers`, {
      token: members[0]!.token,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(iceServersResponseSchema.parse(response.body)).toEqual({
      iceServers: [],
      ttlSeconds: 3600,
    });
    expect((await api(server, 'GET', `/api/rooms/${room.id}/ice-servers`)).status).toBe(401);
  });

  it('give each member short-lived TURN credentials in coturn’s REST scheme', async () => {
    const secret = 'turn-shared-secret-for-tests';
    const server = await startServer({
      ICE_SERVERS: JSON.stringify([
        'stun:stun.example.com:3478',
        { urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'] },
        { urls: 'turn:fixed.example.com', username: 'fixed', credential: 'fixed-password' },
      ]),
      TURN_SECRET: secret,
    });
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const before = Math.floor(Date.now() / 1000);
    const { body } = await api(server, 'GET', `/api/rooms/${room.id}/ice-servers`, {
      token: ada.token,
    });
    const [stun, turn, fixed] = body.iceServers;
    expect(stun).toEqual({ urls: 'stun:stun.example.com:3478' });
    expect(fixed).toEqual({
      urls: 'turn:fixed.example.com',
      username: 'fixed',
      credential: 'fixed-password',
    });
    const [expiry, memberId] = turn.username.split(':');
    expect(memberId).toBe(ada.member.id);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + body.ttlSeconds);
    expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + body.ttlSeconds);
    // coturn's check (turn_server/ns_turn_server.c): base64(HMAC-SHA1(secret, username)).
    expect(turn.credential).toBe(createHmac('sha1', secret).update(turn.username).digest('base64'));
  });
});
