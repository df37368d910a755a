/**
 * The server→client events are typed by their definitions (rooms.ts, chat.ts, files.ts,
 * exec.ts), and what the server really sends follows the schemas. The `@ts-expect-error` lines
 * are what must not compile: `npm run typecheck` fails as soon as one of them compiles.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  api,
  connectWithState,
  emitAck,
  join,
  openEvents,
  roomWith,
  startServer,
  onCleanup,
  waitFor,
  type Collected,
  type TestSocket,
} from '../../test/helpers.js';
import { startThirdPartySite } from '../../test/thirdPartySite.js';
import { ManualClock } from '../server/core/Clock.js';
import type { RoomEventBus } from '../server/core/RoomEventBus.js';
import type { RoomSocket } from '../server/transport/socketHandlers.js';
import {
  joinTables,
  serverEvents,
  type ServerEventName,
  type ServerEventPayload,
  type ServerToClientEvents,
} from './events.js';
import type { Message, RoomState } from './schemas.js';

/** What the server may send: never called, it only has to compile where it should. */
export function serverMisuse(socket: RoomSocket, bus: RoomEventBus, message: Message) {
  const roomId = message.roomId;
  const { seq: _seq, ...withoutSeq } = message;
  socket.emit('message:new', { message });
  // @ts-expect-error message:new carries a message
  socket.emit('message:new', {});
  // @ts-expect-error the message lacks its seq
  socket.emit('message:new', { message: withoutSeq });
  // @ts-expect-error a seq is a number
  socket.emit('message:new', { message: { ...message, seq: '1' } });
  // @ts-expect-error an event the protocol does not define
  socket.emit('message:sent', { message });

  bus.publish({ roomId, name: 'message:new', payload: { message } });
  // @ts-expect-error the message lacks its seq
  bus.publish({ roomId, name: 'message:new', payload: { message: withoutSeq } });
  // @ts-expect-error a body is a string
  bus.publish({ roomId, name: 'message:new', payload: { message: { ...message, body: 1 } } });
  // @ts-expect-error an event the protocol does not define
  bus.publish({ roomId, name: 'message:sent', payload: { message } });
  // @ts-expect-error room:state goes to one socket, never on the bus
  bus.publish({ roomId, name: 'room:state', payload: {} as RoomState });
}

/** What a TypeScript client may listen to: never called. */
export function clientMisuse(socket: TestSocket) {
  socket.on('message:new', (payload) => {
    expectTypeOf(payload).toEqualTypeOf<{ message: Message }>();
  });
  // @ts-expect-error an event the protocol does not define
  socket.on('message:sent', () => undefined);
}

describe('the server→client event map', () => {
  it('is derived from the feature tables (checked by npm run typecheck)', () => {
    expectTypeOf<ServerEventName>().toEqualTypeOf<
      | 'room:state'
      | 'member:joined'
      | 'member:left'
      | 'presence'
      | 'room:updated'
      | 'room:settings'
      | 'room:expiring'
      | 'room:closing'
      | 'session:ended'
      | 'room:closed'
      | 'message:new'
      | 'message:updated'
      | 'typing'
      | 'file:added'
      | 'exec:started'
      | 'exec:result'
      | 'signal'
      | 'call:state'
    >();
    expectTypeOf<ServerEventPayload<'message:new'>>().toEqualTypeOf<{ message: Message }>();
    expectTypeOf<Parameters<ServerToClientEvents['room:state']>[0]>().toEqualTypeOf<RoomState>();
    expect(serverMisuse).toBeTypeOf('function');
  });
});

const SECOND = 1000;

/**
 * Holds each received payload to its event's schema. Parsing drops fields a schema does not
 * name, so comparing the result with what arrived also catches a field the contract lacks.
 */
function expectOnTheWire(events: { name: string; payload: unknown }[]) {
  for (const { name, payload } of events) {
    const definition = serverEvents[name as ServerEventName];
    expect({ name, defined: definition !== undefined }).toEqual({ name, defined: true });
    const parsed = definition.schema.safeParse(payload);
    expect({ name, issues: parsed.error?.issues ?? [] }).toEqual({ name, issues: [] });
    expect({ name, payload: parsed.data }).toEqual({ name, payload });
  }
}

const names = (client: Collected) => new Set(client.events.map((e) => e.name));

describe('joining the feature tables', () => {
  it('refuses an event name two features define, and keeps every definition otherwise', () => {
    const typing = { schema: 'a' };
    expect(() => joinTables({ typing }, { 'file:added': 1 }, { typing: 2 })).toThrow(
      'Two features define the event typing',
    );
    expect(joinTables({ typing }, { 'file:added': 1 })).toEqual({ typing, 'file:added': 1 });
  });
});

