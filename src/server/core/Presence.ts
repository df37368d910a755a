/**
 * Who is connected, counted per member across all their sockets and SSE streams — on this
 * instance (`PresenceTracker`) or on every instance (`cluster/RedisPresence`). A member is online
 * while they have at least one connection anywhere.
 */
export interface Presence {
  /** Counts a connection; resolves true when it is the member's first (they just came online). */
  connect(roomId: string, memberId: string): Promise<boolean>;
  /** Uncounts a connection; resolves true when it was the member's last (they just went offline). */
  disconnect(roomId: string, memberId: string): Promise<boolean>;
  /** The ids of the room's members that are online. */
  online(roomId: string): Promise<Set<string>>;
  /** Whether anyone at all is connected to the room. */
  isOccupied(roomId: string): Promise<boolean>;
  /** Connections open on this instance (for the metrics). */
  localConnections(): number;
  close(): Promise<void>;
}
