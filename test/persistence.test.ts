/**
 * Persistent rooms with a database (API.md, "Rooms and members", "Collaborative code"): a real
 * server on SQLite and the filesystem blob store is stopped and started again on the same
 * files, and real clients (socket.io-client, fetch, y-websocket) find the room as they left it.
 * Ephemeral rooms on the same server never reach the database or the blob directory, and a room
 * that ends leaves nothing behind in either.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/server/core/Clock.js';
import { download, fileUrl, noise, uploadSocket } from './fileHelpers.js';
import {
  api,
  connectWithState,
  createRoom,
  emitAck,
  join as joinRoom,
  startServer,
  waitFor,
} from './helpers.js';
import { openEditor } from './editors.js';

let dir: string;
let env: Record<string, string>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-persistence-'));
  env = {
    DATABASE_URL: `sqlite:${join(dir, 'data', 'roomkit.db')}`,
    BLOB_STORE: `fs:${join(dir, 'blobs')}`,
    SESSION_SECRET: 'persistence-test-secret-of-32-characters!',
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const nothing = {
  rooms: 0,
  members: 0,
  messages: 0,
  message_counters: 0,
  files: 0,
  doc_snapshots: 0,
  doc_updates: 0,
  exec_runs: 0,
};

/** Rows of every room-keyed table that mention `roomId`, read straight from the database file. */
function rowsOf(roomId: string): typeof nothing {
  const db = new BetterSqlite3(join(dir, 'data', 'roomkit.db'), { readonly: true });
  try {
    const count = (table: string, column: string) =>
      (
        db.prepare(`select count(*) as n from ${table} where ${column} = ?`).get(roomId) as {
          n: number;
        }
      ).n;
    return {
      rooms: count('rooms', 'id'),
      members: count('members', 'room_id'),
      messages: count('messages', 'room_id'),
      message_counters: count('message_counters', 'room_id'),
      files: count('files', 'room_id'),
      doc_snapshots: count('doc_snapshots', 'room_id'),
      doc_updates: count('doc_updates', 'room_id'),
      exec_runs: count('exec_runs', 'room_id'),
    };
  } finally {
    db.close();
  }
}

/** Every file under the blob directory, as paths relative to it. */
async function blobFiles(): Promise<string[]> {
  try {
    const entries = await readdir(join(dir, 'blobs'), { recursive: true, withFileTypes: true });
    return entries
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(join(dir, 'blobs').length + 1))
      .sort();
  } catch {
    return [];
  }
}

describe('a persistent room survives a restart', () => {
  it('keeps members and their tokens, history, file bytes and the code document', async () => {
    const first = await startServer(env);
    // With a database, persistent is the default.
    const room = await createRoom(first, { name: 'Kept' });
    expect(room).toMatchObject({ persistent: true, expiresAt: null });
    const ada = await joinRoom(first, room, 'Ada');
    const grace = await joinRoom(first, room, 'Grace');

    const { socket } = await connectWithState(first, ada.token);
    for (const body of ['first', 'second', 'third'])
      expect(await emitAck(socket, 'message:send', { body })).toMatchObject({ ok: true });
    const bytes = noise(50_000, 'persisted');
    const uploaded = await uploadSocket(socket, 'notes.bin', bytes);
    expect(uploaded).toMatchObject({ ok: true });
    const fileId = uploaded.file.id as string;

    const ran = await emitAck(socket, 'exec:run', {
      language: 'javascript',
      code: 'throw new Error("not kept")',
    });
    expect(ran).toMatchObject({ ok: true });
    const editor = await openEditor(first, ada);
    editor.text.insert(0, 'console.log("kept");');
    await waitFor(() => rowsOf(room.id).doc_updates > 0 || undefined, 5000, 'doc stored');
    editor.close();
    socket.disconnect();

    // An ephemeral room on the same server stays out of the database and the blob directory.
    const ephemeral = await createRoom(first, { persistent: false });
    expect(ephemeral.persistent).toBe(false);
    expect(ephemeral.expiresAt).not.toBeNull();
    const eve = await joinRoom(first, ephemeral, 'Eve');
    const eveSocket = (await connectWithState(first, eve.token)).socket;
    await emitAck(eveSocket, 'message:send', { body: 'not for the disk' });
    expect(
      await emitAck(eveSocket, 'exec:run', { language: 'javascript', code: '1' }),
    ).toMatchObject({ ok: true });
    const eveFile = await uploadSocket(eveSocket, 'secret.bin', noise(10_000, 'ephemeral'));
    expect(eveFile).toMatchObject({ ok: true });
    eveSocket.disconnect();
    expect(rowsOf(ephemeral.id)).toEqual(nothing);
    expect((await blobFiles()).filter((path) => path.includes(ephemeral.id))).toEqual([]);
    expect(await blobFiles()).toHaveLength(2); // the persistent file: its object and its link

    await first.close();

    const second = await startServer(env);
    // The old tokens still work, for REST, Socket.IO and the collab socket.
    const state = await api(second, 'GET', `/api/rooms/${room.id}`, { token: grace.token });
    expect(state.status).toBe(200);
    expect(state.body.room).toEqual(room);
    expect(state.body.members.map((m: { displayName: string }) => m.displayName)).toEqual([
      'Ada',
      'Grace',
    ]);
    const texts = state.body.messages
      .filter((m: { type: string }) => m.type !== 'system')
      .map((m: { body: string }) => m.body);
    expect(texts).toEqual(['first', 'second', 'third', 'notes.bin']);
    expect(state.body.files.map((f: { id: string }) => f.id)).toEqual([fileId]);

    const again = await connectWithState(second, ada.token);
    expect(again.state.messages.map((m: { seq: number }) => m.seq)).toEqual(
      state.body.messages.map((m: { seq: number }) => m.seq),
    );
    const lastSeq = Math.max(...state.body.messages.map((m: { seq: number }) => m.seq));
    const next = await emitAck(again.socket, 'message:send', { body: 'after the restart' });
    expect(next.message.seq).toBe(lastSeq + 1);

    const fetched = await download(second, fileUrl(grace, fileId), { token: grace.token });
    expect(fetched.status).toBe(200);
    expect(Buffer.compare(fetched.bytes, bytes)).toBe(0);

    // The execution log kept the run: who, what language, how it ended.
    expect(rowsOf(room.id).exec_runs).toBe(1);
    expect(await second.use('exec').recentRuns({ roomId: room.id, limit: 10 })).toEqual([
      expect.objectContaining({ memberId: ada.member.id, language: 'javascript', exitCode: 1 }),
    ]);

    const reopened = await openEditor(second, grace);
    expect(reopened.text.toJSON()).toBe('console.log("kept");');

    // The ephemeral room did not survive, and says so.
    const gone = await api(second, 'GET', `/api/rooms/${ephemeral.id}`, { token: eve.token });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('room_not_found');
  });
});

