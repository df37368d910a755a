/**
 * The socket event registry is typed by the protocol's event definitions (protocol/events.ts).
 * The `@ts-expect-error` lines are what must not compile: `npm run typecheck` fails as soon as one
 * of them compiles. At runtime, a handler registered through the registry answers a real client,
 * and every defined event has exactly one handler on a connected socket.
 */
import { describe, expect, it } from 'vitest';
import {
  connectWithState,
  emitAck,
  roomWith,
  startServer,
  type TestSocket,
} from '../../../test/helpers.js';
import { clientEvents, type ClientEventName } from '../../protocol/events.js';
import type { Message } from '../../protocol/schemas.js';
import type { SocketFeature } from './socketHandlers.js';

/** Answers `message:send` in place of chat, with the message unsaved. */
const echo: SocketFeature = (socket, handle) => {
  socket.removeAllListeners('message:send');
  handle('message:send', (session, payload) => {
    const message: Message = {
      id: 'echo',
      roomId: session.room.id,
      seq: 0,
      type: 'text',
      body: payload.body.toUpperCase(),
      sender: null,
      createdAt: new Date(0).toISOString(),
      ...(payload.clientMsgId === undefined ? {} : { clientMsgId: payload.clientMsgId }),
    };
    return { message };
  });
};

/** Never registered: it only has to compile where it should and fail where marked. */
const misuse: SocketFeature = (_socket, handle) => {
  // @ts-expect-error an event the protocol does not define
  handle('message:sent', () => ({}));
  handle('exec:run', async (_session, payload) => {
    // @ts-expect-error the payload of exec:run has no `source`
    void payload.source;
    throw new Error(payload.code);
  });
  // @ts-expect-error the ack of message:send carries a message, not a string
  handle('message:send', (_session, payload) => ({ message: payload.body }));
  // @ts-expect-error the ack of file:upload carries the file and its message
  handle('file:upload', async () => ({ file: undefined }));
  handle('file:get', (_session, payload) => {
    // The payload is the schema's output: the default variant is filled in.
    const variant: 'original' | 'thumb' = payload.variant;
    return { file: { id: variant } as never, data: new Uint8Array() };
  });
  handle('typing', () => ({}));
};

/** The derived client map: what a TypeScript client may emit. Never called. */
export function clientMisuse(socket: TestSocket) {
  // @ts-expect-error an event the protocol does not define
  socket.emit('message:sent', { body: 'x' }, () => undefined);
  // @ts-expect-error message:send's payload has a body, not a text
  socket.emit('message:send', { text: 'x' }, () => undefined);
  // @ts-expect-error message:send takes an ack
  socket.emit('message:send', { body: 'x' });
  socket.emit('typing', { active: true });
  socket.emit('message:send', { body: 'x' }, (ack) => {
    // @ts-expect-error a failed ack has no message
    void ack.message;
    if (ack.ok) void ack.message.seq;
  });
}

describe('the socket event registry', () => {
  it('is typed by the protocol: misuse does not compile (checked by npm run typecheck)', () => {
    expect(misuse).toBeTypeOf('function');
  });

  it('answers a real client through a registered handler, with the payload its schema parsed', async () => {
    const server = await startServer();
    server.sockets.use(echo);
    const { members } = await roomWith(server, 'Ada');
    const { socket } = await connectWithState(server, members[0]!.token);

    expect(await emitAck(socket, 'message:send', { body: 'hi', clientMsgId: 'e1' })).toEqual({
      ok: true,
      message: expect.objectContaining({ id: 'echo', body: 'HI', clientMsgId: 'e1' }),
    });
    // The schema of the definition refused it; the handler never ran.
    expect(await emitAck(socket, 'message:send', { body: 'hi', text: 'hi' })).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 'invalid_request' }),
    });
  });

  it('has exactly one handler for every event the protocol defines', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    await connectWithState(server, members[0]!.token);

    const [serverSocket] = server.sockets.io.of('/').sockets.values();
    const events = Object.keys(clientEvents) as ClientEventName[];
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect({ event, handlers: serverSocket!.listeners(event).length }).toEqual({
        event,
        handlers: 1,
      });
    }
  });
});
