/**
 * Rooms as an account (API.md, "Accounts"): joining with the `rk_auth` cookie under the
 * username, joining again as the same member, and `GET /api/me/rooms`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join as joinPath } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, createRoom, join, startServer, type ApiResponse } from '../../../test/helpers.js';

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

  it('needs an account', async () => {
    const server = await startServer();
    const response = await api(server, 'GET', '/api/me/rooms');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('unauthorized');
  });
});

describe('account members in a database', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
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
