/**
 * Rooms and members over HTTP and their lifecycle (API.md, "Rooms and members"; decision 002 for
 * empty-room clean-up). Real server on port 0, real clients; only time is manual.
 */
import { describe, expect, it } from 'vitest';
import { JOIN_CODE_ALPHABET, ROOM_ID_PATTERN, type Room } from '../../protocol/schemas.js';
import {
  api,
  connectWithState,
  createRoom,
  join,
  roomWith,
  startServer,
  waitFor,
  type TestServer,
} from '../../../test/helpers.js';
import { ManualClock } from './Clock.js';

const SECOND = 1000;
const iso = (ms: number) => new Date(ms).toISOString();

function joinAs(server: TestServer, body: Record<string, unknown>) {
  return api(server, 'POST', '/api/rooms/join', { body });
}

function expectError(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({
    error: expect.objectContaining({ code, message: expect.any(String) }),
  });
}

/** Waits until the server has counted a closed connection (a sync point, not an assertion). */
function serverSeesRoomEmpty(server: TestServer, roomId: string) {
  return waitFor(
    async () => !(await server.ctx.presence.isOccupied(roomId)),
    5000,
    'the room to be empty',
  );
}

describe('POST /api/rooms', () => {
  it('creates a room with the documented shape and a default life of ROOM_TTL_SECONDS', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const response = await api(server, 'POST', '/api/rooms', { body: {} });

    expect(response.status).toBe(201);
    const { room, url } = response.body;
    expect(room).toEqual({
      id: expect.stringMatching(ROOM_ID_PATTERN),
      joinCode: expect.stringMatching(new RegExp(`^[${JOIN_CODE_ALPHABET}]{6}$`)),
      name: expect.any(String),
      createdAt: iso(clock.now()),
      expiresAt: iso(clock.now() + 3600 * SECOND),
      persistent: false,
    });
    expect(url).toBe(`${server.url}/r/${room.id}`);
  });

  it('needs no body at all', async () => {
    const server = await startServer();
    const response = await api(server, 'POST', '/api/rooms');
    expect(response.status).toBe(201);
    expect(response.body.room.id).toMatch(ROOM_ID_PATTERN);
  });

  it('honours name and ttlSeconds', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const response = await api(server, 'POST', '/api/rooms', {
      body: { name: 'Standup', ttlSeconds: 120 },
    });
    expect(response.status).toBe(201);
    expect(response.body.room.name).toBe('Standup');
    expect(response.body.room.expiresAt).toBe(iso(clock.now() + 120 * SECOND));
  });

  it('takes its default life from ROOM_TTL_SECONDS, and 0 means no expiry', async () => {
    const clock = new ManualClock();
    const short = await startServer({ ROOM_TTL_SECONDS: '600' }, { clock });
    expect((await createRoom(short)).expiresAt).toBe(iso(clock.now() + 600 * SECOND));
    const forever = await startServer({ ROOM_TTL_SECONDS: '0' }, { clock });
    expect((await createRoom(forever)).expiresAt).toBeNull();
  });

  it('gives every room its own id and join code', async () => {
    const server = await startServer();
    const rooms = await Promise.all(Array.from({ length: 30 }, () => createRoom(server)));
    expect(new Set(rooms.map((r) => r.id)).size).toBe(30);
    expect(new Set(rooms.map((r) => r.joinCode)).size).toBe(30);
  });

  it('refuses a persistent room when there is no database', async () => {
    const server = await startServer();
    const response = await api(server, 'POST', '/api/rooms', { body: { persistent: true } });
    expectError(response, 400, 'invalid_request');
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: 'persistent' })]);
  });

  it.each([
    ['a ttl below a minute', { ttlSeconds: 10 }],
    ['a ttl that is not a number', { ttlSeconds: '3600' }],
    ['an unknown field', { colour: 'blue' }],
    ['an empty name', { name: '   ' }],
  ])('refuses %s with invalid_request', async (_what, body) => {
    const server = await startServer();
    expectError(await api(server, 'POST', '/api/rooms', { body }), 400, 'invalid_request');
  });
});

