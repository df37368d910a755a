/**
 * A room's end is never a surprise (API.md, "Rooms and members"): the owner moves it with
 * `POST /api/rooms/:roomId/extend`, every member hears `room:updated` and, 300 s and 60 s before
 * the end, `room:expiring`; and a join code can be checked before a name is asked for
 * (`GET /api/join-codes/:code`). Real server on port 0, real clients; only time is manual.
 */
import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  createRoom,
  join,
  openEvents,
  roomWith,
  startServer,
  waitFor,
  type Collected,
  type TestServer,
} from '../../../test/helpers.js';
import { ManualClock } from '../core/Clock.js';

const SECOND = 1000;
const iso = (ms: number) => new Date(ms).toISOString();

function expectError(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({
    error: expect.objectContaining({ code, message: expect.any(String) }),
  });
}

function extend(server: TestServer, roomId: string, token: string, body: unknown) {
  return api(server, 'POST', `/api/rooms/${roomId}/extend`, { token, body });
}

const payloads = (client: Collected, name: string) =>
  client.events.filter((e) => e.name === name).map((e) => e.payload);

describe('POST /api/rooms/:roomId/extend', () => {
  it('lets the owner move the end, and every member hears room:updated over Socket.IO and SSE', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [(typeof members)[0], (typeof members)[0]];
    const graceSocket = await connectWithState(server, grace.token);
    const graceStream = openEvents(server, room.id, grace.token);
    await graceStream.opened;

    await clock.advance(1000 * SECOND);
    const extended = await extend(server, room.id, ada.token, { seconds: 3600 });
    expect(extended.status, JSON.stringify(extended.body)).toBe(200);
    const expected = { ...room, expiresAt: iso(clock.now() + 3600 * SECOND) };
    expect(extended.body).toEqual({ room: expected });

    await waitFor(() => payloads(graceSocket, 'room:updated').length > 0, 5000, 'room:updated');
    expect(payloads(graceSocket, 'room:updated')).toEqual([{ room: expected }]);
    await waitFor(
      () => graceStream.events.some((e) => e.name === 'room:updated'),
      5000,
      'room:updated on the event stream',
    );
    expect(graceStream.events.filter((e) => e.name === 'room:updated').map((e) => e.data)).toEqual([
      { room: expected },
    ]);
    const read = await api(server, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(read.body.room).toEqual(expected);

    // The old end passes and the room lives on, until its new one.
    await clock.advance(2600 * SECOND);
    expect((await api(server, 'GET', `/api/rooms/${room.id}`, { token: grace.token })).status).toBe(
      200,
    );
    await clock.advance(1000 * SECOND);
    await waitFor(() => payloads(graceSocket, 'room:closed').length > 0, 5000, 'room:closed');
    expect(payloads(graceSocket, 'room:closed')).toEqual([{ reason: 'expired' }]);
  });

  it('refuses a member who is not the owner with 403, and changes nothing', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const adaSocket = await connectWithState(server, members[0]!.token);

    expectError(
      await extend(server, room.id, members[1]!.token, { seconds: 3600 }),
      403,
      'forbidden',
    );
    const read = await api(server, 'GET', `/api/rooms/${room.id}`, { token: members[0]!.token });
    expect(read.body.room.expiresAt).toBe(room.expiresAt);
    expectError(await extend(server, room.id, '', { seconds: 3600 }), 401, 'unauthorized');
    const other = await roomWith(server, 'Linus');
    expectError(
      await extend(server, room.id, other.members[0]!.token, { seconds: 3600 }),
      403,
      'forbidden',
    );
    // The owner's extension is the first and only room:updated: the refusals published nothing.
    const extended = await extend(server, room.id, members[0]!.token, { seconds: 600 });
    await waitFor(() => payloads(adaSocket, 'room:updated').length > 0, 5000, 'room:updated');
    expect(payloads(adaSocket, 'room:updated')).toEqual([extended.body]);
  });

  it('moves the end at most ROOM_MAX_TTL_SECONDS from now', async () => {
    const clock = new ManualClock();
    const server = await startServer({ ROOM_MAX_TTL_SECONDS: '7200' }, { clock });
    const { room, members } = await roomWith(server, 'Ada');
    const extended = await extend(server, room.id, members[0]!.token, { seconds: 30 * 86_400 });
    expect(extended.status).toBe(200);
    expect(extended.body.room.expiresAt).toBe(iso(clock.now() + 7200 * SECOND));

    const defaults = await startServer({}, { clock });
    const other = await roomWith(defaults, 'Ada');
    const capped = await extend(defaults, other.room.id, other.members[0]!.token, {
      seconds: 86_401,
    });
    expect(capped.body.room.expiresAt).toBe(iso(clock.now() + 86_400 * SECOND));
  });

  it('refuses bad input with 400 naming the field', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const token = members[0]!.token;
    for (const body of [
      {},
      { seconds: 59 },
      { seconds: 90.5 },
      { seconds: '3600' },
      { seconds: 3600, persistent: true },
    ]) {
      const refused = await extend(server, room.id, token, body);
      expectError(refused, 400, 'invalid_request');
      expect(refused.body.error.details.length).toBeGreaterThan(0);
    }
  });

  it('refuses a room that has no expiry: it is kept until deleted', async () => {
    const server = await startServer({ ROOM_TTL_SECONDS: '0' });
    const { room, members } = await roomWith(server, 'Ada');
    expect(room.expiresAt).toBeNull();
    const refused = await extend(server, room.id, members[0]!.token, { seconds: 3600 });
    expectError(refused, 400, 'invalid_request');
    expect(refused.body.error.details).toEqual([{ path: 'seconds', message: expect.any(String) }]);
  });
});

