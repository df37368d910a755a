import type { Presence } from './Presence.js';

/** Presence on one instance: connection counts per member, in RAM. */
export class PresenceTracker implements Presence {
  private readonly rooms = new Map<string, Map<string, number>>();

  async connect(roomId: string, memberId: string): Promise<boolean> {
    return this.add(roomId, memberId);
  }

  async disconnect(roomId: string, memberId: string): Promise<boolean> {
    return this.remove(roomId, memberId);
  }

  async online(roomId: string): Promise<Set<string>> {
    return new Set(this.rooms.get(roomId)?.keys());
  }

  async isOccupied(roomId: string): Promise<boolean> {
    return this.rooms.has(roomId);
  }

  localConnections(): number {
    let total = 0;
    for (const members of this.rooms.values()) for (const count of members.values()) total += count;
    return total;
  }

  async close(): Promise<void> {}

  /** Counts a connection; true when it is the member's first here. */
  add(roomId: string, memberId: string): boolean {
    let members = this.rooms.get(roomId);
    if (!members) {
      members = new Map();
      this.rooms.set(roomId, members);
    }
    const count = (members.get(memberId) ?? 0) + 1;
    members.set(memberId, count);
    return count === 1;
  }

  /** Uncounts a connection; true when it was the member's last here. */
  remove(roomId: string, memberId: string): boolean {
    const members = this.rooms.get(roomId);
    const count = members?.get(memberId);
    if (!members || count === undefined) return false;
    if (count > 1) {
      members.set(memberId, count - 1);
      return false;
    }
    members.delete(memberId);
    if (members.size === 0) this.rooms.delete(roomId);
    return true;
  }

  /** Every (room, member) with a connection here. */
  *entries(): Iterable<[roomId: string, memberId: string]> {
    for (const [roomId, members] of this.rooms)
      for (const memberId of members.keys()) yield [roomId, memberId];
  }
}
