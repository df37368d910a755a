/**
 * Accounts across two instances over Redis (API.md, "Accounts"): a session revoked on one
 * instance ends the connections made with its tokens on the other, whose requests then refuse
 * the tokens too.
 */
import { describe, expect, it } from 'vitest';
import { useClusterEnv } from './cluster.js';
import { api, connectWithState, createRoom, openEvents, startServer, waitFor } from './helpers.js';
import { lacks } from './requirements.js';

const clusterEnv = useClusterEnv();

describe.skipIf(lacks('postgres', 'redis'))('account sessions over two instances', () => {
  it('closes the other instance’s connections of a session signed out on one', async () => {
    const a = await startServer(clusterEnv());
    const b = await startServer(clusterEnv());
    const room = await createRoom(a, { persistent: false });
    const registered = await api(a, 'POST', '/api/auth/register', {
      body: { username: 'Ada', password: 'correct horse battery' },
    });
    const cookie = registered.headers.getSetCookie()[0]!.split(';')[0]!;
    const joined = await api(b, 'POST', '/api/rooms/join', {
      body: { roomId: room.id },
      headers: { cookie },
    });
    expect(joined.status).toBe(200);
    const token = joined.body.token as string;
    const onB = await connectWithState(b, token);
    const stream = openEvents(b, room.id, token);
    await stream.opened;
    // The token is used on B, so B has checked the session and trusts it for a while.
    expect((await api(b, 'GET', `/api/rooms/${room.id}`, { token })).status).toBe(200);

    expect((await api(a, 'POST', '/api/auth/logout', { headers: { cookie } })).status).toBe(204);
    await waitFor(() => onB.socket.disconnected || undefined, 5000, 'the socket on B closed');
    expect(onB.events.filter((e) => e.name === 'session:ended').map((e) => e.payload)).toEqual([
      { reason: 'signed_out' },
    ]);
    await waitFor(
      () => stream.events.some((e) => e.name === 'session:ended') || undefined,
      5000,
      'session:ended on B’s event stream',
    );
    // At once on B too, not after its trust in the session runs out.
    expect((await api(b, 'GET', `/api/rooms/${room.id}`, { token })).status).toBe(401);
    expect((await api(b, 'GET', '/api/auth/me', { headers: { cookie } })).status).toBe(401);
  });
});
