/**
 * Server-Sent Events (API.md, "Realtime: Server-Sent Events and REST"): the room's events as
 * `event:`/`data:` frames, `id: <seq>` on messages, Last-Event-ID resume, `: ping` heartbeats,
 * and the stream ending when the room or the membership does.
 */
import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  createRoom,
  join,
  onCleanup,
  openEvents,
  roomWith,
  sleep,
  startServer,
  waitFor,
  type Joined,
  sendMessage as send,
} from '../../../test/helpers.js';
import { usePostgres } from '../../../test/postgres.js';
import { lacks } from '../../../test/requirements.js';
import { openRaw } from '../../../test/sseHelpers.js';
import { ManualClock } from '../core/Clock.js';

const freshDatabase = usePostgres();
const noPostgres = lacks('postgres');

function expectError(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({
    error: expect.objectContaining({ code, message: expect.any(String) }),
  });
}

describe('opening the stream', () => {
  it('works with EventSource and ?token=, starting with room:state', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];

    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    const first = await waitFor(() => stream.events[0], 5000, 'first event');
    expect(first.name).toBe('room:state');
    expect(first.data).toEqual({
      room,
      member: grace.member,
      members: [
        { ...ada.member, online: false },
        { ...grace.member, online: true },
      ],
      messages: [
        expect.objectContaining({ seq: 1, body: 'Ada joined' }),
        expect.objectContaining({ seq: 2, body: 'Grace joined' }),
      ],
      files: [],
      exec: { lastRun: null, running: [] },
      call: null,
    });
  });

  it('serves text/event-stream with the token in the query', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const stream = await openRaw(server, room.id, {
      query: `token=${encodeURIComponent(members[0]!.token)}`,
    });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.response.headers.get('cache-control')).toMatch(/no-cache/);
    const first = await waitFor(() => stream.frames[0], 5000, 'first frame');
    expect(first.event).toBe('room:state');
    expect(first.data.member).toEqual(members[0]!.member);
  });

  it('works with an Authorization: Bearer header', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const stream = await openRaw(server, room.id, { token: members[0]!.token });
    expect(stream.response.status).toBe(200);
    expect(stream.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const first = await waitFor(() => stream.frames[0], 5000, 'first frame');
    expect(first.event).toBe('room:state');
    expect(first.data.room.id).toBe(room.id);
  });

  it('works with the rk_session cookie', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const joined = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Ada' },
    });
    const cookie = (joined.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    const stream = await openRaw(server, room.id, { headers: { cookie } });
    expect(stream.response.status).toBe(200);
    const first = await waitFor(() => stream.frames[0], 5000, 'first frame');
    expect(first.data.member.displayName).toBe('Ada');
  });

  it('answers a bad or missing token with a JSON error, not a stream', async () => {
    const server = await startServer();
    const { room } = await roomWith(server, 'Ada');
    const { members: others } = await roomWith(server, 'Eve');
    const path = `/api/rooms/${room.id}/events`;

    for (const response of [
      await api(server, 'GET', `${path}?token=garbage`),
      await api(server, 'GET', path, { token: 'garbage' }),
      await api(server, 'GET', path),
    ]) {
      expectError(response, 401, 'unauthorized');
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expectError(
      await api(server, 'GET', `${path}?token=${encodeURIComponent(others[0]!.token)}`),
      403,
      'forbidden',
    );
  });

  it('refuses a Last-Event-ID that is not a seq', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await api(server, 'GET', `/api/rooms/${room.id}/events`, {
      token: members[0]!.token,
      headers: { 'last-event-id': 'yesterday' },
    });
    expectError(response, 400, 'invalid_request');
  });
});