describe('POST /api/rooms/join', () => {
  it('makes the first member the owner and later ones members, with a session cookie', async () => {
    const server = await startServer();
    const room = await createRoom(server);

    const first = await joinAs(server, { roomId: room.id, displayName: 'Ada' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      token: expect.any(String),
      member: { id: expect.any(String), displayName: 'Ada', role: 'owner' },
      room,
    });
    const cookie = first.headers.getSetCookie().find((c) => c.startsWith('rk_session='));
    expect(cookie).toBeDefined();
    expect(cookie).toContain(`rk_session=${first.body.token}`);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);

    const second = await joinAs(server, { roomId: room.id, displayName: 'Grace' });
    expect(second.status).toBe(200);
    expect(second.body.member).toEqual({
      id: expect.any(String),
      displayName: 'Grace',
      role: 'member',
    });
    expect(second.body.member.id).not.toBe(first.body.member.id);
    expect(second.body.token).not.toBe(first.body.token);
  });

  it('joins by join code, whatever its case', async () => {
    const server = await startServer();
    const room = await createRoom(server);

    const upper = await joinAs(server, { joinCode: room.joinCode, displayName: 'Ada' });
    expect(upper.status).toBe(200);
    expect(upper.body.room.id).toBe(room.id);

    const lower = await joinAs(server, {
      joinCode: ` ${room.joinCode.toLowerCase()} `,
      displayName: 'Grace',
    });
    expect(lower.status).toBe(200);
    expect(lower.body.room.id).toBe(room.id);
    expect(lower.body.member.role).toBe('member');
  });

  it('answers room_not_found for an unknown join code or room id', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const other = [...JOIN_CODE_ALPHABET].find((c) => c !== room.joinCode[0]) as string;
    const unknownCode = other.repeat(6);

    expectError(
      await joinAs(server, { joinCode: unknownCode, displayName: 'Ada' }),
      404,
      'room_not_found',
    );
    expectError(
      await joinAs(server, { roomId: 'A'.repeat(43), displayName: 'Ada' }),
      404,
      'room_not_found',
    );
  });

  it.each([
    ['neither roomId nor joinCode', () => ({ displayName: 'Ada' })],
    [
      'both roomId and joinCode',
      (room: Room) => ({ roomId: room.id, joinCode: room.joinCode, displayName: 'Ada' }),
    ],
    ['a join code with look-alike characters', () => ({ joinCode: 'O0IL15', displayName: 'Ada' })],
    ['a room id that is not one', () => ({ roomId: 'short', displayName: 'Ada' })],
    ['no display name', (room: Room) => ({ roomId: room.id })],
    ['an unknown field', (room: Room) => ({ roomId: room.id, displayName: 'Ada', admin: true })],
  ])('refuses %s with invalid_request', async (_what, body) => {
    const server = await startServer();
    const room = await createRoom(server);
    expectError(await joinAs(server, body(room)), 400, 'invalid_request');
  });
});

