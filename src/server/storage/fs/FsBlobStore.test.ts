/**
 * The filesystem blob driver: the storage contract (with memory drivers for the rest), and what
 * only a driver on disk must get right — its layout, shared objects, refusing keys that are not
 * `<roomId>/<sha256>`, and never leaving half-written files.
 */
import { memoryStores } from '../memory/memoryStores.js';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryAccountant } from '../../core/MemoryAccountant.js';
import { describeStoreContract } from '../storeContract.js';
import { FsBlobStore } from './FsBlobStore.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-blobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describeStoreContract('memory + fs blobs', async () => ({
  ...memoryStores(new MemoryAccountant(64 * 1024 * 1024)),
  blobs: new FsBlobStore(join(dir, 'contract')),
}));

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

describe('FsBlobStore on disk', () => {
  it('keeps one object per content, fanned out by hash, linked from each room', async () => {
    const root = join(dir, 'layout');
    const blobs = new FsBlobStore(root);
    const bytes = Buffer.from('a photo');
    const hash = sha(bytes);
    await Promise.all([
      blobs.put(`roomA/${hash}`, bytes),
      blobs.put(`roomB/${hash}`, bytes),
      blobs.put(`roomB/${hash}`, bytes),
    ]);
    expect(await filesUnder(root)).toEqual([
      join('objects', hash.slice(0, 2), hash.slice(2, 4), hash),
      join('rooms', 'roomA', hash),
      join('rooms', 'roomB', hash),
    ]);
    // One inode: the object and both links.
    expect(
      (await stat(join(root, 'objects', hash.slice(0, 2), hash.slice(2, 4), hash))).nlink,
    ).toBe(3);
    await blobs.deletePrefix('roomA/');
    await blobs.deletePrefix('roomB/');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('refuses keys that are not <roomId>/<sha256>, and bytes that do not hash to the key', async () => {
    const blobs = new FsBlobStore(join(dir, 'hostile'));
    const bytes = Buffer.from('x');
    const hash = sha(bytes);
    for (const key of [
      `../${hash}`,
      `room/../../${hash}`,
      `room/${hash}/more`,
      `room/${hash.toUpperCase()}`,
      `room/${hash.slice(1)}`,
      `/etc/${hash}`,
      `room.x/${hash}`,
      hash,
    ]) {
      await expect(blobs.put(key, bytes)).rejects.toThrow(/not <roomId>\/<sha256>/);
      await expect(blobs.get(key)).rejects.toThrow(/not <roomId>\/<sha256>/);
    }
    await expect(blobs.put(`room/${sha(Buffer.from('y'))}`, bytes)).rejects.toThrow(
      /do not hash to the key/,
    );
    await expect(blobs.deletePrefix('../')).rejects.toThrow(/not a room's prefix/);
    await expect(blobs.deletePrefix('')).rejects.toThrow(/not a room's prefix/);
  });

  it('leaves no temporary files behind, even with many writers of one content at once', async () => {
    const root = join(dir, 'concurrent');
    const blobs = new FsBlobStore(root);
    const bytes = Buffer.alloc(256 * 1024, 7);
    const hash = sha(bytes);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => blobs.put(`room${i % 5}/${hash}`, bytes)),
    );
    const files = await filesUnder(root);
    expect(files.filter((path) => path.includes('.tmp'))).toEqual([]);
    expect(files.filter((path) => path.startsWith('rooms'))).toHaveLength(5);
    for (let i = 0; i < 5; i++) {
      expect(Buffer.compare((await blobs.get(`room${i}/${hash}`)) as Buffer, bytes)).toBe(0);
    }
  });
});
