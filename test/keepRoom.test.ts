/**
 * Keeping a room (`POST /api/rooms/:roomId/keep`): with a database, an ephemeral room that its
 * owner keeps becomes persistent while people are in it — its members, history, files, code
 * document and runs move from RAM to the database and blob store, live connections carry on,
 * and a restart finds the room as it was. Real servers on SQLite and Postgres, real clients.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { download, fileUrl, noise, uploadSocket } from './fileHelpers.js';
import {
  api,
  connectWithState,
  createRoom,
  emitAck,
  join as joinRoom,
  openEvents,
  startServer,
  waitFor,
} from './helpers.js';
import { openEditor } from './editors.js';
import { usePostgres } from './postgres.js';
import { lacks } from './requirements.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-keep-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const freshPostgres = usePostgres();
const databases = [
  { name: 'SQLite', skip: false, url: async () => `sqlite:${join(dir, 'roomkit.db')}` },
  { name: 'Postgres', skip: lacks('postgres'), url: freshPostgres },
];

function keep(server: { url: string }, roomId: string, token: string) {
  return api(server, 'POST', `/api/rooms/${roomId}/keep`, { token });
}

describe.each(databases)('keeping an ephemeral room on $name', ({ skip, url }) => {
  it.skipIf(skip)(
    'moves everything to the database while people are in it, and a restart finds it whole',
    async () => {
      const env = {
        DATABASE_URL: await url(),
        BLOB_STORE: `fs:${join(dir, 'blobs')}`,
        SESSION_SECRET: 'keep-room-test-secret-of-32-characters!!',
      };
      const first = await startServer(env);
      const room = await createRoom(first, { name: 'Harbour trip', persistent: false });
      expect(room).toMatchObject({ persistent: false, expiresAt: expect.any(String) });
      const ada = await joinRoom(first, room, 'Ada');
      const grace = await joinRoom(first, room, 'Grace');

      const adaSocket = (await connectWithState(first, ada.token)).socket;
      for (const body of ['one', 'two'])
        expect(await emitAck(adaSocket, 'message:send', { body })).toMatchObject({ ok: true });
      const bytes = noise(30_000, 'kept file');
      const uploaded = await uploadSocket(adaSocket, 'notes.bin', bytes);
      expect(uploaded).toMatchObject({ ok: true });
      expect(
        await emitAck(adaSocket, 'exec:run', { language: 'javascript', code: 'console.log(1)' }),
      ).toMatchObject({ ok: true });
      const editor = await openEditor(first, ada);
      editor.text.insert(0, 'before ');
      const graceSocket = await connectWithState(first, grace.token);
      const graceStream = openEvents(first, room.id, grace.token);
      await graceStream.opened;

      // Only the owner keeps the room.
      const refused = await keep(first, room.id, grace.token);
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('forbidden');

      const kept = await keep(first, room.id, ada.token);
      expect(kept.status, JSON.stringify(kept.body)).toBe(200);
      const keptRoom = { ...room, persistent: true, expiresAt: null };
      expect(kept.body).toEqual({ room: keptRoom });
      await waitFor(
        () => graceSocket.events.some((e) => e.name === 'room:updated') || undefined,
        5000,
        'room:updated over Socket.IO',
      );
      expect(graceSocket.events.filter((e) => e.name === 'room:updated')).toEqual([
        expect.objectContaining({ payload: { room: keptRoom } }),
      ]);
      await waitFor(
        () => graceStream.events.some((e) => e.name === 'room:updated') || undefined,
        5000,
        'room:updated over SSE',
      );
      // Keeping it again changes nothing.
      expect((await keep(first, room.id, ada.token)).body).toEqual({ room: keptRoom });

      // The live connections carry on: a message, an edit and an upload after the move.
      expect(await emitAck(adaSocket, 'message:send', { body: 'three' })).toMatchObject({
        ok: true,
        message: { seq: expect.any(Number) },
      });
      editor.text.insert(editor.text.length, 'after');
      const later = await uploadSocket(adaSocket, 'later.bin', noise(5_000, 'later'));
      expect(later).toMatchObject({ ok: true });
      const state = await api(first, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
      expect(state.body.room).toEqual(keptRoom);
      await first.use('collab').flush();
      editor.close();
      adaSocket.disconnect();
      graceSocket.socket.disconnect();
      graceStream.source.close();
      await first.close();

      const second = await startServer(env);
      const after = await api(second, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
      expect(after.status, JSON.stringify(after.body)).toBe(200);
      expect(after.body.room).toEqual(keptRoom);
      expect(after.body.members.map((m: { displayName: string }) => m.displayName)).toEqual([
        'Ada',
        'Grace',
      ]);
      expect(after.body.messages.map((m: { seq: number }) => m.seq)).toEqual(
        state.body.messages.map((m: { seq: number }) => m.seq),
      );
      expect(
        after.body.messages
          .filter((m: { type: string }) => m.type === 'text')
          .map((m: { body: string }) => m.body),
      ).toEqual(['one', 'two', 'three']);
      for (const [fileId, expected] of [
        [uploaded.file.id, bytes],
        [later.file.id, undefined],
      ] as const) {
        const fetched = await download(second, fileUrl(grace, fileId), { token: grace.token });
        expect(fetched.status).toBe(200);
        if (expected) expect(Buffer.compare(fetched.bytes, expected)).toBe(0);
      }
      expect(await second.use('exec').recentRuns({ roomId: room.id, limit: 10 })).toEqual([
        expect.objectContaining({ memberId: ada.member.id, language: 'javascript' }),
      ]);
      const reopened = await openEditor(second, grace);
      expect(reopened.text.toJSON()).toBe('before after');
      reopened.close();
    },
  );
});

describe('keeping a room without a database', () => {
  it('is refused with 400 invalid_request, and the room keeps its end', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const ada = await joinRoom(server, room, 'Ada');
    const refused = await keep(server, room.id, ada.token);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: ada.token });
    expect(state.body.room).toEqual(room);
  });

  it('needs a member token of the room', async () => {
    const server = await startServer();
    const room = await createRoom(server);
    const other = await createRoom(server);
    const eve = await joinRoom(server, other, 'Eve');
    expect((await keep(server, room.id, 'forged')).status).toBe(401);
    expect((await keep(server, room.id, eve.token)).status).toBe(403);
  });
});