describe('room:expiring', () => {
  it('warns every member 300 s and 60 s before the end, each exactly once', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const ada = await connectWithState(server, members[0]!.token);
    const stream = openEvents(server, room.id, members[1]!.token);
    await stream.opened;
    const streamed = () =>
      stream.events.filter((e) => e.name === 'room:expiring').map((e) => e.data);

    await clock.advance((3600 - 301) * SECOND);
    await server.ctx.rooms.sweep();
    expect(payloads(ada, 'room:expiring')).toEqual([]);
    await clock.advance(SECOND);
    await waitFor(() => payloads(ada, 'room:expiring').length === 1, 5000, 'the 300 s warning');
    // Sweeping again, however often, warns nobody twice.
    await server.ctx.rooms.sweep();
    await clock.advance(200 * SECOND);
    await server.ctx.rooms.sweep();
    await clock.advance(40 * SECOND);
    await waitFor(() => payloads(ada, 'room:expiring').length === 2, 5000, 'the 60 s warning');
    await clock.advance(55 * SECOND);
    await server.ctx.rooms.sweep();
    await waitFor(() => streamed().length === 2, 5000, 'both warnings on the event stream');
    expect(payloads(ada, 'room:expiring')).toEqual([{ secondsLeft: 300 }, { secondsLeft: 60 }]);
    expect(streamed()).toEqual([{ secondsLeft: 300 }, { secondsLeft: 60 }]);

    await clock.advance(5 * SECOND);
    await waitFor(() => payloads(ada, 'room:closed').length > 0, 5000, 'room:closed');
    expect(payloads(ada, 'room:expiring')).toHaveLength(2);
  });

  it('warns again for the new end after an extension', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const { members } = await roomWith(server, 'Ada');
    const ada = await connectWithState(server, members[0]!.token);
    await clock.advance((3600 - 300) * SECOND);
    await waitFor(() => payloads(ada, 'room:expiring').length === 1, 5000, 'the first warning');

    await extend(server, members[0]!.room.id, members[0]!.token, { seconds: 600 });
    await clock.advance(295 * SECOND);
    await server.ctx.rooms.sweep();
    expect(payloads(ada, 'room:expiring')).toEqual([{ secondsLeft: 300 }]);
    await clock.advance(5 * SECOND);
    await waitFor(() => payloads(ada, 'room:expiring').length === 2, 5000, 'the new warning');
    expect(payloads(ada, 'room:expiring')).toEqual([{ secondsLeft: 300 }, { secondsLeft: 300 }]);
  });

  it('gives a room that starts within a minute of its end only the last warning', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const room = await createRoom(server, { ttlSeconds: 60 });
    const ada = await connectWithState(server, (await join(server, room, 'Ada')).token);
    await clock.advance(5 * SECOND);
    await waitFor(() => payloads(ada, 'room:expiring').length === 1, 5000, 'the warning');
    await clock.advance(50 * SECOND);
    expect(payloads(ada, 'room:expiring')).toEqual([{ secondsLeft: 55 }]);
  });

  it('says nothing in a room without an expiry', async () => {
    const clock = new ManualClock();
    const server = await startServer({ ROOM_TTL_SECONDS: '0' }, { clock });
    const { members } = await roomWith(server, 'Ada');
    const ada = await connectWithState(server, members[0]!.token);
    await clock.advance(2 * 86_400 * SECOND);
    expect(payloads(ada, 'room:expiring')).toEqual([]);
    expect(ada.socket.connected).toBe(true);
  });
});

