/**
 * The Socket.IO transport (API.md, "Realtime: Socket.IO"): authentication, the room:state
 * snapshot, membership and presence events, and getting back what was missed after a reconnect.
 */
import { io } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import { uploadSocket } from '../../../test/fileHelpers.js';
import {
  api,
  connectCollecting,
  connectWith,
  connectWithState,
  dropConnection,
  emitAck,
  join,
  onCleanup,
  presentSession,
  reconnectSocket,
  recoveryOf,
  roomWith,
  startServer,
  waitFor,
  type Collected,
  type Joined,
  sendMessage as send,
} from '../../../test/helpers.js';

function messagesSeen(client: Collected): any[] {
  return client.events.filter((e) => e.name === 'message:new').map((e) => e.payload.message);
}

function lastPresence(client: Collected): any[] | undefined {
  return client.events.findLast((e) => e.name === 'presence')?.payload.members;
}

/** Waits until `client`'s latest presence says who is online. */
function waitForOnline(client: Collected, online: Record<string, boolean>) {
  return waitFor(
    () => {
      const members = lastPresence(client);
      return (
        members !== undefined &&
        Object.entries(online).every(
          ([id, isOnline]) => members.find((m) => m.id === id)?.online === isOnline,
        ) &&
        members
      );
    },
    5000,
    `presence ${JSON.stringify(online)}`,
  );
}

function disconnected(client: Collected): Promise<string> {
  return new Promise((resolve) => client.socket.once('disconnect', resolve));
}

/** A room of Ada and Grace; Grace is connected (so she can be recovered) and has had a message. */
async function graceHasSeenOne() {
  const server = await startServer();
  const { members } = await roomWith(server, 'Ada', 'Grace');
  const [ada, grace] = members as [Joined, Joined];
  const g = await connectWith(server, { auth: { token: grace.token } });
  await waitFor(() => g.events.find((e) => e.name === 'room:state'));
  await send(server, ada, 'seen');
  await waitFor(() => messagesSeen(g).find((m) => m.body === 'seen'));
  return { server, ada, g };
}

describe('connecting', () => {
  it.each([
    ['a garbage token', { token: 'garbage' }],
    ['no token', {}],
    ['a token that is not a string', { token: 42 }],
    ['a token with a bad signature', { token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl' }],
  ])('fails with connect_error "unauthorized" for %s', async (_what, auth) => {
    const server = await startServer();
    await roomWith(server, 'Ada');
    const error = await connectCollecting(server, auth).then(
      () => undefined,
      (e: unknown) => e as Error & { data?: unknown },
    );
    expect(error).toBeInstanceOf(Error);
    expect(error?.message).toBe('unauthorized');
    expect(error?.data).toEqual({ code: 'unauthorized' });
  });

  it('sends room:state { room, member, members, messages, files, exec, call } on connect', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    await send(server, ada, 'before connecting');

    const { state } = await connectWithState(server, grace.token);
    expect(state).toEqual({
      room,
      member: grace.member,
      members: [
        { ...ada.member, online: false },
        { ...grace.member, online: true },
      ],
      messages: [
        expect.objectContaining({ seq: 1, type: 'system', body: 'Ada joined' }),
        expect.objectContaining({ seq: 2, type: 'system', body: 'Grace joined' }),
        expect.objectContaining({ seq: 3, type: 'text', body: 'before connecting' }),
      ],
      files: [],
      exec: { lastRun: null, running: [] },
      call: null,
    });
  });

  it('sends room:state before any other event, with the member itself online', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const client = await connectWithState(server, members[0]!.token);
    await waitFor(() => lastPresence(client));
    expect(client.events[0]?.name).toBe('room:state');
    expect(client.state.members).toEqual([
      expect.objectContaining({ displayName: 'Ada', online: true }),
    ]);
  });

  it('answers events the client emitted before the connection was up', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const socket = io(server.url, {
      auth: { token: members[0]!.token },
      transports: ['websocket'],
    });
    onCleanup(() => {
      socket.disconnect();
    });
    // Queued by socket.io-client and flushed the moment the connection opens.
    const ack = await new Promise<any>((resolve) =>
      socket.emit('message:send', { body: 'early bird' }, resolve),
    );
    expect(ack).toMatchObject({ ok: true, message: { body: 'early bird' } });
  });

  it('puts X-System-Status on Socket.IO’s own HTTP responses', async () => {
    const server = await startServer();
    const response = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-system-status')).toBe('ok');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('accepts the rk_session cookie when no token is given', async () => {
    const server = await startServer();
    const room = (await roomWith(server)).room;
    const joined = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id, displayName: 'Ada' },
    });
    const cookie = (joined.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    const client = await connectWith(server, { extraHeaders: { cookie } });
    const state = await waitFor(() => client.events.find((e) => e.name === 'room:state'));
    expect(state.payload.member.displayName).toBe('Ada');
  });
});

