/**
 * Rooms as an account (API.md, "Accounts"): joining with the `rk_auth` cookie under the
 * username, joining again as the same member, `GET /api/me/rooms`, and claiming a guest's
 * membership.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  createRoom,
  join,
  sendMessage,
  startServer,
  waitFor,
  type ApiResponse,
} from '../../../test/helpers.js';

const PASSWORD = 'correct horse battery';

async function signUp(server: { url: string }, username: string): Promise<string> {
  const response = await api(server, 'POST', '/api/auth/register', {
    body: { username, password: PASSWORD },
  });
  if (response.status !== 201) throw new Error(`register: ${response.status}`);
  return cookieOf(response);
}

function cookieOf(response: ApiResponse): string {
  const set = response.headers.getSetCookie().find((c) => c.startsWith('rk_auth='));
  if (set === undefined) throw new Error('no rk_auth cookie');
  return set.split(';')[0]!;
}

function joinAs(server: { url: string }, cookie: string, body: object) {
  return api(server, 'POST', '/api/rooms/join', { body, headers: { cookie } });
}

describe('joining a room as an account', () => {
  it('needs no display name, and joining again returns the same member', async () => {
    const server = await startServer();
    const cookie = await signUp(server, 'Ada Lovelace');
    const room = await createRoom(server);

    const first = await joinAs(server, cookie, { roomId: room.id });
    expect(first.status).toBe(200);
    expect(first.body.member).toEqual({
      id: expect.any(String),
      displayName: 'Ada Lovelace',
      role: 'owner',
    });

    const again = await joinAs(server, cookie, { joinCode: room.joinCode.toLowerCase() });
    expect(again.status).toBe(200);
    expect(again.body.member).toEqual(first.body.member);
    // Both tokens are the one member's; the room has one member, not two.
    for (const token of [first.body.token, again.body.token]) {
      const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token });
      expect(state.status).toBe(200);
      expect(state.body.members.map((m: { id: string }) => m.id)).toEqual([first.body.member.id]);
    }
  });

  it('joins under the username whatever display name is sent', async () => {
    const server = await startServer();
    const cookie = await signUp(server, 'Grace');
    const room = await createRoom(server);
    const joined = await joinAs(server, cookie, { roomId: room.id, displayName: 'Someone Else' });
    expect(joined.body.member.displayName).toBe('Grace');
  });

  it('answers 409 name_taken when a guest already holds the username', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    await join(server, room, 'ADA');
    const cookie = await signUp(server, 'Ada');
    const refused = await joinAs(server, cookie, { roomId: room.id });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('name_taken');
  });

  it('makes one member of two joins of one account at once', async () => {
    const server = await startServer();
    const cookie = await signUp(server, 'Ada');
    const room = await createRoom(server);
    const [a, b] = await Promise.all([
      joinAs(server, cookie, { roomId: room.id }),
      joinAs(server, cookie, { roomId: room.id }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.member.id).toBe(b.body.member.id);
  });

  it('needs a display name without an account, or with a cookie whose session ended', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const missing = await api(server, 'POST', '/api/rooms/join', { body: { roomId: room.id } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('invalid_request');
    expect(missing.body.error.details[0].path).toBe('displayName');

    const cookie = await signUp(server, 'Ada');
    await api(server, 'POST', '/api/auth/logout', { headers: { cookie } });
    expect((await joinAs(server, cookie, { roomId: room.id })).status).toBe(400);
    const guest = await joinAs(server, cookie, { roomId: room.id, displayName: 'Guest' });
    expect(guest.status).toBe(200);
    expect(guest.body.member.displayName).toBe('Guest');
  });

  it('refuses a join with the account cookie from a foreign origin', async () => {
    const server = await startServer();
    const cookie = await signUp(server, 'Ada');
    const room = await createRoom(server);
    const response = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id },
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('forbidden');
    const state = await api(server, 'GET', `/api/me/rooms`, { headers: { cookie } });
    expect(state.body.rooms).toEqual([]);
  });

  it('is a new member after leaving', async () => {
    const server = await startServer();
    const cookie = await signUp(server, 'Ada');
    const room = await createRoom(server);
    await join(server, room, 'Grace');
    const first = await joinAs(server, cookie, { roomId: room.id });
    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: first.body.token });
    const again = await joinAs(server, cookie, { roomId: room.id });
    expect(again.status).toBe(200);
    expect(again.body.member.id).not.toBe(first.body.member.id);
  });
});

describe('GET /api/me/rooms', () => {
  it("lists the account's rooms with the ones it owns marked, and nobody else's", async () => {
    const server = await startServer();
    const ada = await signUp(server, 'Ada');
    const grace = await signUp(server, 'Grace');
    const owned = await createRoom(server, { name: 'Owned' });
    const joined = await createRoom(server, { name: 'Joined' });
    const notMine = await createRoom(server, { name: 'Not mine' });
    await joinAs(server, ada, { roomId: owned.id });
    await join(server, joined, 'Someone');
    const inJoined = await joinAs(server, ada, { roomId: joined.id });
    await joinAs(server, grace, { roomId: notMine.id });
    await join(server, notMine, 'Ada Guest');

    const listed = await api(server, 'GET', '/api/me/rooms', { headers: { cookie: ada } });
    expect(listed.status).toBe(200);
    expect(
      listed.body.rooms.map((r: { room: { name: string }; owner: boolean }) => [
        r.room.name,
        r.owner,
      ]),
    ).toEqual([
      ['Owned', true],
      ['Joined', false],
    ]);
    expect(listed.body.rooms[1].member).toEqual(inJoined.body.member);

    await api(server, 'POST', `/api/rooms/${joined.id}/leave`, { token: inJoined.body.token });
    const after = await api(server, 'GET', '/api/me/rooms', { headers: { cookie: ada } });
    expect(after.body.rooms.map((r: { room: { id: string } }) => r.room.id)).toEqual([owned.id]);
  });

  it('counts the messages people posted while the member was offline', async () => {
    const server = await startServer();
    const ada = await signUp(server, 'Ada');
    const room = await createRoom(server, { name: 'Unread' });
    const inRoom = await joinAs(server, ada, { roomId: room.id });
    const grace = await join(server, room, 'Grace');
    const unread = async () => {
      const listed = await api(server, 'GET', '/api/me/rooms', { headers: { cookie: ada } });
      return listed.body.rooms[0].unread;
    };
    // Grace's join line is a system line, not counted.
    expect(await unread()).toBe(0);
    await sendMessage(server, grace, 'one');
    await sendMessage(server, grace, 'two');
    expect(await unread()).toBe(2);

    // Online, Ada sees everything: nothing unread, then or after she goes.
    const watcher = await connectWithState(server, grace.token);
    const adaOnline = (online: boolean) =>
      waitFor(
        () =>
          watcher.events.some(
            (e) =>
              e.name === 'presence' &&
              e.payload.members.some(
                (m: { id: string; online: boolean }) =>
                  m.id === inRoom.body.member.id && m.online === online,
              ),
          ),
        5000,
        `Ada ${online ? 'online' : 'offline'}`,
      );
    const ada1 = await connectWithState(server, inRoom.body.token);
    await adaOnline(true);
    expect(await unread()).toBe(0);
    await sendMessage(server, grace, 'while online');
    expect(await unread()).toBe(0);
    watcher.events.length = 0;
    ada1.socket.disconnect();
    // Presence is published after what she read is kept.
    await adaOnline(false);
    expect(await unread()).toBe(0);
    await sendMessage(server, grace, 'three');
    expect(await unread()).toBe(1);
    // Her own messages, sent over REST without coming online, are not unread to her.
    const posted = await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      token: inRoom.body.token,
      body: { body: 'mine' },
    });
    expect(posted.status).toBe(201);
    expect(await unread()).toBe(1);
  });

  it('counts at most 100', async () => {
    const server = await startServer();
    const ada = await signUp(server, 'Ada');
    const room = await createRoom(server);
    await joinAs(server, ada, { roomId: room.id });
    const grace = await join(server, room, 'Grace');
    for (let i = 0; i < 101; i += 1) {
      expect(
        (await sendMessage(server, grace, { body: `m${i}`, clientMsgId: `c${i}` })).status,
      ).toBe(201);
    }
    const listed = await api(server, 'GET', '/api/me/rooms', { headers: { cookie: ada } });
    expect(listed.body.rooms[0].unread).toBe(100);
  });

  it('needs an account', async () => {
    const server = await startServer();
    const response = await api(server, 'GET', '/api/me/rooms');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
  });
});

describe('POST /api/auth/claim', () => {
  const claim = (
    server: { url: string },
    roomId: string,
    headers: Record<string, string>,
    token?: string,
  ) => api(server, 'POST', '/api/auth/claim', { body: { roomId }, token, headers });

  it("makes a guest's membership, with what it posted, the account's", async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const guest = await join(server, room, 'Guest Ada');
    await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      token: guest.token,
      body: { body: 'posted as a guest' },
    });
    const cookie = await signUp(server, 'Ada');

    const claimed = await claim(server, room.id, { cookie }, guest.token);
    expect(claimed.status).toBe(200);
    expect(claimed.body.member).toEqual(guest.member);
    expect(claimed.body.room.id).toBe(room.id);
    // Claiming again changes nothing.
    expect((await claim(server, room.id, { cookie }, guest.token)).body.member).toEqual(
      guest.member,
    );

    // The account now comes back as that member, history and all.
    const joined = await joinAs(server, cookie, { roomId: room.id });
    expect(joined.body.member).toEqual(guest.member);
    const messages = await api(server, 'GET', `/api/rooms/${room.id}/messages`, {
      token: joined.body.token,
    });
    const mine = messages.body.messages.filter(
      (m: { sender: { id: string } | null }) => m.sender?.id === guest.member.id,
    );
    expect(mine.map((m: { body: string }) => m.body)).toEqual(['posted as a guest']);
    const listed = await api(server, 'GET', '/api/me/rooms', { headers: { cookie } });
    expect(listed.body.rooms).toEqual([
      {
        room: expect.objectContaining({ id: room.id }),
        member: guest.member,
        owner: true,
        unread: 0,
      },
    ]);
  });

  it('takes the guest token from the rk_session cookie too', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const guest = await join(server, room, 'Guest');
    const cookie = await signUp(server, 'Ada');
    const claimed = await claim(server, room.id, {
      cookie: `${cookie}; rk_session=${guest.token}`,
      origin: server.url,
    });
    expect(claimed.status).toBe(200);
    expect(claimed.body.member.id).toBe(guest.member.id);
  });

  it("refuses another account's member, and a second member for one account", async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const first = await join(server, room, 'First');
    const second = await join(server, room, 'Second');
    const ada = await signUp(server, 'Ada');
    const grace = await signUp(server, 'Grace');
    expect((await claim(server, room.id, { cookie: ada }, first.token)).status).toBe(200);

    const stolen = await claim(server, room.id, { cookie: grace }, first.token);
    expect(stolen.status).toBe(403);
    expect(stolen.body.error.code).toBe('forbidden');
    const twice = await claim(server, room.id, { cookie: ada }, second.token);
    expect(twice.status).toBe(403);
    expect(twice.body.error.code).toBe('forbidden');
    // Grace may still claim the second guest.
    expect((await claim(server, room.id, { cookie: grace }, second.token)).status).toBe(200);
  });

  it('needs the account cookie, a token of that room, and this origin', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const other = await createRoom(server);
    const guest = await join(server, room, 'Guest');
    const cookie = await signUp(server, 'Ada');
    const noAccount = await claim(server, room.id, {}, guest.token);
    expect(noAccount.status).toBe(401);
    const noToken = await claim(server, room.id, { cookie });
    expect(noToken.status).toBe(401);
    const otherRoom = await claim(server, other.id, { cookie }, guest.token);
    expect(otherRoom.status).toBe(403);
    const foreign = await claim(
      server,
      room.id,
      { cookie, origin: 'https://evil.example' },
      guest.token,
    );
    expect(foreign.status).toBe(403);
    const badRoom = await claim(server, 'not a room', { cookie }, guest.token);
    expect(badRoom.status).toBe(400);
    const listed = await api(server, 'GET', '/api/me/rooms', { headers: { cookie } });
    expect(listed.body.rooms).toEqual([]);
  });
});

describe('account members in a database', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('own the persistent rooms they create, whoever opens the link first', async () => {
    const dir = await mkdtemp(joinPath(tmpdir(), 'roomkit-account-rooms-'));
    dirs.push(dir);
    const server = await startServer({
      DATABASE_URL: `sqlite:${joinPath(dir, 'roomkit.db')}`,
      SESSION_SECRET: 's'.repeat(32),
    });
    const cookie = await signUp(server, 'Ada');
    const create = (body: object, headers: Record<string, string> = {}) =>
      api(server, 'POST', '/api/rooms', { body, headers: { cookie, ...headers } });
    const persistent = (await create({ persistent: true })).body.room;
    const ephemeral = (await create({ persistent: false })).body.room;

    const guest = await join(server, persistent, 'Early Guest');
    expect(guest.member.role).toBe('member');
    const ada = await joinAs(server, cookie, { roomId: persistent.id });
    expect(ada.body.member).toMatchObject({ displayName: 'Ada', role: 'owner' });
    const listed = await api(server, 'GET', '/api/me/rooms', { headers: { cookie } });
    expect(listed.body.rooms).toEqual([
      {
        room: expect.objectContaining({ id: persistent.id }),
        member: ada.body.member,
        owner: true,
        unread: 0,
      },
    ]);
    // An ephemeral room's owner is whoever joins first, as without an account.
    expect((await join(server, ephemeral, 'First')).member.role).toBe('owner');

    const foreign = await create({ persistent: true }, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
  });

  it('are the same member after a restart, in persistent and ephemeral rooms alike', async () => {
    const dir = await mkdtemp(joinPath(tmpdir(), 'roomkit-account-rooms-'));
    dirs.push(dir);
    const env = {
      DATABASE_URL: `sqlite:${joinPath(dir, 'roomkit.db')}`,
      SESSION_SECRET: 's'.repeat(32),
    };
    const before = await startServer(env);
    const cookie = await signUp(before, 'Ada');
    const persistent = await createRoom(before, { persistent: true });
    const ephemeral = await createRoom(before, { persistent: false });
    const member = (await joinAs(before, cookie, { roomId: persistent.id })).body.member;
    const ephemeralMember = (await joinAs(before, cookie, { roomId: ephemeral.id })).body.member;
    expect((await joinAs(before, cookie, { roomId: ephemeral.id })).body.member).toEqual(
      ephemeralMember,
    );
    const listed = await api(before, 'GET', '/api/me/rooms', { headers: { cookie } });
    expect(listed.body.rooms.map((r: { room: { id: string } }) => r.room.id)).toEqual([
      persistent.id,
      ephemeral.id,
    ]);
    await before.close();

    const after = await startServer(env);
    const again = await joinAs(after, cookie, { roomId: persistent.id });
    expect(again.status).toBe(200);
    expect(again.body.member).toEqual(member);
    const kept = await api(after, 'GET', '/api/me/rooms', { headers: { cookie } });
    expect(kept.body.rooms.map((r: { room: { id: string } }) => r.room.id)).toEqual([
      persistent.id,
    ]);
  });
});
