/**
 * Who is connected, counted per member across all their sockets and SSE streams. A member is
 * online while they have at least one connection. (Cluster mode keeps these counts in Redis.)
 */
export class PresenceTracker {
  private readonly rooms = new Map<string, Map<string, number>>();

  /** Counts a connection; returns true when it is the member's first (they just came online). */
  connect(roomId: string, memberId: string): boolean {
    let members = this.rooms.get(roomId);
    if (!members) {
      members = new Map();
      this.rooms.set(roomId, members);
    }
    const count = (members.get(memberId) ?? 0) + 1;
    members.set(memberId, count);
    return count === 1;
  }

  /** Uncounts a connection; returns true when it was the member's last (they just went offline). */
  disconnect(roomId: string, memberId: string): boolean {
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

  isOnline(roomId: string, memberId: string): boolean {
    return this.rooms.get(roomId)?.has(memberId) ?? false;
  }

  /** Whether anyone at all is connected to the room. */
  isOccupied(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  connections(): number {
    let total = 0;
    for (const members of this.rooms.values()) for (const count of members.values()) total += count;
    return total;
  }
}
