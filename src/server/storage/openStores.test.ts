/**
 * Choosing drivers from the configuration (API.md, "Running": DATABASE_URL, BLOB_STORE).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { MemoryAccountant } from '../core/MemoryAccountant.js';
import { openStores } from './openStores.js';
import { roomRecord } from './storeContract.js';
import { closeStores } from './Stores.js';

const SECRET = 'open-stores-test-secret-of-32-characters';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-open-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = Buffer.from('bytes');
const key = (roomId: string) => `${roomId}/${createHash('sha256').update(bytes).digest('hex')}`;

describe('openStores', () => {
  it('keeps everything in RAM without a database, counted by the accountant', async () => {
    const accountant = new MemoryAccountant(1024 * 1024);
    const { stores, checks, staging } = await openStores(loadConfig({}), { accountant });
    const room = roomRecord();
    await stores.rooms.createRoom(room);
    await stores.blobs.put(key(room.id), bytes);
    expect(stores.blobs.heldInMemory(key(room.id))).toBe(true);
    expect(accountant.usedBytes).toBe(bytes.byteLength);
    // Nothing outside the process to check, and nowhere to stage direct uploads.
    expect(checks).toEqual({});
    expect(staging).toBeUndefined();
    await closeStores(stores);
  });

  it('puts blobs on disk when BLOB_STORE=fs:<dir>, uncounted', async () => {
    const accountant = new MemoryAccountant(1024 * 1024);
    const blobDir = join(dir, 'fs-only');
    const { stores } = await openStores(loadConfig({ BLOB_STORE: `fs:${blobDir}` }), {
      accountant,
    });
    await stores.blobs.put(key('room1'), bytes);
    expect(stores.blobs.heldInMemory(key('room1'))).toBe(false);
    expect(accountant.usedBytes).toBe(0);
    expect(await readdir(join(blobDir, 'rooms'))).toEqual(['room1']);
    await closeStores(stores);
  });

  it('migrates a SQLite database and keeps persistent rooms (and their blobs, beside it) there', async () => {
    const config = loadConfig({
      DATABASE_URL: `sqlite:${join(dir, 'sqlite', 'roomkit.db')}`,
      SESSION_SECRET: SECRET,
    });
    const accountant = new MemoryAccountant(1024 * 1024);
    const { stores, checks } = await openStores(config, { accountant });
    expect(Object.keys(checks)).toEqual(['database']);
    await checks.database!(AbortSignal.timeout(1000));
    const room = roomRecord({ persistent: true, expiresAt: null });
    await stores.rooms.createRoom(room);
    await stores.blobs.put(key(room.id), bytes);
    expect(accountant.usedBytes).toBe(0);
    await closeStores(stores);
    expect((await readdir(join(dir, 'sqlite'))).sort()).toEqual(
      expect.arrayContaining(['blobs', 'roomkit.db']),
    );
    const { stores: reopened } = await openStores(config, { accountant });
    expect(await reopened.rooms.getRoom(room.id)).toEqual(room);
    expect(Buffer.compare((await reopened.blobs.get(key(room.id))) as Buffer, bytes)).toBe(0);
    await closeStores(reopened);
  });

  it('fails to start when the database cannot be reached', async () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
      SESSION_SECRET: SECRET,
    });
    await expect(
      openStores(config, { accountant: new MemoryAccountant(1024 * 1024) }),
    ).rejects.toThrow(/^DATABASE_URL: cannot connect \(.*ECONNREFUSED/);
  });
});
