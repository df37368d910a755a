import { EXEC_RUNS_PER_ROOM } from '../ExecRunStore.js';
import type { MemoryStores } from '../memory/memoryStores.js';
import type { Stores } from '../Stores.js';

/** What a move waits for: the operations on the room that started before it. */
interface RoomTraffic {
  running: number;
  drained?: () => void;
}

/**
 * Decides where a room's data lives when a database is configured: a persistent room's in the
 * database (and the configured blob store), an ephemeral room's in RAM, as without a database —
 * so `DATABASE_URL` never makes an ephemeral room's messages or files touch the disk.
 *
 * The side of a room is remembered from its creation, or found by looking the room up (after a
 * restart, or for a room another instance made). An id that names no room goes to RAM: nothing
 * of a room that does not exist is ever written to the database.
 *
 * An ephemeral room that its owner keeps moves to the durable side (`moveToDurable`). Every
 * operation on a room runs through `run`, so a move can wait for the operations already under
 * way and hold back new ones until the room's data is on its new side: nothing is written to
 * the side it is leaving once its data has been copied.
 */
export class RoomRouter {
  private readonly sides = new Map<string, Stores>();
  private readonly traffic = new Map<string, RoomTraffic>();
  private readonly moves = new Map<string, Promise<void>>();

  constructor(
    readonly memory: MemoryStores,
    readonly durable: Stores,
  ) {}

  /** The stores of a room being created. */
  place(roomId: string, persistent: boolean): Stores {
    const stores = persistent ? this.durable : this.memory;
    this.sides.set(roomId, stores);
    return stores;
  }

  /** The stores of a known room that is not moving, without a lookup; undefined otherwise. */
  known(roomId: string): Stores | undefined {
    return this.moves.has(roomId) ? undefined : this.sides.get(roomId);
  }

  /**
   * Runs `op` on the stores of the room, counted as traffic of the room until it settles. For a
   * known room that is not moving, `op` starts in this tick (no await first): FileService counts
   * on the memory driver holding an upload's bytes right after it let the upload's reservation go.
   */
  run<T>(roomId: string, op: (stores: Stores) => Promise<T>): Promise<T> {
    const known = this.known(roomId);
    if (known) return this.counted(roomId, () => op(known));
    return (async () => {
      for (let move = this.moves.get(roomId); move; move = this.moves.get(roomId)) {
        await move.catch(() => {});
      }
      return this.counted(roomId, async () => op(await this.storesFor(roomId)));
    })();
  }

  /**
   * Moves an ephemeral room's data — the room and its members, messages (ids and `seq` as they
   * are), files and their bytes, collaborative document and code runs — to the durable side,
   * then deletes it from RAM. Operations on the room wait meanwhile. On a failure the copies are
   * deleted and the room stays in RAM, whole. Nothing to do for a room already durable.
   */
  moveToDurable(roomId: string): Promise<void> {
    const before = this.moves.get(roomId);
    // Registered in this tick, so operations (and another move) that come later wait for it.
    const move = (async () => {
      await before?.catch(() => {});
      if ((await this.storesFor(roomId)) !== this.memory) return;
      await this.drained(roomId);
      if (!(await this.copyToDurable(roomId))) return;
      this.sides.set(roomId, this.durable);
      await deleteRoomData(this.memory, roomId);
    })();
    this.moves.set(roomId, move);
    const settled = () => {
      if (this.moves.get(roomId) === move) this.moves.delete(roomId);
    };
    return move.then(settled, (error: unknown) => {
      settled();
      throw error;
    });
  }

  async storesFor(roomId: string): Promise<Stores> {
    const known = this.sides.get(roomId);
    if (known) return known;
    if (await this.memory.rooms.getRoom(roomId)) return this.place(roomId, false);
    if (await this.durable.rooms.getRoom(roomId)) return this.place(roomId, true);
    return this.memory;
  }

  /** The room is gone; its data is deleted on both sides, so its side need not be kept. */
  forget(roomId: string): void {
    this.sides.delete(roomId);
  }

  private async counted<T>(roomId: string, op: () => Promise<T>): Promise<T> {
    const traffic = this.traffic.get(roomId) ?? { running: 0 };
    this.traffic.set(roomId, traffic);
    traffic.running++;
    try {
      return await op();
    } finally {
      if (--traffic.running === 0) {
        this.traffic.delete(roomId);
        traffic.drained?.();
      }
    }
  }

  /** Resolves once no operation on the room is running. */
  private drained(roomId: string): Promise<void> {
    const traffic = this.traffic.get(roomId);
    if (!traffic) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = traffic.drained;
      traffic.drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** Copies the room's data from RAM to the durable side; false when RAM holds no such room. */
  private async copyToDurable(roomId: string): Promise<boolean> {
    const from = this.memory;
    const to = this.durable;
    const room = await from.rooms.getRoom(roomId);
    if (!room) return false;
    try {
      await to.rooms.createRoom(room);
      for (const member of await from.rooms.listMembers(roomId)) await to.rooms.addMember(member);
      for (let after = 0, hasMore = true; hasMore;) {
        const page = await from.messages.listAfter(roomId, after, 500);
        for (const { seq, ...message } of page.messages) {
          const { message: copied } = await to.messages.append(message);
          // seq has no gaps, so appending in order gives every message its seq again.
          if (copied.seq !== seq) throw new Error(`message ${message.id} would change its seq`);
          after = seq;
        }
        hasMore = page.hasMore;
      }
      // Every blob of the room, also one whose file record is still on its way.
      for (const key of from.blobs.keys(`${roomId}/`)) {
        const bytes = await from.blobs.get(key);
        if (bytes) await to.blobs.put(key, bytes);
      }
      for (const file of await from.files.listFiles(roomId)) await to.files.addFile(file);
      const doc = await from.docs.load(roomId);
      for (const update of doc.snapshot ? [doc.snapshot, ...doc.updates] : doc.updates) {
        await to.docs.appendUpdate(roomId, update);
      }
      const runs = await from.execRuns.recent({ roomId, limit: EXEC_RUNS_PER_ROOM });
      for (const run of runs.reverse()) await to.execRuns.append(run);
      return true;
    } catch (error) {
      await deleteRoomData(to, roomId).catch(() => {});
      throw error;
    }
  }
}

/** Everything of one room on one side. */
async function deleteRoomData(stores: Stores, roomId: string): Promise<void> {
  await stores.messages.deleteRoom(roomId);
  await stores.files.deleteRoom(roomId);
  await stores.blobs.deletePrefix(`${roomId}/`);
  await stores.docs.deleteRoom(roomId);
  await stores.execRuns.deleteRoom(roomId);
  await stores.rooms.deleteRoom(roomId);
}
