/**
 * Chat (API.md, "Messages" and the chat events of "Realtime"): every transport sees the same
 * messages, with a gap-free seq, idempotent sends and validated payloads.
 */
import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  emitAck,
  join,
  openEvents,
  roomWith,
  startServer,
  waitFor,
  type Collected,
  type Joined,
  type TestServer,
  sendMessage as send,
} from '../../../test/helpers.js';
import { ManualClock } from '../core/Clock.js';

function history(server: TestServer, member: Joined, query = '') {
  return api(server, 'GET', `/api/rooms/${member.room.id}/messages${query}`, {
    token: member.token,
  });
}

function messagesSeen(client: Collected): any[] {
  return client.events.filter((e) => e.name === 'message:new').map((e) => e.payload.message);
}

function waitForMessage(client: Collected, body: string) {
  return waitFor(
    () => messagesSeen(client).find((m) => m.body === body),
    5000,
    `message "${body}"`,
  );
}

function expectError(response: { status: number; body: any }, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.body).toEqual({
    error: expect.objectContaining({ code, message: expect.any(String) }),
  });
}

describe('POST /api/rooms/:roomId/messages', () => {
  it('stores a text message and answers 201 with its documented shape', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const { room, members } = await roomWith(server, 'Ada');
    const ada = members[0]!;

    const response = await send(server, ada, { body: 'hello', clientMsgId: 'c-1' });
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      message: {
        id: expect.any(String),
        roomId: room.id,
        seq: 2, // seq 1 is "Ada joined"
        type: 'text',
        body: 'hello',
        sender: ada.member,
        createdAt: new Date(clock.now()).toISOString(),
        clientMsgId: 'c-1',
      },
    });

    const plain = await send(server, ada, { body: 'no id' });
    expect(plain.status).toBe(201);
    expect(plain.body.message).not.toHaveProperty('clientMsgId');
    expect(plain.body.message.seq).toBe(3);
  });

  it('returns the first message (200) for a repeated clientMsgId and never stores a duplicate', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const listener = await connectWithState(server, grace.token);

    const first = await send(server, ada, { body: 'once', clientMsgId: 'retry-1' });
    expect(first.status).toBe(201);
    const again = await send(server, ada, { body: 'once', clientMsgId: 'retry-1' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // A retry over the socket is the same message too.
    const ada2 = await connectWithState(server, ada.token);
    const ack = await emitAck(ada2.socket, 'message:send', {
      body: 'once',
      clientMsgId: 'retry-1',
    });
    expect(ack).toEqual({ ok: true, message: first.body.message });

    await send(server, ada, { body: 'marker' });
    await waitForMessage(listener, 'marker');
    expect(messagesSeen(listener).filter((m) => m.clientMsgId === 'retry-1')).toHaveLength(1);
    const page = await history(server, grace);
    expect(page.body.messages.filter((m: any) => m.body === 'once')).toHaveLength(1);
  });

  it('stores one message for concurrent retries with the same clientMsgId', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const a = await connectWithState(server, ada.token);
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => send(server, ada, { body: 'x', clientMsgId: 'dup' })),
      ...Array.from({ length: 4 }, () =>
        emitAck(a.socket, 'message:send', { body: 'x', clientMsgId: 'dup' }),
      ),
    ]);
    const ids = results.map((r: any) => (r.body ?? r).message.id);
    expect(new Set(ids).size).toBe(1);
    const statuses = results.slice(0, 4).map((r: any) => r.status);
    expect(statuses.filter((st) => st === 201).length).toBeLessThanOrEqual(1);
    const page = await history(server, ada);
    expect(page.body.messages.filter((m: any) => m.clientMsgId === 'dup')).toHaveLength(1);
  });

  it("does not swallow another member's message that happens to use the same clientMsgId", async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await send(server, ada, { body: 'from Ada', clientMsgId: 'same' });
    const g = await send(server, grace, { body: 'from Grace', clientMsgId: 'same' });
    expect(a.status).toBe(201);
    expect(g.status).toBe(201);
    expect(g.body.message.body).toBe('from Grace');
    expect(g.body.message.seq).toBe(a.body.message.seq + 1);
  });

  it('stores and returns a body verbatim, HTML included', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const listener = await connectWithState(server, grace.token);
    const body = '<script>alert(1)</script> &amp; <b>bold</b> \u202Eevil  \n  two lines ';

    const sent = await send(server, ada, { body });
    expect(sent.status).toBe(201);
    expect(sent.body.message.body).toBe(body);
    expect((await waitForMessage(listener, body)).body).toBe(body);
    const page = await history(server, grace);
    expect(page.headers.get('content-type')).toMatch(/^application\/json/);
    expect(page.body.messages.at(-1).body).toBe(body);
  });

  it('accepts 4000 characters (counted as characters, not UTF-16 units) and refuses 4001', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    expect((await send(server, ada, { body: 'x'.repeat(4000) })).status).toBe(201);
    expect((await send(server, ada, { body: '😀'.repeat(4000) })).status).toBe(201);
    expectError(await send(server, ada, { body: 'x'.repeat(4001) }), 400, 'invalid_request');
  });

  it.each([
    ['no body', {}],
    ['an empty body', { body: '' }],
    ['a body of white space', { body: ' \n\t ' }],
    ['a body that is not a string', { body: 42 }],
    ['an unknown field', { body: 'hi', html: true }],
    ['a clientMsgId with spaces', { body: 'hi', clientMsgId: 'a b' }],
    ['a clientMsgId of 65 characters', { body: 'hi', clientMsgId: 'a'.repeat(65) }],
  ])('refuses %s with invalid_request', async (_what, body) => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const response = await send(server, members[0]!, body);
    expectError(response, 400, 'invalid_request');
    expect(response.body.error.details).toEqual(expect.any(Array));
  });

  it('refuses a body that is not JSON', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await api(server, 'POST', `/api/rooms/${room.id}/messages`, {
      token: members[0]!.token,
      headers: { 'content-type': 'application/json' },
      raw: '{"body": ',
    });
    expectError(response, 400, 'invalid_request');
  });

  it('is for members of the room only', async () => {
    const server = await startServer();
    const { room } = await roomWith(server, 'Ada');
    const { members: others } = await roomWith(server, 'Eve');
    const path = `/api/rooms/${room.id}/messages`;
    expectError(await api(server, 'POST', path, { body: { body: 'hi' } }), 401, 'unauthorized');
    expectError(
      await api(server, 'POST', path, { body: { body: 'hi' }, token: others[0]!.token }),
      403,
      'forbidden',
    );
    expectError(await api(server, 'GET', path), 401, 'unauthorized');
  });
});