describe('display names', () => {
  it('stores the name trimmed, NFC-normalised and with inner white space collapsed', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const decomposed = '  Ame\u0301lie   Nothomb  ';
    const joined = await join(server, room, decomposed);
    expect(joined.member.displayName).toBe('Am\u00e9lie Nothomb');

    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: joined.token });
    expect(state.body.members.map((m: any) => m.displayName)).toEqual(['Am\u00e9lie Nothomb']);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['41 characters', 'a'.repeat(41)],
    ['41 emoji', '😀'.repeat(41)],
    ['a bidi override (U+202E)', 'Ada\u202Eevil'],
    ['a bidi isolate (U+2066)', '\u2066Ada'],
    ['a zero-width space (U+200B)', 'Ada\u200BLovelace'],
    ['a zero-width joiner between letters', 'Ad\u200Da'],
    ['a bell control character', 'Ada\u0007'],
    ['a NUL character', '\u0000Ada'],
    ['a DEL character', 'Ada\u007F'],
    ['a C1 control character (U+0085)', 'Ada\u0085'],
    ['zalgo marks', `A${'\u0301'.repeat(12)}da`],
  ])('refuses a name that is %s', async (_what, displayName) => {
    const server = await startServer();
    const room = await createRoom(server);
    const response = await joinAs(server, { roomId: room.id, displayName });
    expectError(response, 400, 'invalid_request');
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: 'displayName' })]);
  });

  it.each([
    ['an emoji joined with a ZWJ', '👩‍💻 Dev'],
    ['40 ZWJ emoji (40 visible characters)', '👩‍💻'.repeat(40)],
    ['40 plain emoji', '😀'.repeat(40)],
    ['40 letters', 'a'.repeat(40)],
    ['a flag', '🇫🇷 Marie'],
    ['a name in another script', 'Ἀριστοτέλης'],
    ['a name written right to left', 'מרים'],
  ])('accepts %s', async (_what, displayName) => {
    const server = await startServer();
    const room = await createRoom(server);
    const response = await joinAs(server, { roomId: room.id, displayName });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.member.displayName).toBe(displayName);
  });

  it.each([
    ['the same name in lower case', 'ada'],
    ['the same name in upper case with spaces', '  ADA '],
    ['a Cyrillic look-alike (U+0410)', '\u0410da'],
    ['a full-width look-alike', 'Ａｄａ'],
  ])('refuses %s of a name already in the room with name_taken', async (_what, displayName) => {
    const server = await startServer();
    const { room } = await roomWith(server, 'Ada');
    expectError(await joinAs(server, { roomId: room.id, displayName }), 409, 'name_taken');
  });

  it('only reserves a name within its own room', async () => {
    const server = await startServer();
    await roomWith(server, 'Ada');
    const other = await createRoom(server);
    expect((await join(server, other, 'Ada')).member.displayName).toBe('Ada');
  });

  it('frees a name when its member leaves', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = members[1]!;
    expectError(await joinAs(server, { roomId: room.id, displayName: 'grace' }), 409, 'name_taken');
    expect(
      (await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token })).status,
    ).toBe(204);
    const again = await joinAs(server, { roomId: room.id, displayName: 'grace' });
    expect(again.status).toBe(200);
    expect(again.body.member.displayName).toBe('grace');
  });
});

describe('GET /api/rooms/:roomId', () => {
  it('gives a member the room, its members with online flags, messages and files', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    await connectWithState(server, ada.token);

    const response = await api(server, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      room,
      members: [
        { ...ada.member, online: true },
        { ...grace.member, online: false },
      ],
      messages: [
        expect.objectContaining({ type: 'system', body: 'Ada joined', seq: 1, sender: null }),
        expect.objectContaining({ type: 'system', body: 'Grace joined', seq: 2, sender: null }),
      ],
      files: [],
      exec: { lastRun: null, running: [] },
    });
  });

  it('carries the last 50 messages, oldest first', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    for (let i = 1; i <= 60; i++) {
      const sent = await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
        token: ada.token,
        body: { body: `message ${i}` },
      });
      expect(sent.status).toBe(201);
    }
    // seq 1 is "Ada joined", then the 60 messages: seq 2..61.
    const response = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    const seqs = response.body.messages.map((m: any) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => 12 + i));
    expect(response.body.messages.at(-1).body).toBe('message 60');
  });

  it('works with the rk_session cookie instead of a bearer token', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const joined = await joinAs(server, { roomId: room.id, displayName: 'Ada' });
    const cookie = (joined.headers.getSetCookie()[0] ?? '').split(';')[0] as string;

    const response = await api(server, 'GET', `/api/rooms/${room.id}`, {
      headers: { cookie },
    });
    expect(response.status).toBe(200);
    expect(response.body.room.id).toBe(room.id);
  });

  it('is for members only', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const { members: others } = await roomWith(server, 'Eve');
    const path = `/api/rooms/${room.id}`;

    expectError(await api(server, 'GET', path), 401, 'unauthorized');
    expectError(await api(server, 'GET', path, { token: 'garbage' }), 401, 'unauthorized');
    const forged = `${members[0]!.token.slice(0, -4)}AAAA`;
    expectError(await api(server, 'GET', path, { token: forged }), 401, 'unauthorized');
    expectError(
      await api(server, 'GET', path, { headers: { cookie: 'rk_session=garbage' } }),
      401,
      'unauthorized',
    );
    // A real token, but of another room.
    expectError(await api(server, 'GET', path, { token: others[0]!.token }), 403, 'forbidden');
  });

  it('refuses a token at another room id, even one that does not exist', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const response = await api(server, 'GET', `/api/rooms/${'B'.repeat(43)}`, {
      token: members[0]!.token,
    });
    expectError(response, 403, 'forbidden');
  });
});

