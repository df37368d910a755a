import type { Stores } from '../Stores.js';

/**
 * Decides where a room's data lives when a database is configured: a persistent room's in the
 * database (and the configured blob store), an ephemeral room's in RAM, as without a database —
 * so `DATABASE_URL` never makes an ephemeral room's messages or files touch the disk.
 *
 * The side of a room is remembered from its creation, or found by looking the room up (after a
 * restart, or for a room another instance made). An id that names no room goes to RAM: nothing
 * of a room that does not exist is ever written to the database.
 */
export class RoomRouter {
  private readonly sides = new Map<string, Stores>();

  constructor(
    readonly memory: Stores,
    readonly durable: Stores,
  ) {}

  /** The stores of a room being created. */
  place(roomId: string, persistent: boolean): Stores {
    const stores = persistent ? this.durable : this.memory;
    this.sides.set(roomId, stores);
    return stores;
  }

  /** The stores of a known room, without a lookup; undefined when not known yet. */
  known(roomId: string): Stores | undefined {
    return this.sides.get(roomId);
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
}