describe('seq', () => {
  it('rises by one per message across REST, sockets and system messages, without gaps', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const listener = await connectWithState(server, grace.token);

    await send(server, ada, { body: 'rest 1' });
    await emitAck(a.socket, 'message:send', { body: 'socket 1' });
    await send(server, grace, { body: 'rest 2' });
    const linus = await join(server, room, 'Linus'); // "Linus joined"
    await emitAck(listener.socket, 'message:send', { body: 'socket 2' });
    await send(server, linus, { body: 'rest 3' });
    await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: linus.token }); // "Linus left"
    // Concurrent sends from both transports at once.
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => send(server, ada, { body: `burst rest ${i}` })),
      ...Array.from({ length: 10 }, (_, i) =>
        emitAck(a.socket, 'message:send', { body: `burst socket ${i}` }),
      ),
    ]);
    await send(server, ada, { body: 'last' });
    await waitForMessage(listener, 'last');

    // 2 joins + 6 sends + join/leave of Linus + 20 burst + last = 29 messages after the state.
    const stored = (await history(server, grace, '?limit=200')).body.messages;
    expect(stored.map((m: any) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(stored.filter((m: any) => m.type === 'system').map((m: any) => m.body)).toEqual([
      'Ada joined',
      'Grace joined',
      'Linus joined',
      'Linus left',
    ]);
    // A live listener saw every message after its snapshot once, in order.
    const live = messagesSeen(listener).map((m) => m.seq);
    const snapshotEnd = listener.state.messages.at(-1).seq as number;
    expect(live).toEqual(Array.from({ length: 30 - snapshotEnd }, (_, i) => snapshotEnd + 1 + i));
  });

  it('counts each room on its own', async () => {
    const server = await startServer();
    const { members: one } = await roomWith(server, 'Ada');
    const { members: two } = await roomWith(server, 'Grace');
    await send(server, one[0]!, { body: 'a' });
    await send(server, one[0]!, { body: 'b' });
    expect((await send(server, two[0]!, { body: 'c' })).body.message.seq).toBe(2);
  });
});