describe('POST /api/rooms/:roomId/leave', () => {
  it('answers 204, revokes the token and tells the others', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const watcher = await connectWithState(server, ada.token);

    const left = await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
    expect(left.status).toBe(204);
    expect(left.body).toBeUndefined();

    expectError(
      await api(server, 'GET', `/api/rooms/${room.id}`, { token: grace.token }),
      401,
      'unauthorized',
    );
    expectError(
      await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
        token: grace.token,
        body: { body: 'still here?' },
      }),
      401,
      'unauthorized',
    );

    const memberLeft = await waitFor(
      () => watcher.events.find((e) => e.name === 'member:left'),
      5000,
      'member:left',
    );
    expect(memberLeft.payload).toEqual({ memberId: grace.member.id });
    const system = await waitFor(
      () =>
        watcher.events.find((e) => e.name === 'message:new' && e.payload.message.type === 'system'),
      5000,
      'system message',
    );
    expect(system.payload.message).toMatchObject({ body: 'Grace left', sender: null });

    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(state.body.members.map((m: any) => m.displayName)).toEqual(['Ada']);
  });

  it('clears the session cookie', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const left = await api(server, 'POST', `/api/rooms/${room.id}/leave`, {
      token: members[0]!.token,
    });
    const cleared = left.headers.getSetCookie().find((c) => c.startsWith('rk_session='));
    expect(cleared).toMatch(/^rk_session=;/);
  });

  it('makes exactly one owner when several people join a new room at once', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    // Straight into the service, so the joins really interleave (HTTP would serialise them).
    const joined = await Promise.all(
      ['Ada', 'Grace', 'Linus', 'Barbara', 'Ken'].map((displayName) =>
        server.ctx.rooms.join({ roomId: room.id, displayName }),
      ),
    );
    expect(joined.filter((j) => j.member.role === 'owner')).toHaveLength(1);
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: joined[0]!.token });
    const owners = state.body.members.filter((m: any) => m.role === 'owner');
    expect(owners).toHaveLength(1);
    expect(owners[0].id).toBe(joined.find((j) => j.member.role === 'owner')!.member.id);
  });

  it('passes ownership on to the longest-present member when the owner leaves', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace', 'Linus');
    const [ada, grace, linus] = members as [any, any, any];
    const watcher = await connectWithState(server, linus.token);
    const send = (body: string) =>
      api(server, 'POST', `/api/rooms/${room.id}/messages`, { token: grace.token, body: { body } });
    // Grace's session has just been checked, as a member.
    expect((await send('before')).body.message.sender.role).toBe('member');

    expect(
      (await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: ada.token })).status,
    ).toBe(204);
    expect((await send('after')).body.message.sender.role).toBe('owner');

    const presence = await waitFor(
      () =>
        watcher.events.find(
          (e) =>
            e.name === 'presence' && e.payload.members.every((m: any) => m.id !== ada.member.id),
        ),
      5000,
      'presence without Ada',
    );
    expect(presence.payload.members).toEqual([
      { ...grace.member, role: 'owner', online: false },
      { ...linus.member, role: 'member', online: true },
    ]);
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: linus.token });
    expect(state.body.members.find((m: any) => m.id === grace.member.id).role).toBe('owner');

    // The new owner's own view says so too.
    const graceView = await connectWithState(server, grace.token);
    expect(graceView.state.member.role).toBe('owner');
  });

  it('refuses every request made after the leave was answered, with sends and leaves racing it', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [any, any];
    const adaSocket = await connectWithState(server, ada.token);
    let answered = false;
    const after: number[] = [];
    let acknowledged = 0;
    const send = async (body: string) => {
      const startedAfter = answered;
      const response = await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
        token: ada.token,
        body: { body },
      });
      if (response.status === 201) acknowledged++;
      if (startedAfter) after.push(response.status);
    };
    // A socket is cut when its member leaves (member:left): what it sent then goes unanswered.
    const { socket } = adaSocket;
    const overSocket = async (body: string) => {
      const ack = await new Promise<any>((resolve) => {
        if (socket.disconnected) return resolve(undefined);
        socket.once('disconnect', () => resolve(undefined));
        socket.emit('message:send', { body }, resolve);
      });
      if (ack?.ok) acknowledged++;
    };
    const lanes = Array.from({ length: 6 }, async (_, lane) => {
      for (let i = 0; i < 15; i++) {
        await (lane % 2 === 0 ? send : overSocket)(`lane ${lane} #${i}`);
      }
    });
    const leaves = Array.from({ length: 3 }, () =>
      api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: ada.token }),
    );
    const leaveStatuses = (await Promise.all(leaves)).map((r) => r.status);
    answered = true;
    await Promise.all(lanes);

    // One leave did it; another may have found the member gone already.
    expect(leaveStatuses).toContain(204);
    for (const status of leaveStatuses) expect([204, 401]).toContain(status);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((status) => status === 401)).toBe(true);
    // Every message acknowledged is stored, and nothing else of Ada's.
    const history = await api(server, 'GET', `/api/rooms/${room.id}/messages?limit=200`, {
      token: grace.token,
    });
    const stored = history.body.messages;
    expect(stored.filter((m: any) => m.sender?.id === ada.member.id)).toHaveLength(acknowledged);
    expect(stored.filter((m: any) => m.body === 'Ada left')).toHaveLength(1);
  });

  it('lets the next person to join an abandoned room become its owner', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: members[0]!.token });
    expect((await join(server, room, 'Grace')).member.role).toBe('owner');
  });
});