describe('events', () => {
  it('sends message:new frames with id = seq', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    await waitFor(() => stream.events.find((e) => e.name === 'room:state'));

    const sent = [
      (await send(server, ada, 'one')).body.message,
      (await send(server, grace, 'two')).body.message,
    ];
    await waitFor(() => stream.events.filter((e) => e.name === 'message:new').length === 2);
    const received = stream.events.filter((e) => e.name === 'message:new');
    expect(received.map((e) => e.data.message)).toEqual(sent);
    expect(received.map((e) => e.id)).toEqual(sent.map((m) => String(m.seq)));

    const raw = await openRaw(server, room.id, { token: ada.token });
    await waitFor(() => raw.frames.length > 0);
    const third = (await send(server, ada, 'three')).body.message;
    const frame = await waitFor(() => raw.events('message:new')[0], 5000, 'raw message frame');
    expect(frame).toEqual({
      id: String(third.seq),
      event: 'message:new',
      data: { message: third },
    });
    // Only message frames carry an id: the snapshot does not move a client's resume point.
    expect(raw.frames[0]).not.toHaveProperty('id');
  });

  it('gives every stream of a room the same frames, and each room its own', async () => {
    const server = await startServer();
    const a = await roomWith(server, 'Ada', 'Grace', 'Linus');
    const b = await roomWith(server, 'Eve', 'Bob');
    const streams = async (room: { room: { id: string }; members: Joined[] }) =>
      Promise.all(room.members.map((m) => openRaw(server, room.room.id, { token: m.token })));
    const inA = await streams(a);
    const inB = await streams(b);
    const all = [...inA, ...inB];
    await waitFor(() => all.every((s) => s.frames.length > 0), 5000, 'room:state on every stream');

    // Sent at once, so the two rooms' events reach the streams interleaved.
    const sent = await Promise.all(
      [1, 2, 3].flatMap((i) => [
        send(server, a.members[i % 3]!, `a${i}`),
        send(server, b.members[i % 2]!, `b${i}`),
      ]),
    );
    await join(server, a.room, 'Grace Hopper');
    const expected = (roomId: string) =>
      sent
        .map((r) => r.body.message)
        .filter((m) => m.roomId === roomId)
        .sort((x, y) => x.seq - y.seq)
        .map((m) => ({ id: String(m.seq), event: 'message:new', data: { message: m } }));
    const texts = (s: (typeof all)[number]) =>
      s.events('message:new').filter((f) => f.data.message.type === 'text');
    await waitFor(() => all.every((s) => texts(s).length === 3), 5000, 'every text everywhere');
    await waitFor(() => inA.every((s) => s.events('member:joined').length === 1));

    for (const s of inA) expect(texts(s)).toEqual(expected(a.room.id));
    for (const s of inB) expect(texts(s)).toEqual(expected(b.room.id));
    // From the first message on (before it, each stream saw the later ones connect), a room's
    // streams read the same frames.
    const fromFirstText = (s: (typeof all)[number]) =>
      s.frames.slice(s.frames.indexOf(texts(s)[0]!));
    for (const s of inA.slice(1)) expect(fromFirstText(s)).toEqual(fromFirstText(inA[0]!));
    for (const s of inB.slice(1)) expect(fromFirstText(s)).toEqual(fromFirstText(inB[0]!));
    expect(inB.every((s) => s.events('member:joined').length === 0)).toBe(true);
  });

  it('carries the same room events as the socket: joins, presence, typing, leaves', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const stream = openEvents(server, room.id, ada.token);
    await stream.opened;
    await waitFor(() => stream.events.find((e) => e.name === 'room:state'));

    const grace = await join(server, room, 'Grace');
    const g = await connectWithState(server, grace.token);
    g.socket.emit('typing', { active: true });
    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });

    await waitFor(() => stream.events.find((e) => e.name === 'member:left'));
    const byName = (name: string) => stream.events.filter((e) => e.name === name);
    expect(byName('member:joined').map((e) => e.data)).toEqual([{ member: grace.member }]);
    expect(byName('typing').map((e) => e.data)).toEqual([
      { memberId: grace.member.id, active: true },
    ]);
    expect(byName('member:left').map((e) => e.data)).toEqual([{ memberId: grace.member.id }]);
    expect(
      byName('presence').some((e) =>
        e.data.members.some((m: any) => m.id === grace.member.id && m.online),
      ),
    ).toBe(true);
    await waitFor(() => byName('message:new').find((e) => e.data.message.body === 'Grace left'));
    expect(byName('message:new').map((e) => e.data.message.body)).toEqual([
      'Grace joined',
      'Grace left',
    ]);
  });

  it('sends a `: ping` comment as a heartbeat', async () => {
    const server = await startServer({}, { sseHeartbeatMs: 50 });
    const { room, members } = await roomWith(server, 'Ada');
    const stream = await openRaw(server, room.id, { token: members[0]!.token });
    await waitFor(
      () => stream.frames.filter((f) => f.comment === 'ping').length >= 2,
      5000,
      'two pings',
    );
    expect(stream.isEnded()).toBe(false);
    // Comments are not events: they carry no data and no id.
    for (const ping of stream.frames.filter((f) => f.comment === 'ping'))
      expect(ping).toEqual({ comment: 'ping' });
  });
});