describe('membership and presence', () => {
  it('tells connected members when someone joins', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const a = await connectWithState(server, members[0]!.token);

    const grace = await join(server, room, 'Grace');
    const joined = await waitFor(() => a.events.find((e) => e.name === 'member:joined'));
    expect(joined.payload).toEqual({ member: grace.member });
    const members2 = await waitForOnline(a, { [grace.member.id]: false });
    expect(members2.map((m: any) => m.displayName)).toEqual(['Ada', 'Grace']);
    await waitFor(() => messagesSeen(a).find((m) => m.body === 'Grace joined'));
  });

  it('shows members online while connected and offline after they disconnect', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);

    const g = await connectWithState(server, grace.token);
    const both = await waitForOnline(a, { [ada.member.id]: true, [grace.member.id]: true });
    expect(both).toEqual([
      { ...ada.member, online: true },
      { ...grace.member, online: true },
    ]);

    g.socket.disconnect();
    const after = await waitForOnline(a, { [grace.member.id]: false });
    expect(after).toEqual([
      { ...ada.member, online: true },
      { ...grace.member, online: false },
    ]);
  });

  it('keeps a member online until their last tab disconnects', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const tab1 = await connectWithState(server, grace.token);
    const tab2 = await connectWithState(server, grace.token);
    await waitForOnline(a, { [grace.member.id]: true });

    tab1.socket.disconnect();
    await send(server, ada, 'marker');
    await waitFor(() => messagesSeen(a).find((m) => m.body === 'marker'));
    expect(lastPresence(a)?.find((m) => m.id === grace.member.id)?.online).toBe(true);
    const view = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(view.body.members.find((m: any) => m.id === grace.member.id).online).toBe(true);

    tab2.socket.disconnect();
    await waitForOnline(a, { [grace.member.id]: false });
  });

  it('disconnects every socket of a member who leaves, and only theirs', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g1 = await connectWithState(server, grace.token);
    const g2 = await connectWithState(server, grace.token);
    const reasons = Promise.all([disconnected(g1), disconnected(g2)]);

    const left = await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
    expect(left.status).toBe(204);
    expect(await reasons).toEqual(['io server disconnect', 'io server disconnect']);

    const memberLeft = await waitFor(() => a.events.find((e) => e.name === 'member:left'));
    expect(memberLeft.payload).toEqual({ memberId: grace.member.id });
    const after = await waitFor(() =>
      a.events.findLast((e) => e.name === 'presence' && e.payload.members.length === 1),
    );
    expect(after.payload.members).toEqual([{ ...ada.member, online: true }]);
    expect(a.socket.connected).toBe(true);
    expect((await emitAck(a.socket, 'message:send', { body: 'still here' })).ok).toBe(true);
  });

  it('refuses the token of a member who left', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = members[1]!;
    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
    const error = await connectWithState(server, grace.token).then(
      () => undefined,
      (e: unknown) => e as Error & { data?: unknown },
    );
    expect(error?.message).toBe('unauthorized');
    expect(error?.data).toEqual({ code: 'unauthorized' });
  });

  it('refuses events from a socket whose member has left, if it is still connected', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, grace.token);
    const gone = disconnected(g);
    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
    await gone;
    await send(server, ada, 'marker');
    await waitFor(() => messagesSeen(a).find((m) => m.body === 'marker'));
    expect(messagesSeen(a).filter((m) => m.sender?.id === grace.member.id)).toEqual([]);
  });
});

