/**
 * Revoking an account session (API.md, "Accounts"): every live connection made with a member
 * token issued to it — Socket.IO, SSE, collab — is closed with `signed_out`, and the tokens stop
 * working; other sessions' connections carry on. Forged member tokens (`alg: none`, another key)
 * prove nothing. Real server, real clients; the two-instance case in test/accountCluster.test.ts.
 */
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  api,
  connectWithState,
  createRoom,
  onCleanup,
  openEvents,
  startServer,
  waitFor,
  type ApiResponse,
  type Collected,
  type TestServer,
} from '../../../test/helpers.js';

const PASSWORD = 'correct horse battery';

function cookieOf(response: ApiResponse): string {
  const set = response.headers.getSetCookie().find((c) => c.startsWith('rk_auth='));
  if (set === undefined) throw new Error(`no rk_auth cookie (status ${response.status})`);
  return set.split(';')[0]!;
}

/** One signed-in device: its cookie, and everything it opened in the room. */
async function device(server: TestServer, roomId: string, cookie: string) {
  const joined = await api(server, 'POST', '/api/rooms/join', {
    body: { roomId },
    headers: { cookie },
  });
  expect(joined.status, JSON.stringify(joined.body)).toBe(200);
  const token = joined.body.token as string;
  const socket = await connectWithState(server, token);
  const stream = openEvents(server, roomId, token);
  await stream.opened;
  const collab = new WebSocket(
    `${server.url.replace(/^http/, 'ws')}/collab/${roomId}?token=${token}`,
  );
  onCleanup(() => collab.terminate());
  const collabClosed = new Promise<number>((resolve) => collab.once('close', resolve));
  await new Promise((resolve, reject) => {
    collab.once('open', resolve);
    collab.once('error', reject);
  });
  return { cookie, token, member: joined.body.member, socket, stream, collabClosed };
}

const heard = (client: Collected, name: string) =>
  client.events.filter((e) => e.name === name).map((e) => e.payload);

async function expectSignedOut(server: TestServer, signedOut: Awaited<ReturnType<typeof device>>) {
  await waitFor(() => signedOut.socket.socket.disconnected || undefined, 5000, 'socket closed');
  expect(heard(signedOut.socket, 'session:ended')).toEqual([{ reason: 'signed_out' }]);
  await waitFor(
    () => signedOut.stream.events.some((e) => e.name === 'session:ended') || undefined,
    5000,
    'session:ended on the event stream',
  );
  await waitFor(
    () => signedOut.stream.source.readyState !== 1 || undefined,
    5000,
    'the event stream ended',
  );
  expect(await signedOut.collabClosed).toBe(4401);
  const refused = await api(server, 'GET', `/api/rooms/${signedOut.member.roomId ?? ''}`, {
    token: signedOut.token,
  });
  expect(refused.status).toBeGreaterThanOrEqual(400);
}

