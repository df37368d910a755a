/**
 * The feature kernel: a feature that lives only in test/ (probeFeature.ts) is installed through
 * the kernel alone and works end to end with real clients — its route, its socket event, its
 * room hooks, its slice of room:state, the service it provides and its shutdown step. And the
 * installer's rules: dependency order, one line naming what is wrong, shutdown isolation.
 */
import { describe, expect, it } from 'vitest';
import { noise, uploadMultipart } from './fileHelpers.js';
import {
  api,
  connectWithState,
  emitAck,
  roomWith,
  sendMessage,
  startServer,
  type TestServer,
} from './helpers.js';
import { probeFeature, type ProbeLog } from './probeFeature.js';
import type { Feature } from '../src/server/kernel/Feature.js';
import { dependencyOrder, installFeatures } from '../src/server/kernel/installFeatures.js';

function probed(): Promise<{ server: TestServer; log: ProbeLog }> {
  const log: ProbeLog = { closing: [], closed: [], joined: [], shutdown: [] };
  return startServer({}, { extraFeatures: [probeFeature(log)] }).then((server) => ({
    server,
    log,
  }));
}

describe('a feature installed through the kernel alone', () => {
  it('serves its route behind requireMember and refuses a request without a member token', async () => {
    const { server } = await probed();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const answer = await api(server, 'GET', `/api/rooms/${room.id}/probe`, {
      token: members[1]!.token,
    });
    expect(answer).toMatchObject({
      status: 200,
      body: { member: 'Grace', joined: ['Ada', 'Grace'] },
    });
    expect((await api(server, 'GET', `/api/rooms/${room.id}/probe`)).status).toBe(401);
  });

  it('answers its socket event with the payload its schema parsed, and posts through chat', async () => {
    const { server } = await probed();
    const { members } = await roomWith(server, 'Ada', 'Grace');
    const { socket } = await connectWithState(server, members[0]!.token);
    const { socket: other, state } = await connectWithState(server, members[1]!.token);
    const heard = new Promise((resolve) =>
      other.on('message:new', ({ message }) => resolve(message.body)),
    );

    expect(await emitAck(socket, 'probe:shout', { word: 'hello' })).toEqual({
      ok: true,
      shouted: 'HELLO',
      by: 'Ada',
    });
    expect(await heard).toBe('Ada shouted HELLO');
    // The event's own schema refused these; the handler never ran.
    for (const bad of [{ word: '' }, { word: 'x', extra: 1 }, 'hello']) {
      expect(await emitAck(socket, 'probe:shout', bad)).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
    }
    // Its slice of room:state is there beside the core's and the other features'.
    expect(state).toMatchObject({ probe: { joins: 2 }, messages: expect.any(Array), files: [] });
  });

  it('sees a room on its way out in closing, and nothing of it in closed', async () => {
    const { server, log } = await probed();
    const { room, members } = await roomWith(server, 'Ada');
    expect((await sendMessage(server, members[0]!, 'last words')).status).toBe(201);
    expect((await uploadMultipart(server, members[0]!, noise(500), 'notes.bin')).status).toBe(201);

    await server.ctx.rooms.close(room.id, 'deleted');
    expect(log.closing).toEqual([
      {
        roomId: room.id,
        messages: expect.arrayContaining(['last words', 'notes.bin']),
        files: ['notes.bin'],
      },
    ]);
    expect(log.closed).toEqual([{ roomId: room.id, messages: 0, files: 0 }]);
  });

  it('is reachable through the one accessor, and runs its shutdown step once on close', async () => {
    const { server, log } = await probed();
    expect(server.use('probe')).toBe(log);
    await server.close();
    expect(log.shutdown).toEqual(['probe']);
  });
});

describe('the installer', () => {
  const feature = (name: string, needs: string[] = [], install: Feature['install'] = () => {}) => ({
    name,
    needs,
    install,
  });

  it('installs each feature after the ones it needs, otherwise in list order', () => {
    const order = dependencyOrder([
      feature('exec', ['chat']),
      feature('health'),
      feature('files', ['chat']),
      feature('chat'),
    ]).map((f) => f.name);
    expect(order).toEqual(['chat', 'exec', 'health', 'files']);
  });

  it('refuses a missing dependency, a circle and a name used twice, naming them', () => {
    expect(() => dependencyOrder([feature('files', ['chat'])])).toThrow(
      'files needs chat, which is not installed',
    );
    expect(() => dependencyOrder([feature('a', ['b']), feature('b', ['a'])])).toThrow(
      'Features need each other in a circle: a → b → a',
    );
    expect(() => dependencyOrder([feature('chat'), feature('chat')])).toThrow(
      'Two features are named chat',
    );
  });

  it('lets a feature use only what the features it needs provide', async () => {
    const kernel = {} as Parameters<typeof installFeatures>[1];
    await expect(
      installFeatures(
        [
          feature('chat', [], ({ provide }) => provide('chat', {} as never)),
          feature('sneaky', [], ({ use }) => void use('chat')),
        ],
        kernel,
        () => {},
      ),
    ).rejects.toThrow('sneaky uses chat without needing the feature providing it');
  });

  it('runs every shutdown step of a phase in reverse install order, past one that throws', async () => {
    const ran: string[] = [];
    const failures: string[] = [];
    const installed = await installFeatures(
      ['a', 'b', 'c'].map((name) =>
        feature(name, [], ({ onShutdown }) => {
          onShutdown('services', () => {
            ran.push(name);
            if (name === 'b') throw new Error('b failed');
          });
          onShutdown('connections', () => void ran.push(`${name}:connections`));
        }),
      ),
      {} as Parameters<typeof installFeatures>[1],
      (error, name) => failures.push(`${name}: ${(error as Error).message}`),
    );
    await installed.shutdown('connections');
    await installed.shutdown('services');
    expect(ran).toEqual(['c:connections', 'b:connections', 'a:connections', 'c', 'b', 'a']);
    expect(failures).toEqual(['b: b failed']);
  });
});
