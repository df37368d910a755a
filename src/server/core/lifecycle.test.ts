/**
 * The end of a room as features see it (RoomHooks): `closing` while all of the room's data is
 * there, each feature deleting what it owns, then `closed`; and `room:state` put together from
 * the features' fields. Real server on port 0, real clients; the hooks are registered through
 * RoomService's public API, the data read through the stores.
 */
import { describe, expect, it } from 'vitest';
import { noise, uploadMultipart } from '../../../test/fileHelpers.js';
import {
  connectWithState,
  roomWith,
  sendMessage,
  startServer,
  type TestServer,
} from '../../../test/helpers.js';

/** What the stores hold of a room, feature by feature. */
async function dataOf(server: TestServer, roomId: string, blobKeys: string[]) {
  const { stores } = server.ctx;
  const files = await stores.files.listFiles(roomId);
  return {
    messages: (await stores.messages.listBefore(roomId, undefined, 100)).messages.map(
      (m) => m.body,
    ),
    files: files.map((f) => f.name),
    blobs: await Promise.all(blobKeys.map((key) => stores.blobs.has(key))),
    docUpdates: (await stores.docs.load(roomId)).updates.length,
    execRuns: (await stores.execRuns.recent({ roomId, limit: 10 })).length,
  };
}

/** A room with a message, a file, a collab update and an exec run in it. */
async function fullRoom(server: TestServer) {
  const { room, members } = await roomWith(server, 'Ada');
  const ada = members[0]!;
  expect((await sendMessage(server, ada, 'hello')).status).toBe(201);
  expect((await uploadMultipart(server, ada, noise(2000), 'notes.bin')).status).toBe(201);
  await server.ctx.stores.docs.appendUpdate(room.id, new Uint8Array([0, 0]));
  await server.ctx.stores.execRuns.append({
    roomId: room.id,
    memberId: ada.member.id,
    language: 'python',
    durationMs: 1,
    exitCode: 0,
    timedOut: false,
    truncated: false,
    createdAt: Date.now(),
  });
  const blobKeys = (await server.ctx.stores.files.listFiles(room.id)).map((f) => f.blobKey);
  return { room, blobKeys };
}

describe('closing a room', () => {
  it('runs closing while the data is there, then each owner deletes its own, then closed', async () => {
    const server = await startServer();
    const { room, blobKeys } = await fullRoom(server);
    const { rooms } = server.ctx;
    const seen: { phase: string; data?: Awaited<ReturnType<typeof dataOf>> }[] = [];
    rooms.on('closing', async (closing, reason) => {
      expect([closing.id, closing.name, reason]).toEqual([room.id, room.name, 'deleted']);
      seen.push({ phase: 'closing', data: await dataOf(server, room.id, blobKeys) });
    });
    rooms.ownData('probe', async (roomId) => {
      expect(roomId).toBe(room.id);
      seen.push({ phase: 'deleting' });
    });
    rooms.on('closed', async (roomId, reason) => {
      expect([roomId, reason]).toEqual([room.id, 'deleted']);
      seen.push({ phase: 'closed', data: await dataOf(server, room.id, blobKeys) });
    });

    await rooms.close(room.id, 'deleted');

    expect(seen).toEqual([
      {
        phase: 'closing',
        data: {
          messages: ['Ada joined', 'hello', expect.any(String)],
          files: ['notes.bin'],
          blobs: [true],
          docUpdates: 1,
          execRuns: 1,
        },
      },
      { phase: 'deleting' },
      {
        phase: 'closed',
        data: { messages: [], files: [], blobs: [false], docUpdates: 0, execRuns: 0 },
      },
    ]);
  });

  it('goes on past a hook or an owner that throws, in every phase', async () => {
    const server = await startServer();
    const { room, blobKeys } = await fullRoom(server);
    const { rooms } = server.ctx;
    const ran: string[] = [];
    const fail = (phase: string) => () => {
      ran.push(`${phase} failed`);
      throw new Error(`${phase} broke`);
    };
    rooms.on('closing', fail('closing'));
    rooms.on('closing', () => void ran.push('closing'));
    rooms.ownData('broken', fail('deleting'));
    rooms.ownData('probe', async () => void ran.push('deleting'));
    rooms.on('closed', fail('closed'));
    rooms.on('closed', () => void ran.push('closed'));

    await rooms.close(room.id, 'deleted');

    expect(ran).toEqual([
      'closing failed',
      'closing',
      'deleting failed',
      'deleting',
      'closed failed',
      'closed',
    ]);
    expect(await dataOf(server, room.id, blobKeys)).toEqual({
      messages: [],
      files: [],
      blobs: [false],
      docUpdates: 0,
      execRuns: 0,
    });
  });

  it('refuses a second owner of the same name and a second contributor of a room:state field', async () => {
    const server = await startServer();
    expect(() => server.ctx.rooms.ownData('chat', async () => {})).toThrow(/already owns/);
    expect(() => server.ctx.rooms.contributeState('files', async () => [])).toThrow(
      /already has files/,
    );
  });
});

describe('room:state', () => {
  it('assembles room:state from the core and the features, fields in their documented order', async () => {
    const server = await startServer();
    const { members } = await roomWith(server, 'Ada');
    const ada = members[0]!;
    const { state } = await connectWithState(server, ada.token);
    expect(Object.keys(state)).toEqual([
      'room',
      'member',
      'members',
      'messages',
      'files',
      'exec',
      'call',
    ]);
  });
});