describe('room expiry', () => {
  it('closes the room at expiresAt: sockets are told and disconnected, links answer 410', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const room = await createRoom(server, { ttlSeconds: 60 });
    const ada = await join(server, room, 'Ada');
    const socket = await connectWithState(server, ada.token);
    const disconnected = new Promise<string>((resolve) => socket.socket.on('disconnect', resolve));

    await clock.advance(59 * SECOND);
    expect((await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token })).status).toBe(
      200,
    );
    expect(socket.events.some((e) => e.name === 'room:closed')).toBe(false);

    await clock.advance(2 * SECOND);
    const closed = await waitFor(
      () => socket.events.find((e) => e.name === 'room:closed'),
      5000,
      'room:closed',
    );
    expect(closed.payload).toEqual({ reason: 'expired' });
    expect(await disconnected).toBe('io server disconnect');

    expectError(
      await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token }),
      410,
      'room_expired',
    );
    // A link to the room says it expired; a join code is simply no longer in use.
    expectError(
      await joinAs(server, { roomId: room.id, displayName: 'Grace' }),
      410,
      'room_expired',
    );
    expectError(
      await joinAs(server, { joinCode: room.joinCode, displayName: 'Grace' }),
      404,
      'room_not_found',
    );
  });

  it('answers 410 for an expired room even before the next clean-up pass', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    // Created 1 s after a clean-up tick, so it expires between two of them.
    await clock.advance(1 * SECOND);
    const room = await createRoom(server, { ttlSeconds: 60 });
    const ada = await join(server, room, 'Ada');

    await clock.advance(60 * SECOND + 500);
    expectError(
      await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token }),
      410,
      'room_expired',
    );
    expectError(
      await joinAs(server, { joinCode: room.joinCode, displayName: 'Grace' }),
      404,
      'room_not_found',
    );
  });

  it('refuses a socket to an expired room', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const room = await createRoom(server, { ttlSeconds: 60 });
    const ada = await join(server, room, 'Ada');
    await clock.advance(61 * SECOND);
    const error = await connectWithState(server, ada.token).then(
      () => undefined,
      (e: unknown) => e as Error & { data?: unknown },
    );
    // The message is always `unauthorized`; data.code says why (docs/api.md, "Socket.IO").
    expect(error?.message).toBe('unauthorized');
    expect(error?.data).toEqual({ code: 'room_expired' });
  });
});