describe('getting back what was missed', () => {
  it('replays message:new for every seq after auth.lastSeq, in order and without gaps', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const first = await connectWithState(server, grace.token);
    await send(server, ada, 'seen');
    const seen = await waitFor(() => messagesSeen(first).find((m) => m.body === 'seen'));
    first.socket.disconnect();

    for (let i = 1; i <= 5; i++) await send(server, ada, `missed ${i}`);

    const again = await connectWithState(server, grace.token, { lastSeq: seen.seq });
    await waitFor(() => messagesSeen(again).find((m) => m.body === 'missed 5'));
    const replayed = messagesSeen(again);
    expect(replayed.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
    expect(replayed.map((m) => m.body)).toEqual([
      'missed 1',
      'missed 2',
      'missed 3',
      'missed 4',
      'missed 5',
    ]);
    expect(seen.seq).toBe(3);
  });

  it('replays everything from lastSeq 0 and nothing when up to date', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    await send(server, ada, 'one');

    const fromZero = await connectWithState(server, ada.token, { lastSeq: 0 });
    await waitFor(() => messagesSeen(fromZero).find((m) => m.body === 'one'));
    expect(messagesSeen(fromZero).map((m) => m.seq)).toEqual([1, 2]);

    const upToDate = await connectWithState(server, ada.token, { lastSeq: 2 });
    await send(server, ada, 'two');
    await waitFor(() => messagesSeen(upToDate).find((m) => m.body === 'two'));
    expect(messagesSeen(upToDate).map((m) => m.seq)).toEqual([3]);
  });

  it('does not hide new messages behind a lastSeq past the newest message', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    await send(server, ada, 'one');

    // Stale (a room that was reset) or made up: counts as the newest message.
    const client = await connectWithState(server, grace.token, { lastSeq: 999 });
    expect(client.state.messages).toEqual([]);
    await send(server, ada, 'after');
    const seen = await waitFor(() => messagesSeen(client)[0]);
    expect(seen).toMatchObject({ seq: 4, body: 'after' });
    expect(messagesSeen(client)).toHaveLength(1);
  });

  it('leaves replayed messages out of the snapshot, so each arrives exactly once', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    for (let i = 1; i <= 3; i++) await send(server, ada, `m${i}`);

    const client = await connectWithState(server, grace.token, { lastSeq: 2 });
    await waitFor(() => messagesSeen(client).find((m) => m.body === 'm3'));
    expect(client.state.messages).toEqual([]);
    expect(messagesSeen(client).map((m) => m.seq)).toEqual([3, 4, 5]);
  });

  it('sends the ordinary snapshot when more was missed than is replayed one by one', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    for (let i = 1; i <= 510; i++) await send(server, ada, `m${i}`);

    const client = await connectWithState(server, grace.token, { lastSeq: 1 });
    expect(client.state.messages).toHaveLength(50);
    expect(client.state.messages.at(-1).body).toBe('m510');
    expect(messagesSeen(client)).toEqual([]);
  });

  it('connects a good token whose lastSeq is malformed, with the snapshot and no replay', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    for (const lastSeq of [null, -1, 'three']) {
      const client = await connectWithState(server, ada.token, { lastSeq });
      expect(client.state.member).toEqual(ada.member);
      await send(server, ada, `after ${String(lastSeq)}`);
      const seen = await waitFor(() => messagesSeen(client)[0]);
      expect(seen.body).toBe(`after ${String(lastSeq)}`);
      client.socket.disconnect();
    }
  });

  it('recovers the Socket.IO connection state after a dropped connection', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWith(server, {
      auth: { token: grace.token },
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
    });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));
    const statesBefore = g.events.filter((e) => e.name === 'room:state').length;
    expect(g.socket.recovered).toBe(false);

    const reconnected = new Promise<void>((resolve) =>
      g.socket.once('disconnect', () => g.socket.once('connect', () => resolve())),
    );
    g.socket.io.engine.close();
    await reconnected;
    expect(g.socket.recovered).toBe(true);
    // Recovered: no fresh snapshot is needed, and the socket is in the room again.
    expect(g.events.filter((e) => e.name === 'room:state')).toHaveLength(statesBefore);
    await emitAck(a.socket, 'message:send', { body: 'after the drop' });
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'after the drop'));
    expect((await emitAck(g.socket, 'message:send', { body: 'me too' })).ok).toBe(true);
    await waitFor(() => messagesSeen(a).find((m) => m.body === 'me too'));
  });

  it('delivers messages sent while the connection was down once it is recovered', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWith(server, { auth: { token: grace.token } });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));
    await waitForOnline(a, { [grace.member.id]: true });

    await dropConnection(g);
    // Ada sees Grace go offline, so these really are sent while Grace is away.
    await waitForOnline(a, { [grace.member.id]: false });
    await send(server, ada, 'while away 1');
    await emitAck(a.socket, 'message:send', { body: 'while away 2' });
    a.socket.emit('typing', { active: true });

    await reconnectSocket(g);
    expect(g.socket.recovered).toBe(true);
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'while away 2'));
    const bodies = messagesSeen(g).map((m) => m.body);
    expect(bodies.filter((b) => b.startsWith('while away'))).toEqual([
      'while away 1',
      'while away 2',
    ]);
    await waitForOnline(a, { [grace.member.id]: true });
  });

  it('recovers what was missed: each message once, in order, with the other events', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWith(server, { auth: { token: grace.token } });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));
    await send(server, ada, 'before');
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'before'));

    await dropConnection(g);
    await waitForOnline(a, { [grace.member.id]: false });
    for (let i = 1; i <= 5; i++) await send(server, ada, `away ${i}`);
    a.socket.emit('typing', { active: true });
    await join(server, room, 'Linus');
    await send(server, ada, 'away 6');

    await reconnectSocket(g);
    expect(g.socket.recovered).toBe(true);
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'away 6'));
    const seqs: number[] = messagesSeen(g).map((m) => m.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
    const bodies: string[] = messagesSeen(g).map((m) => m.body);
    expect(bodies.filter((b) => b.startsWith('away'))).toEqual(
      [1, 2, 3, 4, 5, 6].map((i) => `away ${i}`),
    );
    expect(bodies.filter((b) => b === 'Linus joined')).toHaveLength(1);
    // The events that are not messages come from the recovery buffer.
    await waitFor(() => g.events.find((e) => e.name === 'typing' && e.payload.active === true));
    await waitFor(() =>
      g.events.find((e) => e.name === 'member:joined' && e.payload.member.displayName === 'Linus'),
    );
    expect(g.events.filter((e) => e.name === 'room:state')).toHaveLength(1);
    // Presence changed while Grace was away: she has the room's as it is now.
    const presence = await waitFor(() => {
      const members = lastPresence(g);
      return members?.length === 3 ? members : undefined;
    });
    expect(Object.fromEntries(presence.map((m) => [m.displayName, m.online]))).toEqual({
      Ada: true,
      Grace: true,
      Linus: false,
    });
    // Live again: the next message arrives once.
    await send(server, ada, 'live');
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'live'));
    expect(messagesSeen(g).filter((m) => m.body === 'live')).toHaveLength(1);
  });

  it('replays nothing to a recovered socket that missed no message', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWith(server, { auth: { token: grace.token, lastSeq: 0 } });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));
    await send(server, ada, 'seen');
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'seen'));
    const seenBefore = messagesSeen(g).length;

    await dropConnection(g);
    a.socket.emit('typing', { active: true });
    await reconnectSocket(g);
    expect(g.socket.recovered).toBe(true);
    await waitFor(() => g.events.find((e) => e.name === 'typing'));
    await send(server, ada, 'after');
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'after'));
    expect(messagesSeen(g)).toHaveLength(seenBefore + 1);
  });

  it('sends the snapshot to a recovered socket that missed more than is replayed', async () => {
    const { server, ada, g } = await graceHasSeenOne();

    await dropConnection(g);
    for (let i = 1; i <= 510; i++) await send(server, ada, `m${i}`);
    await reconnectSocket(g);
    expect(g.socket.recovered).toBe(true);
    const states = await waitFor(() => {
      const all = g.events.filter((e) => e.name === 'room:state');
      return all.length === 2 ? all : undefined;
    });
    expect(states[1]!.payload.messages).toHaveLength(50);
    expect(states[1]!.payload.messages.at(-1).body).toBe('m510');
    expect(messagesSeen(g).filter((m) => m.body.startsWith('m'))).toEqual([]);
  });

  it('sends a fresh snapshot to a recovered socket that missed its first', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    // An offset given before Grace's snapshot went out: she had nothing after it.
    const earlier = (a.socket as unknown as { _lastOffset: string })._lastOffset;
    expect(earlier).toMatch(/^\d+$/);
    await send(server, ada, 'before Grace');
    const g = await connectWith(server, { auth: { token: grace.token } });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));

    await dropConnection(g);
    await reconnectSocket(g, earlier);
    expect(g.socket.recovered).toBe(true);
    const states = await waitFor(() => {
      const all = g.events.filter((e) => e.name === 'room:state');
      return all.length === 2 ? all : undefined;
    });
    expect(states[1]!.payload.messages.map((m: { body: string }) => m.body)).toContain(
      'before Grace',
    );
  });

  it('does not recover from an offset the server never gave, and sends the snapshot', async () => {
    const { g } = await graceHasSeenOne();

    for (const offset of ['999999', '-1', '1e3', 'x'.repeat(10_000), '0']) {
      await dropConnection(g);
      await reconnectSocket(g, offset); // forged
      expect(g.socket.recovered, offset.slice(0, 10)).toBe(false);
    }
    await waitFor(() => {
      const states = g.events.filter((e) => e.name === 'room:state');
      return states.length === 6 ? states : undefined;
    });
  });

  it('does not recover the session of a member who left', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = members[1]!;
    const g = await connectWith(server, { auth: { token: grace.token } });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));
    await dropConnection(g);
    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });

    const refused = new Promise<Error>((resolve) => g.socket.once('connect_error', resolve));
    g.socket.connect();
    expect((await refused).message).toBe('unauthorized');
  });
});