describe('what the server sends', () => {
  it('follows the schemas: a room from creation to its end, over Socket.IO and SSE', async () => {
    const clock = new ManualClock();
    const site = await startThirdPartySite({
      routes: {
        '/article': (_request, response) => {
          response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          response.end('<html><head><title>An article</title></head><body>text</body></html>');
        },
      },
    });
    onCleanup(() => site.close());
    const server = await startServer({ FETCH_ALLOW_HOSTS: `127.0.0.1:${site.port}` }, { clock });
    const { room, members } = await roomWith(server, 'Ada');
    const ada = await connectWithState(server, members[0]!.token);
    const adaStream = openEvents(server, room.id, members[0]!.token);
    await adaStream.opened;

    const grace = await join(server, room, 'Grace');
    const graceSocket = await connectWithState(server, grace.token);
    expect(
      await emitAck(graceSocket.socket, 'message:send', { body: 'hi', clientMsgId: 'c1' }),
    ).toMatchObject({ ok: true });
    // A link gets its card: message:updated.
    await emitAck(graceSocket.socket, 'message:send', { body: `see ${site.origin}/article` });
    await waitFor(() => names(ada).has('message:updated'), 5000, 'message:updated');
    // The owner changes a setting: room:settings.
    await api(server, 'POST', `/api/rooms/${room.id}/settings`, {
      token: members[0]!.token,
      body: { namedCard: true },
    });
    await waitFor(() => names(ada).has('room:settings'), 5000, 'room:settings');
    graceSocket.socket.emit('typing', { active: true });
    expect(
      await emitAck(graceSocket.socket, 'file:upload', {
        name: 'notes.txt',
        data: Buffer.from('a tiny file\n'),
      }),
    ).toMatchObject({ ok: true });
    expect(
      await emitAck(graceSocket.socket, 'exec:run', {
        language: 'javascript',
        code: 'console.log(1)',
      }),
    ).toMatchObject({ ok: true });
    await waitFor(() => names(ada).has('exec:result'), 5000, 'exec:result');
    // A call: both join, Ada signals Grace, Grace leaves (Ada hears her hangup).
    for (const client of [ada, graceSocket])
      expect(await emitAck(client.socket, 'call:join', { audio: true, video: true })).toMatchObject(
        { ok: true },
      );
    expect(
      await emitAck(ada.socket, 'signal', {
        to: grace.member.id,
        type: 'offer',
        data: { sdp: 'v=0' },
      }),
    ).toEqual({ ok: true });
    await waitFor(() => names(graceSocket).has('signal'), 5000, 'signal');
    expect(await emitAck(graceSocket.socket, 'call:leave', {})).toEqual({ ok: true });
    await waitFor(() => names(ada).has('signal'), 5000, 'hangup');
    const left = await api(server, 'POST', `/api/rooms/${room.id}/leave`, { token: grace.token });
    expect(left.status).toBeLessThan(300);
    await waitFor(() => names(ada).has('member:left'), 5000, 'member:left');
    const extended = await api(server, 'POST', `/api/rooms/${room.id}/extend`, {
      token: members[0]!.token,
      body: { seconds: 7200 },
    });
    expect(extended.status).toBe(200);

    // An account signs out: the socket it joined with hears session:ended.
    const registered = await api(server, 'POST', '/api/auth/register', {
      body: { username: 'Margaret', password: 'a long passphrase 42' },
    });
    expect(registered.status).toBe(201);
    const cookie = registered.headers
      .getSetCookie()
      .map((header) => header.split(';')[0])
      .join('; ');
    const joined = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: room.id },
      headers: { cookie },
    });
    const margaret = await connectWithState(server, joined.body.token);
    await api(server, 'POST', '/api/auth/logout', { headers: { cookie } });
    await waitFor(() => names(margaret).has('session:ended'), 5000, 'session:ended');

    await clock.advance(24 * 3600 * SECOND);
    await waitFor(() => names(ada).has('room:closed'), 5000, 'room:closed');
    // A room still open when the server stops: its sockets hear room:closing.
    const other = await roomWith(server, 'Linus');
    const linus = await connectWithState(server, other.members[0]!.token);
    await server.close();
    await waitFor(() => names(linus).has('room:closing'), 5000, 'room:closing');

    const received = [...ada.events, ...graceSocket.events, ...linus.events, ...margaret.events];
    expect([...new Set(received.map((e) => e.name))].sort()).toEqual(
      Object.keys(serverEvents).sort(),
    );
    expectOnTheWire(received);
    expect(adaStream.events.length).toBeGreaterThan(0);
    expectOnTheWire(adaStream.events.map(({ name, data }) => ({ name, payload: data })));
  });
});