describe('resuming with Last-Event-ID', () => {
  it('replays exactly the missed messages, in order, then goes on live', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const first = openEvents(server, room.id, grace.token);
    await first.opened;
    await send(server, ada, 'seen');
    const seen = await waitFor(() => first.events.find((e) => e.name === 'message:new'));
    first.source.close();

    const missed = [];
    for (let i = 1; i <= 4; i++) missed.push((await send(server, ada, `missed ${i}`)).body.message);
    await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Linus' },
    }); // a system message is missed too

    const resumed = openEvents(server, room.id, grace.token, { lastEventId: Number(seen.id) });
    await resumed.opened;
    await waitFor(() =>
      resumed.events.find(
        (e) => e.name === 'message:new' && e.data.message.body === 'Linus joined',
      ),
    );
    const live = (await send(server, ada, 'live')).body.message;
    await waitFor(() =>
      resumed.events.find((e) => e.name === 'message:new' && e.data.message.body === 'live'),
    );

    const messages = resumed.events.filter((e) => e.name === 'message:new');
    const firstSeq = Number(seen.id) + 1;
    expect(messages.map((e) => e.id)).toEqual(
      Array.from({ length: 6 }, (_, i) => String(firstSeq + i)),
    );
    expect(messages.map((e) => e.data.message.body)).toEqual([
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
      'Linus joined',
      'live',
    ]);
    expect(messages[0]!.data.message).toEqual(missed[0]);
    expect(messages.at(-1)!.data.message).toEqual(live);
    // The snapshot still comes first, so the client knows the room and its members.
    expect(resumed.events[0]!.name).toBe('room:state');
  });

  it('replays nothing when the client is up to date', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const last = (await send(server, ada, 'latest')).body.message;
    const stream = await openRaw(server, room.id, {
      token: ada.token,
      headers: { 'last-event-id': String(last.seq) },
    });
    await waitFor(() => stream.frames.length > 0);
    const next = (await send(server, ada, 'next')).body.message;
    await waitFor(() => stream.events('message:new').length > 0);
    expect(stream.events('message:new').map((f) => f.data.message)).toEqual([next]);
  });

  it('does not hide new messages behind a Last-Event-ID past the newest message', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const stream = openEvents(server, room.id, ada.token, { lastEventId: 1000 });
    await stream.opened;
    await waitFor(() => stream.events.find((e) => e.name === 'room:state'));
    const next = (await send(server, ada, 'next')).body.message;
    const got = await waitFor(
      () => stream.events.find((e) => e.name === 'message:new'),
      5000,
      'the next message',
    );
    expect(got.data.message).toEqual(next);
  });
});

describe('presence and the end of the stream', () => {
  it('shows the SSE member online while the stream is open', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const onlineFlag = () =>
      a.events
        .findLast((e) => e.name === 'presence')
        ?.payload.members.find((m: any) => m.id === grace.member.id)?.online;

    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    await waitFor(() => onlineFlag() === true, 5000, 'Grace online');
    const view = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(view.body.members.find((m: any) => m.id === grace.member.id).online).toBe(true);

    stream.source.close();
    await waitFor(() => onlineFlag() === false, 5000, 'Grace offline');
  });

  it('ends when the member leaves, and only their stream', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const adaStream = await openRaw(server, room.id, { token: ada.token });
    const graceStream = await openRaw(server, room.id, { token: grace.token });
    await waitFor(() => adaStream.frames.length > 0 && graceStream.frames.length > 0);

    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
    await graceStream.done;
    expect(graceStream.events('member:left').map((f) => f.data)).toEqual([
      { memberId: grace.member.id },
    ]);

    await send(server, ada, 'after');
    await waitFor(() =>
      adaStream.events('message:new').find((f) => f.data.message.body === 'after'),
    );
    expect(adaStream.isEnded()).toBe(false);
  });

  it.skipIf(noPostgres)('never stays open for a member who leaves while it opens', async () => {
    // The leave races the stream's opening at several offsets; whichever wins, the stream is
    // refused (401) or ends by itself with the member's leaving. On Postgres, where reading the
    // member is real I/O that a leave can overtake.
    const server = await startServer({
      DATABASE_URL: await freshDatabase(),
      SESSION_SECRET: 'sse-race-test-secret-of-32-characters',
    });
    for (let round = 0; round < 20; round++) {
      const { room, members } = await roomWith(server, 'Ada', 'Grace');
      const grace = members[1] as Joined;
      const controller = new AbortController();
      onCleanup(() => controller.abort());
      const opening = fetch(
        `${server.url}/api/rooms/${room.id}/events?token=${encodeURIComponent(grace.token)}`,
        { signal: controller.signal },
      );
      await sleep(round % 8);
      await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
      const stream = await opening;
      if (stream.status !== 200) {
        expect(stream.status).toBe(401);
        continue;
      }
      const ended = await Promise.race([
        stream.text().then(() => true),
        sleep(3000).then(() => false),
      ]);
      expect(ended, `round ${round}: the stream stayed open`).toBe(true);
    }
  });

  it('ends with room:closed when the room expires', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const room = await createRoom(server, { ttlSeconds: 60 });
    const ada = await join(server, room, 'Ada');
    const stream = await openRaw(server, room.id, { token: ada.token });
    await waitFor(() => stream.frames.length > 0);

    await clock.advance(61_000);
    await stream.done;
    expect(stream.frames.at(-1)).toEqual({ event: 'room:closed', data: { reason: 'expired' } });

    // EventSource would reconnect; the room is gone, so it gets an error, not a new stream.
    expectError(
      await api(server, 'GET', `/api/rooms/${room.id}/events`, { token: ada.token }),
      410,
      'room_expired',
    );
  });

  it('ends open streams when the server shuts down, without holding it up', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const stream = await openRaw(server, room.id, { token: members[0]!.token });
    await waitFor(() => stream.frames.length > 0);

    await server.close();
    await stream.done;
    expect(stream.frames.at(-1)).toEqual({
      event: 'room:closing',
      data: { secondsLeft: 0, reason: 'server_shutdown' },
    });
  });
});