describe('a persistent room that ends leaves nothing behind', () => {
  it('deletes rows, blobs and the document when the room is deleted, keeping bytes another room shares', async () => {
    const server = await startServer(env);
    const shared = noise(20_000, 'shared');
    const rooms = [];
    for (const name of ['One', 'Two']) {
      const room = await createRoom(server, { name, persistent: true });
      const member = await joinRoom(server, room, 'Ada');
      const { socket } = await connectWithState(server, member.token);
      await emitAck(socket, 'message:send', { body: `hello ${name}` });
      await emitAck(socket, 'exec:run', { language: 'javascript', code: '1' });
      expect(rowsOf(room.id).exec_runs).toBe(1);
      expect(await uploadSocket(socket, 'shared.bin', shared)).toMatchObject({ ok: true });
      const editor = await openEditor(server, member);
      editor.text.insert(0, `// ${name}`);
      await waitFor(() => rowsOf(room.id).doc_updates > 0 || undefined, 5000, 'doc stored');
      editor.close();
      socket.disconnect();
      rooms.push({ room, member });
    }
    const [one, two] = rooms as [(typeof rooms)[0], (typeof rooms)[0]];
    // One object, linked from each room.
    expect(await blobFiles()).toHaveLength(3);

    await server.ctx.rooms.close(one.room.id, 'deleted');
    await server.use('collab').flush();
    expect(rowsOf(one.room.id)).toEqual(nothing);
    expect((await blobFiles()).filter((path) => path.includes(one.room.id))).toEqual([]);
    const stillThere = await download(
      server,
      fileUrl(
        two.member,
        (await api(server, 'GET', `/api/rooms/${two.room.id}`, { token: two.member.token })).body
          .files[0].id,
      ),
      { token: two.member.token },
    );
    expect(Buffer.compare(stillThere.bytes, shared)).toBe(0);

    await server.ctx.rooms.close(two.room.id, 'deleted');
    await server.use('collab').flush();
    expect(rowsOf(two.room.id)).toEqual(nothing);
    expect(await blobFiles()).toEqual([]);
  });

  it('deletes everything of a persistent room whose time ran out', async () => {
    const clock = new ManualClock(Date.now());
    const server = await startServer(env, { clock });
    const room = await createRoom(server, { persistent: true, ttlSeconds: 60 });
    const member = await joinRoom(server, room, 'Ada');
    const { socket } = await connectWithState(server, member.token);
    await emitAck(socket, 'message:send', { body: 'short-lived' });
    await emitAck(socket, 'exec:run', { language: 'javascript', code: '1' });
    expect(await uploadSocket(socket, 'a.bin', noise(5_000, 'expiring'))).toMatchObject({
      ok: true,
    });
    const editor = await openEditor(server, member);
    editor.text.insert(0, 'soon gone');
    await waitFor(() => rowsOf(room.id).doc_updates > 0 || undefined, 5000, 'doc stored');
    expect(rowsOf(room.id)).toMatchObject({ rooms: 1, members: 1, files: 1, exec_runs: 1 });

    await clock.advance(65_000);
    await waitFor(() => socket.disconnected || undefined, 5000, 'room closed');
    editor.close();
    await server.use('collab').flush();
    expect(rowsOf(room.id)).toEqual(nothing);
    expect(await blobFiles()).toEqual([]);
  });
});
