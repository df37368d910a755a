import { createHash, randomBytes } from 'node:crypto';
import {
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rmdir,
  stat,
  unlink,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BlobStore } from '../BlobStore.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** Room ids are ours (base64url); nothing with a dot or a slash can ever be one. */
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Blobs in a directory (`BLOB_STORE=fs:<dir>`), content-addressed:
 *
 * - `objects/ab/cd/<sha256>` holds the bytes, once however many rooms share them;
 * - `rooms/<roomId>/<sha256>` is a hard link to that object: the room's reference.
 *
 * The file system counts the references (an inode's link count), so deleting a room unlinks its
 * references and removes an object only when no other room links to it — and a room always
 * reads through its own link, which keeps the bytes alive even if the object's entry goes.
 * Objects are written to a temporary file in their own directory, synced, then renamed into
 * place, so a reader or a crash never sees half a blob. Paths are built only from a room id and
 * a hex SHA-256 that are checked first (and the bytes must hash to that SHA-256), so no key can
 * name a path outside the directory. Needs a file system with hard links (any local one).
 */
export class FsBlobStore implements BlobStore {
  private readonly root: string;
  private readonly puts = new Map<string, Promise<void>>();

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const { roomId, sha256 } = parseKey(key);
    if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
      throw new Error(`blob ${key}: the bytes do not hash to the key`);
    }
    // Puts of one content take turns, so rooms sharing it at once still share one object.
    const turn = (this.puts.get(sha256) ?? Promise.resolve()).then(() =>
      this.addReference(roomId, sha256, bytes),
    );
    const tail = turn.catch(() => {});
    this.puts.set(sha256, tail);
    void tail.then(() => {
      if (this.puts.get(sha256) === tail) this.puts.delete(sha256);
    });
    return turn;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const { roomId, sha256 } = parseKey(key);
    try {
      return await readFile(this.referencePath(roomId, sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async has(key: string): Promise<boolean> {
    const { roomId, sha256 } = parseKey(key);
    return exists(this.referencePath(roomId, sha256));
  }

  heldInMemory(): boolean {
    return false;
  }

  /** `prefix` must be a room's `<roomId>/`: blobs are kept per room. */
  async deletePrefix(prefix: string): Promise<void> {
    const roomId = prefix.endsWith('/') ? prefix.slice(0, -1) : '';
    if (!ROOM_ID.test(roomId)) throw new Error(`blob prefix ${prefix}: not a room's prefix`);
    const dir = join(this.root, 'rooms', roomId);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const name of names) {
      await unlink(join(dir, name));
      if (SHA256_HEX.test(name)) await this.dropUnreferenced(this.objectPath(name));
    }
    await rmdir(dir).catch(ignoreMissing);
  }

  async close(): Promise<void> {}

  private async addReference(roomId: string, sha256: string, bytes: Buffer): Promise<void> {
    const reference = this.referencePath(roomId, sha256);
    if (await exists(reference)) return;
    const object = this.objectPath(sha256);
    await mkdir(join(reference, '..'), { recursive: true });
    // Link to the object if another room has it already; otherwise write it first. A room's
    // last reference may be deleted in between, taking the object with it: then write again.
    for (let attempt = 0; ; attempt++) {
      try {
        await link(object, reference);
        return;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') return; // the same bytes put for the same room at once
        if (code !== 'ENOENT' || attempt >= 3) throw error;
      }
      await this.writeObject(object, bytes);
    }
  }

  private objectPath(sha256: string): string {
    return join(this.root, 'objects', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  private referencePath(roomId: string, sha256: string): string {
    return join(this.root, 'rooms', roomId, sha256);
  }

  private async writeObject(object: string, bytes: Buffer): Promise<void> {
    const dir = join(object, '..');
    await mkdir(dir, { recursive: true });
    const temp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const file = await open(temp, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(temp, object);
    } catch (error) {
      await unlink(temp).catch(ignoreMissing);
      throw error;
    }
  }

  /** Removes an object no room links to any more (its only link is its own entry). */
  private async dropUnreferenced(object: string): Promise<void> {
    try {
      if ((await stat(object)).nlink === 1) await unlink(object);
    } catch (error) {
      ignoreMissing(error);
    }
  }
}

function parseKey(key: string): { roomId: string; sha256: string } {
  const [roomId = '', sha256 = '', ...rest] = key.split('/');
  if (rest.length > 0 || !ROOM_ID.test(roomId) || !SHA256_HEX.test(sha256)) {
    throw new Error(`blob key ${JSON.stringify(key)} is not <roomId>/<sha256>`);
  }
  return { roomId, sha256 };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    ignoreMissing(error);
    return false;
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