describe('empty-room clean-up', () => {
  const grace = { EMPTY_ROOM_GRACE_SECONDS: '210' };

  it('keeps a room while a member is connected, and removes it 210 s after the last one left', async () => {
    const clock = new ManualClock();
    const server = await startServer(grace, { clock });
    const room = await createRoom(server);
    const ada = await join(server, room, 'Ada');
    const socket = await connectWithState(server, ada.token);

    await clock.advance(301 * SECOND);
    expect(socket.socket.connected).toBe(true);
    expect(socket.events.some((e) => e.name === 'room:closed')).toBe(false);

    socket.socket.disconnect();
    await serverSeesRoomEmpty(server, room.id);

    // 209 s later (a clean-up pass runs at exactly 209 s) the room is still there…
    await clock.advance(209 * SECOND);
    const kept = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(kept.status).toBe(200);

    // …and that REST call was activity (decision 002), so the grace period starts again from
    // it: 211 s of nobody later the room is gone.
    await clock.advance(211 * SECOND);
    expectError(
      await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token }),
      410,
      'room_expired',
    );
    expectError(
      await joinAs(server, { joinCode: room.joinCode, displayName: 'Grace' }),
      404,
      'room_not_found',
    );
  });

  it('removes a room nobody ever connected to after the grace period', async () => {
    const clock = new ManualClock();
    const server = await startServer(grace, { clock });
    const room = await createRoom(server);
    const ada = await join(server, room, 'Ada');

    await clock.advance(205 * SECOND);
    expect((await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token })).status).toBe(
      200,
    );
    await clock.advance(211 * SECOND);
    expectError(
      await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token }),
      410,
      'room_expired',
    );
  });

  it('never removes a persistent room for being empty, used over REST or not', async () => {
    const clock = new ManualClock();
    const server = await startServer(
      {
        ...grace,
        DATABASE_URL: 'sqlite::memory:',
        SESSION_SECRET: 'rooms-test-secret-of-32-chars!!!',
      },
      { clock },
    );
    const room = await createRoom(server, { persistent: true });
    const ada = await join(server, room, 'Ada');
    const send = (body: string) =>
      api(server, 'POST', `/api/rooms/${room.id}/messages`, { token: ada.token, body: { body } });

    expect((await send('nobody is connected')).status).toBe(201);
    await clock.advance(400 * SECOND);
    expect((await send('still here')).status).toBe(201);
    await clock.advance(400 * SECOND);
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(state.status).toBe(200);
    expect(state.body.messages.map((m: any) => m.body)).toEqual([
      'Ada joined',
      'nobody is connected',
      'still here',
    ]);
  });

  it('keeps a room alive through any one of several members being connected', async () => {
    const clock = new ManualClock();
    const server = await startServer(grace, { clock });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, gr] = members as [any, any];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, gr.token);

    a.socket.disconnect();
    await clock.advance(400 * SECOND);
    expect(g.socket.connected).toBe(true);
    expect(g.events.some((e) => e.name === 'room:closed')).toBe(false);

    g.socket.disconnect();
    await serverSeesRoomEmpty(server, room.id);
    await clock.advance(215 * SECOND);
    expectError(
      await api(server, 'GET', `/api/rooms/${room.id}`, { token: gr.token }),
      410,
      'room_expired',
    );
  });
});