describe('a room link checked before a name is asked for', () => {
  it('answers a join for the room first: 404 or 410 for a room that is not there, whatever the name', async () => {
    const server = await startServer();
    const live = await createRoom(server);
    const ended = await createRoom(server);
    await server.ctx.rooms.close(ended.id, 'deleted');
    const probe = (roomId: string) =>
      api(server, 'POST', '/api/rooms/join', { body: { roomId, displayName: '' } });
    expectError(await probe('x'.repeat(43)), 404, 'room_not_found');
    expectError(await probe(ended.id), 410, 'room_expired');
    const named = await probe(live.id);
    expectError(named, 400, 'invalid_request');
    expect(named.body.error.details).toEqual([
      { path: 'displayName', message: expect.any(String) },
    ]);
  });
});

describe('GET /api/join-codes/:code', () => {
  it('names the live room a code belongs to, whatever its case', async () => {
    const server = await startServer();
    const room = await createRoom(server, { name: 'Book club' });
    for (const code of [room.joinCode, room.joinCode.toLowerCase()]) {
      const found = await api(server, 'GET', `/api/join-codes/${code}`);
      expect(found.status).toBe(200);
      expect(found.body).toEqual({ roomId: room.id, name: 'Book club' });
    }
  });

  it('answers 404 room_not_found for an unknown code and for one that cannot exist', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const unknown = ['333333', '444444', '666666'].find((code) => code !== room.joinCode)!;
    for (const code of [unknown, 'OOOOOO', '12', 'ABCDEFGH', '%20']) {
      expectError(await api(server, 'GET', `/api/join-codes/${code}`), 404, 'room_not_found');
    }
  });

  it('answers 404 for the code of a room that ended, even before the clean-up pass', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const expired = await createRoom(server, { ttlSeconds: 60 });
    const closed = await createRoom(server);
    await server.ctx.rooms.close(closed.id, 'deleted');
    expectError(
      await api(server, 'GET', `/api/join-codes/${closed.joinCode}`),
      404,
      'room_not_found',
    );
    // Time moves past the end with no clean-up pass to end the room: its code is unknown already.
    server.ctx.rooms.stop();
    await clock.advance(61 * SECOND);
    expectError(
      await api(server, 'GET', `/api/join-codes/${expired.joinCode}`),
      404,
      'room_not_found',
    );
  });

  it('counts failed look-ups with failed joins, so looking codes up cannot guess them either', async () => {
    const server = await startServer({}, { limits: { joinFailures: { points: 5, seconds: 60 } } });
    const room = await createRoom(server);
    const wrong = ['333333', '444444', '666666', '777777', '999999', 'AAAAAA'].filter(
      (code) => code !== room.joinCode,
    );
    for (const code of wrong.slice(0, 3)) {
      expectError(await api(server, 'GET', `/api/join-codes/${code}`), 404, 'room_not_found');
    }
    // Successes take nothing from the failure budget.
    expect((await join(server, room, 'Ada')).member.role).toBe('owner');
    expect((await api(server, 'GET', `/api/join-codes/${room.joinCode}`)).status).toBe(200);
    for (const joinCode of wrong.slice(3, 5)) {
      const body = { joinCode, displayName: 'Eve' };
      expectError(await api(server, 'POST', '/api/rooms/join', { body }), 404, 'room_not_found');
    }
    const refused = await api(server, 'GET', `/api/join-codes/${room.joinCode}`);
    expectError(refused, 429, 'rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expectError(
      await api(server, 'POST', '/api/rooms/join', {
        body: { joinCode: room.joinCode, displayName: 'Eve' },
      }),
      429,
      'rate_limited',
    );
  });
});
