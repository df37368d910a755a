/**
 * The socket event registry is typed by the protocol's event definitions (protocol/events.ts).
 * The `@ts-expect-error` lines are what must not compile: `npm run typecheck` fails as soon as one
 * of them compiles. At runtime, every defined event has exactly one handler on a connected socket
 * (test/featureKernel.test.ts has a handler answering a real client).
 */
import { describe, expect, it } from 'vitest';
import { connectWithState, roomWith, startServer, type TestSocket } from '../../../test/helpers.js';
import type { chatClientEvents } from '../../protocol/chat.js';
import { clientEvents, type ClientEventName, type ClientEvents } from '../../protocol/events.js';
import type { SocketFeature } from './socketHandlers.js';

/** Never registered: it only has to compile where it should and fail where marked. */
const misuse: SocketFeature<ClientEvents> = (_socket, handle) => {
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

/** A feature registers only the events of its own table. Never registered. */
const chatOnly: SocketFeature<typeof chatClientEvents> = (_socket, handle) => {
  handle('typing', () => ({}));
  // @ts-expect-error exec:run is exec's event, not in chat's table
  handle('exec:run', () => ({ result: undefined as never }));
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
    expect(chatOnly).toBeTypeOf('function');
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