describe('a recovery session belongs to its member', () => {
  // A recovered socket gets its session's rooms and missed events only once its token has shown it
  // is the same member of the same room; nothing at all reaches a connection that is refused.

  /**
   * Grace's session from a dropped socket, with events in her room she has not had: a message
   * and Ada's typing (which Olga saw, so it has gone out).
   */
  async function graceAwayFromSecrets() {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace', 'Olga');
    const [ada, grace, olga] = members as [Joined, Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const o = await connectWithState(server, olga.token);
    const g = await connectWith(server, { auth: { token: grace.token } });
    await waitFor(() => g.events.find((e) => e.name === 'room:state'));
    await send(server, ada, 'seen');
    await waitFor(() => messagesSeen(g).find((m) => m.body === 'seen'));
    const session = recoveryOf(g);
    await dropConnection(g);
    await waitForOnline(a, { [grace.member.id]: false });
    await send(server, ada, 'secret while away');
    a.socket.emit('typing', { active: true });
    await waitFor(() => o.events.find((e) => e.name === 'typing'));
    return { server, ada, a, grace, session };
  }

  it('is not given to a member of another room, who gets a fresh connection', async () => {
    const { server, ada, session } = await graceAwayFromSecrets();
    const { room: roomB, members } = await roomWith(server, 'Bob');
    const bob = members[0]!;

    const forged = presentSession(server, { token: bob.token, ...session });
    const connected = await forged.connected;
    expect(connected.socket.recovered).toBe(false);
    expect(recoveryOf(connected).pid).not.toBe(session.pid);
    const state = await waitFor(() => connected.events.find((e) => e.name === 'room:state'));
    expect(state.payload.room.id).toBe(roomB.id);
    expect(connected.events[0]?.name).toBe('room:state');

    // Room A's live messages do not reach Bob either: his own message after them marks the end.
    await send(server, ada, 'secret live');
    await send(server, bob, 'in B');
    await waitFor(() => messagesSeen(connected).find((m) => m.body === 'in B'));
    expect(JSON.stringify(forged.packets)).not.toMatch(/secret|typing/);
    expect(JSON.stringify(forged.packets)).not.toContain(ada.member.id);
  });

  it('is not given to another member of the same room', async () => {
    const { server, session, grace } = await graceAwayFromSecrets();
    const bob = await join(server, grace.room, 'Bob');

    const forged = presentSession(server, { token: bob.token, ...session });
    const connected = await forged.connected;
    expect(connected.socket.recovered).toBe(false);
    expect(recoveryOf(connected).pid).not.toBe(session.pid);
    const state = await waitFor(() => connected.events.find((e) => e.name === 'room:state'));
    expect(state.payload.member.id).toBe(bob.member.id);
    // Grace's missed packets (her typing notice) were not sent to Bob.
    expect(forged.packets.some(([name]) => name === 'typing')).toBe(false);
  });

  it.each(['left', 'room ended'] as const)(
    'sends nothing before the refusal when the member %s meanwhile',
    async (what) => {
      const { server, a, grace, session } = await graceAwayFromSecrets();
      if (what === 'left') {
        await api(server, 'POST', `/api/rooms/${grace.room.id}/leave`, { token: grace.token });
        expect((await uploadSocket(a.socket, 'new.txt', Buffer.from('new file'))).ok).toBe(true);
        await join(server, grace.room, 'Newcomer');
        a.socket.emit('typing', { active: true });
      } else {
        await server.ctx.rooms.close(grace.room.id, 'expired');
      }

      const forged = presentSession(server, { token: grace.token, ...session });
      const refusal = await forged.connected.then(
        () => undefined,
        (error: unknown) => error as Error & { data?: { code: string } },
      );
      expect(refusal?.message).toBe('unauthorized');
      expect(forged.packets).toEqual([]);
    },
  );

  it('is still given back to its own member, with what was missed', async () => {
    const { server, grace, session } = await graceAwayFromSecrets();
    const back = presentSession(server, { token: grace.token, ...session });
    const connected = await back.connected;
    expect(connected.socket.recovered).toBe(true);
    expect(recoveryOf(connected).pid).toBe(session.pid);
    await waitFor(() => messagesSeen(connected).find((m) => m.body === 'secret while away'));
    expect(connected.events.some((e) => e.name === 'typing')).toBe(true);
  });
});

describe('server shutdown', () => {
  it('tells connected sockets it is going away, then disconnects them', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const a = await connectWithState(server, members[0]!.token);
    const gone = disconnected(a);
    await server.close();
    expect(await gone).toBe('io server disconnect');
    expect(a.events.find((e) => e.name === 'room:closing')?.payload).toEqual({
      secondsLeft: 0,
      reason: 'server_shutdown',
    });
  });
});
