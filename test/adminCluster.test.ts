/**
 * Administration across two instances over Redis (API.md, "Admin"): a delete countdown runs once,
 * wherever it was asked for, reaches members on either instance and is cancelled from either; a
 * kick on one closes the member's connections on the other, whose joins honour the ban;
 * connections and exec queues are counted over both instances, from either.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../src/server/core/Clock.js';
import { roomAcross, useClusterEnv } from './cluster.js';
import {
  api,
  connectWithState,
  openEvents,
  startServer,
  waitFor,
  type Collected,
} from './helpers.js';
import { lacks } from './requirements.js';

const ADMIN_TOKEN = 'admin-token-of-the-cluster-tests-42';
const clusterEnv = useClusterEnv({ ADMIN_TOKEN });

const named = (client: Collected, name: string) =>
  client.events.filter((e) => e.name === name).map((e) => e.payload);

describe.skipIf(lacks('postgres', 'redis'))('administration over two instances', () => {
  it('runs a countdown once, to members on both, and cancels it from the other instance', async () => {
    const clocks = [new ManualClock(Date.now()), new ManualClock(Date.now())] as const;
    const a = await startServer(clusterEnv(), { clock: clocks[0] });
    const b = await startServer(clusterEnv(), { clock: clocks[1] });
    const { room, ada, grace } = await roomAcross(a, b);
    const onA = await connectWithState(a, ada.token);
    const onB = await connectWithState(b, grace.token);

    const started = await api(a, 'DELETE', `/api/admin/rooms/${room.id}?grace=20`, {
      token: ADMIN_TOKEN,
    });
    expect(started.status).toBe(202);
    // Asked again on the other instance: the countdown under way goes on, no second one starts.
    const again = await api(b, 'DELETE', `/api/admin/rooms/${room.id}?grace=5`, {
      token: ADMIN_TOKEN,
    });
    expect(again.status).toBe(202);
    await clocks[1].advance(10_000);
    await clocks[0].advance(1000);
    for (const client of [onA, onB]) {
      await waitFor(() => named(client, 'room:closing').length === 2 || undefined, 5000, 'ticks');
      expect(named(client, 'room:closing')).toEqual([
        { secondsLeft: 20, reason: 'deleted' },
        { secondsLeft: 19, reason: 'deleted' },
      ]);
    }
    const listedOnB = await api(b, 'GET', '/api/admin/rooms', { token: ADMIN_TOKEN });
    expect(listedOnB.body.rooms[0].closingAt).not.toBeNull();

    const cancelled = await api(b, 'POST', `/api/admin/rooms/${room.id}/cancel-close`, {
      token: ADMIN_TOKEN,
    });
    expect(cancelled.status).toBe(204);
    for (const client of [onA, onB]) {
      await waitFor(() => named(client, 'room:updated').length > 0 || undefined, 5000, 'updated');
    }
    await clocks[0].advance(30_000);
    const state = await api(b, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(state.status).toBe(200);
    expect(onA.socket.connected && onB.socket.connected).toBe(true);
    expect(named(onB, 'room:closing')).toHaveLength(2);
    expect(named(onB, 'room:closed')).toEqual([]);
    // The audit log is the deployment's: both instances' actions, read from either.
    const audit = await api(a, 'GET', '/api/admin/audit', { token: ADMIN_TOKEN });
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual([
      'room.cancel_close',
      'room.delete',
      'room.delete',
    ]);
  });

  it('counts the connections of both instances, from either', async () => {
    const a = await startServer(clusterEnv());
    const b = await startServer(clusterEnv());
    const { room, ada, grace } = await roomAcross(a, b);
    const adaOnA = await connectWithState(a, ada.token);
    const graceOnB = await connectWithState(b, grace.token);
    const stream = openEvents(b, room.id, grace.token);
    await stream.opened;

    const counted = (server: typeof a, socket: number, sse: number) =>
      waitFor(
        async () => {
          const stats = await api(server, 'GET', '/api/admin/stats', { token: ADMIN_TOKEN });
          const rooms = await api(server, 'GET', '/api/admin/rooms', { token: ADMIN_TOKEN });
          const want = { socket, sse, collab: 0 };
          return (
            JSON.stringify(stats.body.connectionsByTransport) === JSON.stringify(want) &&
            stats.body.connections === socket + sse &&
            JSON.stringify(rooms.body.rooms[0].connections) === JSON.stringify(want)
          );
        },
        5000,
        `${socket} sockets and ${sse} streams counted`,
      );
    await counted(a, 2, 1);
    await counted(b, 2, 1);
    const stats = await api(a, 'GET', '/api/admin/stats', { token: ADMIN_TOKEN });
    expect(stats.body.exec).toEqual({ running: 0, queued: 0 });

    // A closed connection stops counting at B's next report; a stopped instance at once.
    graceOnB.socket.disconnect();
    await counted(a, 1, 1);
    await b.close();
    await counted(a, 1, 0);
    // Stopping B said goodbye to B's clients only: Ada on A stays, and is told nothing.
    expect(adaOnA.socket.connected).toBe(true);
    expect(named(adaOnA, 'room:closing')).toEqual([]);
  });

  it('kicks a member connected to the other instance, whose joins there honour the ban', async () => {
    const a = await startServer(clusterEnv());
    const b = await startServer(clusterEnv());
    const { room, ada, grace } = await roomAcross(a, b);
    const onA = await connectWithState(a, ada.token);
    const onB = await connectWithState(b, grace.token);
    const stream = openEvents(b, room.id, grace.token);
    await stream.opened;

    const kicked = await api(
      a,
      'POST',
      `/api/admin/rooms/${room.id}/members/${grace.member.id}/kick`,
      {
        token: ADMIN_TOKEN,
      },
    );
    expect(kicked.status).toBe(204);
    await waitFor(() => onB.socket.disconnected || undefined, 5000, 'the socket on B closed');
    await waitFor(
      () => stream.events.some((e) => e.name === 'member:left') || undefined,
      5000,
      'member:left on B’s event stream',
    );
    await waitFor(() => named(onA, 'member:left').length > 0 || undefined, 5000, 'Ada told');
    const refused = await api(b, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(refused.status).toBe(401);
    const rejoin = await api(b, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Grace again' },
      headers: { cookie: `rk_session=${grace.token}` },
    });
    expect(rejoin.status).toBe(403);
  });
});