describe('revoking an account session', () => {
  it('closes its socket, event stream and collab connection, and kills its room token', async () => {
    const server = await startServer();
    const room = await createRoom(server, { name: 'Revocations' });
    const registered = await api(server, 'POST', '/api/auth/register', {
      body: { username: 'Ada', password: PASSWORD },
    });
    const laptop = await device(server, room.id, cookieOf(registered));
    const login = await api(server, 'POST', '/api/auth/login', {
      body: { username: 'Ada', password: PASSWORD },
    });
    const phone = await device(server, room.id, cookieOf(login));
    // One member, two sessions.
    expect(phone.member.id).toBe(laptop.member.id);

    const others = await api(server, 'POST', '/api/auth/sessions/revoke-others', {
      headers: { cookie: laptop.cookie },
    });
    expect(others.status).toBe(204);
    await waitFor(() => phone.socket.socket.disconnected || undefined, 5000, 'phone socket');
    expect(heard(phone.socket, 'session:ended')).toEqual([{ reason: 'signed_out' }]);
    await waitFor(
      () => phone.stream.events.some((e) => e.name === 'session:ended') || undefined,
      5000,
      'session:ended on the phone’s event stream',
    );
    expect(await phone.collabClosed).toBe(4401);
    const phoneToken = await api(server, 'GET', `/api/rooms/${room.id}`, { token: phone.token });
    expect(phoneToken.status).toBe(401);
    expect(
      (await api(server, 'GET', '/api/auth/me', { headers: { cookie: phone.cookie } })).status,
    ).toBe(401);
    // A new connection with the dead token is refused too.
    await expect(connectWithState(server, phone.token)).rejects.toThrow('unauthorized');

    // The laptop's session goes on, all its connections with it.
    expect(laptop.socket.socket.connected).toBe(true);
    expect(heard(laptop.socket, 'session:ended')).toEqual([]);
    expect(
      (await api(server, 'GET', `/api/rooms/${room.id}`, { token: laptop.token })).status,
    ).toBe(200);

    // Signing out ends the laptop's too.
    const out = await api(server, 'POST', '/api/auth/logout', {
      headers: { cookie: laptop.cookie },
    });
    expect(out.status).toBe(204);
    await waitFor(() => laptop.socket.socket.disconnected || undefined, 5000, 'laptop socket');
    expect(heard(laptop.socket, 'session:ended')).toEqual([{ reason: 'signed_out' }]);
    expect(await laptop.collabClosed).toBe(4401);
    await waitFor(
      () => laptop.stream.events.some((e) => e.name === 'session:ended') || undefined,
      5000,
      'session:ended on the laptop’s event stream',
    );
    expect(
      (await api(server, 'GET', `/api/rooms/${room.id}`, { token: laptop.token })).status,
    ).toBe(401);

    // Signing in again gives the same member a new token that works.
    const again = await api(server, 'POST', '/api/auth/login', {
      body: { username: 'Ada', password: PASSWORD },
    });
    const back = await device(server, room.id, cookieOf(again));
    expect(back.member.id).toBe(laptop.member.id);
  });

  it('ends the other sessions’ connections when the password changes, and one session by id', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const registered = await api(server, 'POST', '/api/auth/register', {
      body: { username: 'Grace', password: PASSWORD },
    });
    const desk = await device(server, room.id, cookieOf(registered));
    const second = await device(
      server,
      room.id,
      cookieOf(
        await api(server, 'POST', '/api/auth/login', {
          body: { username: 'Grace', password: PASSWORD },
        }),
      ),
    );
    const changed = await api(server, 'POST', '/api/auth/password', {
      body: { currentPassword: PASSWORD, newPassword: 'a different long passphrase' },
      headers: { cookie: desk.cookie },
    });
    expect(changed.status).toBe(204);
    await expectSignedOut(server, second);
    expect(desk.socket.socket.connected).toBe(true);

    const third = await device(
      server,
      room.id,
      cookieOf(
        await api(server, 'POST', '/api/auth/login', {
          body: { username: 'Grace', password: 'a different long passphrase' },
        }),
      ),
    );
    const listed = await api(server, 'GET', '/api/auth/sessions', {
      headers: { cookie: desk.cookie },
    });
    const thirdId = listed.body.sessions.find((s: { current: boolean }) => !s.current).id;
    const revoked = await api(server, 'DELETE', `/api/auth/sessions/${thirdId}`, {
      headers: { cookie: desk.cookie },
    });
    expect(revoked.status).toBe(204);
    await expectSignedOut(server, third);
    expect(desk.socket.socket.connected).toBe(true);
  });

  it('leaves a guest’s connections alone: only tokens issued to a session die with it', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const guest = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Linus' },
    });
    const guestSocket = await connectWithState(server, guest.body.token);
    const registered = await api(server, 'POST', '/api/auth/register', {
      body: { username: 'Ada', password: PASSWORD },
    });
    const ada = await device(server, room.id, cookieOf(registered));
    await api(server, 'POST', '/api/auth/logout', { headers: { cookie: ada.cookie } });
    await waitFor(() => ada.socket.socket.disconnected || undefined, 5000, 'Ada signed out');
    expect(guestSocket.socket.connected).toBe(true);
    expect(heard(guestSocket, 'session:ended')).toEqual([]);
  });
});

describe('forged member tokens', () => {
  it('refuses `alg: none`, another key, and a session id slipped into a guest token', async () => {
    const server = await startServer({ SESSION_SECRET: 'the-real-secret-of-32-characters-x' });
    const room = await createRoom(server);
    const guest = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Eve' },
    });
    const memberId = guest.body.member.id as string;
    const claims = { rid: room.id, sub: memberId, aud: 'roomkit:session' };
    const unsigned = new UnsecuredJWT(claims).setIssuedAt().encode();
    const otherKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .sign(new TextEncoder().encode('another-secret-of-32-characters-xx'));
    // The real token with its payload swapped: the signature no longer matches.
    const [header, , signature] = (guest.body.token as string).split('.');
    const swapped = `${header}.${Buffer.from(JSON.stringify({ ...claims, sid: 'x' })).toString('base64url')}.${signature}`;
    for (const token of [unsigned, otherKey, swapped]) {
      expect((await api(server, 'GET', `/api/rooms/${room.id}`, { token })).status).toBe(401);
      await expect(connectWithState(server, token)).rejects.toThrow('unauthorized');
    }
    expect(
      (await api(server, 'GET', `/api/rooms/${room.id}`, { token: guest.body.token })).status,
    ).toBe(200);
  });
});
