import type { Preview } from '../../../protocol/schemas.js';
import type { BlobStore } from '../BlobStore.js';
import { WEB_IMAGES_PREFIX } from '../WebImageStore.js';
import type { DocStore, StoredDoc } from '../DocStore.js';
import type { ExecRunStore } from '../ExecRunStore.js';
import type { FileStore } from '../FileStore.js';
import type { MessagePage, MessageStore } from '../MessageStore.js';
import type { ExecRunRecord, FileRecord, MessageDraft, MessageRecord } from '../records.js';
import type { MemoryStores } from '../memory/memoryStores.js';
import type { Stores } from '../Stores.js';
import { RoomRouter } from './RoomRouter.js';
import { RoutedRoomStore } from './RoutedRoomStore.js';

/**
 * One set of stores over two: persistent rooms' data goes to `durable` (the database and its
 * blob store), every other room's to `memory` (docs/decisions/005). A room's data is deleted
 * from both sides, so nothing is left behind whichever side a late write went to. Accounts
 * belong to no room and always go to `durable`.
 */
export function routedStores(memory: MemoryStores, durable: Stores): Stores {
  const router = new RoomRouter(memory, durable);
  return {
    rooms: new RoutedRoomStore(router),
    messages: new RoutedMessageStore(router),
    files: new RoutedFileStore(router),
    blobs: new RoutedBlobStore(router),
    docs: new RoutedDocStore(router),
    execRuns: new RoutedExecRunStore(router),
    accounts: durable.accounts,
    // Global: kept where the database keeps things.
    audit: durable.audit,
    webImages: durable.webImages,
  };
}

class RoutedMessageStore implements MessageStore {
  constructor(private readonly router: RoomRouter) {}

  async append(draft: MessageDraft): Promise<{ message: MessageRecord; created: boolean }> {
    return this.router.run(draft.roomId, (stores) => stores.messages.append(draft));
  }

  async listBefore(
    roomId: string,
    before: number | undefined,
    limit: number,
  ): Promise<MessagePage> {
    return this.router.run(roomId, (stores) => stores.messages.listBefore(roomId, before, limit));
  }

  async listAfter(roomId: string, after: number, limit: number): Promise<MessagePage> {
    return this.router.run(roomId, (stores) => stores.messages.listAfter(roomId, after, limit));
  }

  async getMessage(roomId: string, messageId: string): Promise<MessageRecord | undefined> {
    return this.router.run(roomId, (stores) => stores.messages.getMessage(roomId, messageId));
  }

  async setPreview(
    roomId: string,
    seq: number,
    preview: Preview | null,
  ): Promise<MessageRecord | undefined> {
    return this.router.run(roomId, (stores) => stores.messages.setPreview(roomId, seq, preview));
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.router.memory.messages.deleteRoom(roomId);
    await this.router.durable.messages.deleteRoom(roomId);
  }

  async close(): Promise<void> {
    await Promise.all([this.router.memory.messages.close(), this.router.durable.messages.close()]);
  }
}

class RoutedFileStore implements FileStore {
  constructor(private readonly router: RoomRouter) {}

  async addFile(file: FileRecord): Promise<void> {
    await this.router.run(file.roomId, (stores) => stores.files.addFile(file));
  }

  async getFile(roomId: string, fileId: string): Promise<FileRecord | undefined> {
    return this.router.run(roomId, (stores) => stores.files.getFile(roomId, fileId));
  }

  async listFiles(roomId: string): Promise<FileRecord[]> {
    return this.router.run(roomId, (stores) => stores.files.listFiles(roomId));
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.router.memory.files.deleteRoom(roomId);
    await this.router.durable.files.deleteRoom(roomId);
  }

  async close(): Promise<void> {
    await Promise.all([this.router.memory.files.close(), this.router.durable.files.close()]);
  }
}

/** Blob keys are `<roomId>/<sha256>`: the room is the part before the slash. */
const roomOf = (key: string) => key.slice(0, key.indexOf('/'));

/**
 * Room blobs go where their room's data goes; the image proxy's (`web-images/`, global like
 * its index) always to the durable side.
 */
class RoutedBlobStore implements BlobStore {
  constructor(private readonly router: RoomRouter) {}

  put(key: string, bytes: Buffer): Promise<void> {
    return this.on(key, (blobs) => blobs.put(key, bytes));
  }

  get(key: string): Promise<Buffer | undefined> {
    return this.on(key, (blobs) => blobs.get(key));
  }

  has(key: string): Promise<boolean> {
    return this.on(key, (blobs) => blobs.has(key));
  }

  heldInMemory(key: string): boolean {
    if (key.startsWith(WEB_IMAGES_PREFIX)) return this.router.durable.blobs.heldInMemory(key);
    return (this.router.known(roomOf(key)) ?? this.router.memory).blobs.heldInMemory(key);
  }

  private on<T>(key: string, action: (blobs: BlobStore) => Promise<T>): Promise<T> {
    if (key.startsWith(WEB_IMAGES_PREFIX)) return action(this.router.durable.blobs);
    return this.router.run(roomOf(key), (stores) => action(stores.blobs));
  }

  async deletePrefix(prefix: string): Promise<void> {
    await this.router.memory.blobs.deletePrefix(prefix);
    await this.router.durable.blobs.deletePrefix(prefix);
  }

  async close(): Promise<void> {
    await Promise.all([this.router.memory.blobs.close(), this.router.durable.blobs.close()]);
  }
}

class RoutedDocStore implements DocStore {
  constructor(private readonly router: RoomRouter) {}

  async load(roomId: string): Promise<StoredDoc> {
    return this.router.run(roomId, (stores) => stores.docs.load(roomId));
  }

  async appendUpdate(roomId: string, update: Uint8Array): Promise<void> {
    await this.router.run(roomId, (stores) => stores.docs.appendUpdate(roomId, update));
  }

  async replace(roomId: string, snapshot: Uint8Array, cursor?: number): Promise<void> {
    await this.router.run(roomId, (stores) => stores.docs.replace(roomId, snapshot, cursor));
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.router.memory.docs.deleteRoom(roomId);
    await this.router.durable.docs.deleteRoom(roomId);
  }

  async close(): Promise<void> {
    await Promise.all([this.router.memory.docs.close(), this.router.durable.docs.close()]);
  }
}

class RoutedExecRunStore implements ExecRunStore {
  constructor(private readonly router: RoomRouter) {}

  async append(run: ExecRunRecord): Promise<void> {
    await this.router.run(run.roomId, (stores) => stores.execRuns.append(run));
  }

  /** Across rooms, the newest of both sides, by time (each side is newest first already). */
  async recent(options: { roomId?: string; limit: number }): Promise<ExecRunRecord[]> {
    if (options.roomId !== undefined)
      return this.router.run(options.roomId, (stores) => stores.execRuns.recent(options));
    const [memory, durable] = await Promise.all([
      this.router.memory.execRuns.recent(options),
      this.router.durable.execRuns.recent(options),
    ]);
    return [...memory, ...durable]
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, options.limit);
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.router.memory.execRuns.deleteRoom(roomId);
    await this.router.durable.execRuns.deleteRoom(roomId);
  }

  async close(): Promise<void> {
    await Promise.all([this.router.memory.execRuns.close(), this.router.durable.execRuns.close()]);
  }
}
