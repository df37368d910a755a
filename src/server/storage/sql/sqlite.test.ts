/**
 * The SQLite driver: the storage contract on a real database file (with the filesystem blob
 * store beside it, as `DATABASE_URL=sqlite:…` configures by default), and what SQLite itself
 * must get right: migrations that run once, a database that survives being reopened.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsBlobStore } from '../fs/FsBlobStore.js';
import { describeStoreContract, memberRecord, roomRecord } from '../storeContract.js';
import { closeStores } from '../Stores.js';
import { openSqlDatabase } from './SqlDatabase.js';
import { sqlStores } from './sqlStores.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-sqlite-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStoreContract('sqlite (file) + fs blobs', async () => {
  const database = await openSqlDatabase(`sqlite:${join(dir, 'contract', 'roomkit.db')}`);
  return { ...sqlStores(database), blobs: new FsBlobStore(join(dir, 'blobs')) };
});

describeStoreContract('sqlite (:memory:)', async () => {
  const database = await openSqlDatabase('sqlite::memory:');
  return { ...sqlStores(database), blobs: new FsBlobStore(join(dir, 'blobs-memory')) };
});

describe('sqlite database', () => {
  it('creates the parent directory, uses WAL, and migrates once however often it is opened', async () => {
    const path = join(dir, 'nested', 'deeper', 'roomkit.db');
    const first = await openSqlDatabase(`sqlite:${path}`);
    const stores = { ...sqlStores(first), blobs: new FsBlobStore(join(dir, 'blobs-reopen')) };
    const room = roomRecord({ persistent: true, expiresAt: null });
    const member = memberRecord(room.id);
    await stores.rooms.createRoom(room);
    await stores.rooms.addMember(member);
    await stores.messages.append({
      id: 'm1',
      roomId: room.id,
      type: 'text',
      body: 'kept',
      sender: null,
      createdAt: 1,
    });
    await closeStores(stores);

    const again = await openSqlDatabase(`sqlite:${path}`);
    const reopened = sqlStores(again);
    expect(await reopened.rooms.getRoom(room.id)).toEqual(room);
    expect(await reopened.rooms.listMembers(room.id)).toEqual([member]);
    const next = await reopened.messages.append({
      id: 'm2',
      roomId: room.id,
      type: 'text',
      body: 'after',
      sender: null,
      createdAt: 2,
    });
    expect(next.message.seq).toBe(2);
    await Promise.all(Object.values(reopened).map((store) => store.close()));

    const raw = new BetterSqlite3(path, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const ran = raw.prepare('select name from kysely_migration order by name').all();
      expect(ran).toEqual([
        { name: '001_initial' },
        { name: '002_accounts' },
        { name: '003_member_accounts' },
        { name: '004_audit_log' },
        { name: '005_member_read_seq' },
        { name: '006_embed' },
        { name: '007_previews' },
      ]);
      const tables = raw
        .prepare("select name from sqlite_master where type = 'table' and name not like 'kysely%'")
        .all()
        .map((row) => (row as { name: string }).name)
        .sort();
      expect(tables).toEqual(
        [
          'account_sessions',
          'accounts',
          'audit_log',
          'doc_snapshots',
          'doc_updates',
          'exec_runs',
          'files',
          'members',
          'message_counters',
          'messages',
          'rooms',
          'sqlite_sequence',
          'web_images',
        ].sort(),
      );
    } finally {
      raw.close();
    }
  });

  it('refuses a member of a room that does not exist (foreign keys are on)', async () => {
    const database = await openSqlDatabase('sqlite::memory:');
    const stores = sqlStores(database);
    await expect(stores.rooms.addMember(memberRecord('no-such-room'))).rejects.toThrow(
      /FOREIGN KEY/,
    );
    await Promise.all(Object.values(stores).map((store) => store.close()));
  });
});