describe('GET /api/rooms/:roomId/messages', () => {
  async function roomWithMessages(count: number) {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    for (let i = 1; i < count; i++) await send(server, ada, { body: `m${i + 1}` });
    return { server, ada };
  }

  it('pages backwards with before and limit, each page ascending', async () => {
    const { server, ada } = await roomWithMessages(25); // seq 1 ("Ada joined") … 25

    const newest = await history(server, ada, '?limit=10');
    expect(newest.status).toBe(200);
    expect(newest.body.hasMore).toBe(true);
    expect(newest.body.messages.map((m: any) => m.seq)).toEqual([
      16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
    ]);

    const middle = await history(server, ada, '?limit=10&before=16');
    expect(middle.body.hasMore).toBe(true);
    expect(middle.body.messages.map((m: any) => m.seq)).toEqual([
      6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);

    const oldest = await history(server, ada, '?limit=10&before=6');
    expect(oldest.body.hasMore).toBe(false);
    expect(oldest.body.messages.map((m: any) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(oldest.body.messages[0]).toMatchObject({ type: 'system', body: 'Ada joined' });
  });

  it('returns 50 by default and at most 200', async () => {
    const { server, ada } = await roomWithMessages(230);
    const byDefault = await history(server, ada);
    expect(byDefault.body.messages).toHaveLength(50);
    expect(byDefault.body.messages.at(-1).seq).toBe(230);
    const max = await history(server, ada, '?limit=200');
    expect(max.body.messages).toHaveLength(200);
    expect(max.body.messages[0].seq).toBe(31);
    expect(max.body.hasMore).toBe(true);
    const one = await history(server, ada, '?limit=1&before=2');
    expect(one.body).toEqual({ messages: [expect.objectContaining({ seq: 1 })], hasMore: false });
  });

  it('answers an empty page before the first message', async () => {
    const { server, ada } = await roomWithMessages(3);
    const response = await history(server, ada, '?before=1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ messages: [], hasMore: false });
  });

  it.each([
    ['limit=0', '?limit=0'],
    ['limit=201', '?limit=201'],
    ['limit=-1', '?limit=-1'],
    ['limit=ten', '?limit=ten'],
    ['limit=1.5', '?limit=1.5'],
    ['before=0', '?before=0'],
    ['before=abc', '?before=abc'],
    ['an unknown parameter', '?after=3'],
  ])('refuses %s with invalid_request', async (_what, query) => {
    const { server, ada } = await roomWithMessages(2);
    expectError(await history(server, ada, query), 400, 'invalid_request');
  });
});

describe('two members on every transport', () => {
  it('a socket message reaches the other socket, their event stream and the history', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, grace.token);
    const stream = openEvents(server, room.id, grace.token);
    await stream.opened;
    await waitFor(() => stream.events.find((e) => e.name === 'room:state'));

    const ack = await emitAck(a.socket, 'message:send', { body: 'over the socket' });
    expect(ack.ok).toBe(true);

    const onSocket = await waitForMessage(g, 'over the socket');
    const onStream = await waitFor(
      () => stream.events.find((e) => e.name === 'message:new'),
      5000,
      'SSE message',
    );
    const inHistory = (await history(server, grace)).body.messages.at(-1);
    expect(onSocket).toEqual(ack.message);
    expect(onStream.data.message).toEqual(ack.message);
    expect(inHistory).toEqual(ack.message);
    expect(onSocket.sender).toEqual(ada.member);
  });

  it('a REST message reaches both sockets, the sender included', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, grace.token);

    const sent = await send(server, grace, { body: 'over REST' });
    expect(await waitForMessage(a, 'over REST')).toEqual(sent.body.message);
    expect(await waitForMessage(g, 'over REST')).toEqual(sent.body.message);
  });

  it('a message stays in its room', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const { members: others } = await roomWith(server, 'Eve');
    const eve = await connectWithState(server, others[0]!.token);
    await send(server, members[0]!, { body: 'private' });
    await send(server, others[0]!, { body: 'marker' });
    await waitForMessage(eve, 'marker');
    expect(messagesSeen(eve).map((m) => m.body)).toEqual(['marker']);
  });
});

