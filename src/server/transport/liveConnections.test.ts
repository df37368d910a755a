/**
 * One lifecycle for every live connection (LiveConnections.ts): a member's Socket.IO socket, SSE
 * stream and collab WebSocket end together when the member is removed or the room ends, each
 * after the event that ended it, each its own way; and a membership that ends while a
 * connection opens never leaves it open.
 */
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AppError } from '../core/AppError.js';
import {
  connectWithState,
  onCleanup,
  roomWith,
  startServer,
  waitFor,
  type Joined,
  type TestServer,
} from '../../../test/helpers.js';
import { openRaw } from '../../../test/sseHelpers.js';
import type { EndReason } from './LiveConnections.js';

/** A collab WebSocket that has synced its first message, and how it closed. */
async function openCollab(server: TestServer, member: Joined) {
  const url = `${server.url.replace(/^http/, 'ws')}/collab/${member.room.id}?token=${encodeURIComponent(member.token)}`;
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  onCleanup(() => ws.terminate());
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  // The server's sync step 1 comes once the connection is registered and present.
  await new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('close', () => reject(new Error('collab closed before syncing')));
  });
  return { closed };
}

/** A member's three live connections: Socket.IO, SSE and collab. */
async function connectAll(server: TestServer, member: Joined) {
  const socket = await connectWithState(server, member.token);
  const disconnected = new Promise<string>((resolve) => socket.socket.once('disconnect', resolve));
  const stream = await openRaw(server, member.room.id, { token: member.token });
  await waitFor(() => stream.events('room:state').length > 0, 5000, 'SSE room:state');
  const collab = await openCollab(server, member);
  return { socket, disconnected, stream, collab };
}

type Connections = Awaited<ReturnType<typeof connectAll>>;

/** All three ended, each after the event that ended it and in its own way. */
async function expectEnded(
  connections: Connections,
  event: 'member:left' | 'room:closed',
  close: { code: number; reason: string },
) {
  expect(await connections.disconnected).toBe('io server disconnect');
  expect(connections.socket.events.map((e) => e.name)).toContain(event);
  await connections.stream.done;
  expect(connections.stream.frames.at(-1)?.event).toBe(event);
  expect(await connections.collab.closed).toEqual(close);
}

describe('live connections', () => {
  it('ends every connection of a removed member, after member:left, and no one else’s', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const adas = await connectAll(server, ada);
    const graces = await connectAll(server, grace);

    // What the owner's removal of a member will call.
    await server.ctx.rooms.leave(room.id, grace.member.id);

    await expectEnded(graces, 'member:left', { code: 4401, reason: 'left' });
    await waitFor(() => adas.stream.events('member:left').length > 0, 5000, 'Ada told');
    expect(adas.socket.socket.connected).toBe(true);
    expect(adas.stream.isEnded()).toBe(false);
    expect(await Promise.race([adas.collab.closed, Promise.resolve('open')])).toBe('open');
  });

  it('ends every connection of every member when the room closes, after room:closed', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const all = [];
    for (const member of members) all.push(await connectAll(server, member));

    await server.ctx.rooms.close(room.id, 'deleted');

    for (const connections of all) {
      await expectEnded(connections, 'room:closed', { code: 4410, reason: 'room_closed' });
    }
  });

  it('ends a member’s connections on demand, membership or not (a revoked session)', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = members[1] as Joined;
    const graces = await connectAll(server, grace);

    server.live.endMember(room.id, grace.member.id, 'left');

    expect(await graces.disconnected).toBe('io server disconnect');
    await graces.stream.done;
    expect(await graces.collab.closed).toEqual({ code: 4401, reason: 'left' });
  });

  it('refuses a connection whose member left between the token check and the registration', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = members[1] as Joined;
    const principal = await server.ctx.rooms.authenticate(grace.token, room.id);
    await server.ctx.rooms.leave(room.id, grace.member.id);

    const ends: EndReason[] = [];
    const connection = server.live.open(
      { roomId: room.id, memberId: principal.member.id },
      { kind: 'sse', end: (reason) => ends.push(reason) },
    );
    const refusal = await connection.ready.then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe('unauthorized');
    expect(ends).toEqual([]);
  });

  it('ends a connection whose member leaves while it opens', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = members[1] as Joined;

    const ends: EndReason[] = [];
    const connection = server.live.open(
      { roomId: room.id, memberId: grace.member.id },
      { kind: 'sse', end: (reason) => ends.push(reason) },
    );
    onCleanup(() => connection.close());
    const left = server.ctx.rooms.leave(room.id, grace.member.id);
    const opened = await connection.ready.then(
      () => true,
      () => false,
    );
    await left;
    // Refused, or ended once it opened: never left open.
    if (opened) await waitFor(() => ends.length > 0, 5000, 'ended');
    expect(ends).toEqual(opened ? ['left'] : []);
  });
});