describe('typing', () => {
  it('reaches the other member as { memberId, active }', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const [ada, grace] = members as [Joined, Joined];
    const a = await connectWithState(server, ada.token);
    const g = await connectWithState(server, grace.token);

    expect(await emitAck(a.socket, 'typing', { active: true })).toEqual({ ok: true });
    const started = await waitFor(() => g.events.find((e) => e.name === 'typing'));
    expect(started.payload).toEqual({ memberId: ada.member.id, active: true });

    a.socket.emit('typing', { active: false }); // no ack needed
    const stopped = await waitFor(() =>
      g.events.find((e) => e.name === 'typing' && e.payload.active === false),
    );
    expect(stopped.payload).toEqual({ memberId: ada.member.id, active: false });
  });

  it('refuses a malformed typing event', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const a = await connectWithState(server, members[0]!.token);
    expect(await emitAck(a.socket, 'typing', { active: 'yes' })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid_request', message: expect.any(String) }),
    });
  });
});

describe('message:send over Socket.IO', () => {
  it('acks { ok: true, message } with the stored message', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const a = await connectWithState(server, members[0]!.token);
    const ack = await emitAck(a.socket, 'message:send', { body: 'hi', clientMsgId: 'k1' });
    expect(ack).toEqual({
      ok: true,
      message: {
        id: expect.any(String),
        roomId: room.id,
        seq: 2,
        type: 'text',
        body: 'hi',
        sender: members[0]!.member,
        createdAt: expect.any(String),
        clientMsgId: 'k1',
      },
    });
  });

  it.each([
    ['a missing body', {}],
    ['no payload at all', undefined],
    ['a payload that is a string', 'hello'],
    ['4001 characters', { body: 'x'.repeat(4001) }],
    ['a body of white space', { body: '   \n ' }],
    ['an unknown field', { body: 'hi', admin: true }],
  ])(
    'acks { ok: false, error: invalid_request } for %s, and nobody sees a message',
    async (_what, payload) => {
      const server = await startServer();
      const { members } = await roomWith(server, 'Ada', 'Grace');
      const [ada, grace] = members as [Joined, Joined];
      const a = await connectWithState(server, ada.token);
      const g = await connectWithState(server, grace.token);

      const ack = await emitAck(a.socket, 'message:send', payload);
      expect(ack).toEqual({
        ok: false,
        error: expect.objectContaining({ code: 'invalid_request', message: expect.any(String) }),
      });
      await send(server, ada, { body: 'marker' });
      await waitForMessage(g, 'marker');
      expect(messagesSeen(g).map((m) => m.body)).toEqual(['marker']);
      expect(a.socket.connected).toBe(true);
    },
  );

  it('acks an unknown event with not_found', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const a = await connectWithState(server, members[0]!.token);
    expect(await emitAck(a.socket, 'message:delete', { id: 'x' })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'not_found', message: expect.any(String) }),
    });
    // The socket still works afterwards.
    expect((await emitAck(a.socket, 'message:send', { body: 'still here' })).ok).toBe(true);
  });
});
