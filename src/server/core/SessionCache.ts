import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { Session } from './RoomService.js';

/**
 * How long this instance uses a session it checked against the store without checking it again.
 * It bounds how late a revocation can take effect on an instance that never hears of it (one
 * cut off from Redis); see decision 001.
 */
export const SESSION_CHECK_MS = 2_000;

/** Rooms whose checked sessions are kept; each holds one entry per member who acted lately. */
const MAX_ROOMS = 10_000;

/**
 * The other instances' part of a revocation: resolves once every one of them has dropped the
 * room's sessions. It may stay pending (an instance that does not answer) or reject; `revoke`
 * then waits until whatever they kept has run out instead.
 */
export type PeerRevocation = (roomId: string) => Promise<void>;

interface Checked {
  session: Session;
  /** `performance.now()` past which the entry is not used: SESSION_CHECK_MS after its read began. */
  until: number;
}

/**
 * Sessions this instance checked against the store lately (the room live, the member still in
 * it), so a member's burst of events costs one read instead of one each. Whatever revokes a
 * session — the member leaving, the room ending, a role changing — goes through `forget` (this
 * instance, at once) and `revoke` (every instance, before the change is acknowledged).
 */
export class SessionCache {
  private readonly rooms = new LRUCache<string, Map<string, Checked>>({ max: MAX_ROOMS });
  /**
   * Counts the revocations on this instance. A read that overlapped one may have seen the store
   * before the change, so its result is used once and not kept.
   */
  private revocations = 0;
  private peers: PeerRevocation | undefined;

  constructor(private readonly checkMs = SESSION_CHECK_MS) {}

  /** The member's session as checked less than SESSION_CHECK_MS ago, if it was. */
  get(roomId: string, memberId: string): Session | undefined {
    const checked = this.rooms.get(roomId)?.get(memberId);
    return checked !== undefined && checked.until > performance.now() ? checked.session : undefined;
  }

  /** Checks the session with `read` and keeps the result, unless a revocation came meanwhile. */
  async check(roomId: string, memberId: string, read: () => Promise<Session>): Promise<Session> {
    const startedAt = performance.now();
    const revocations = this.revocations;
    const session = await read();
    if (revocations === this.revocations) {
      let members = this.rooms.get(roomId);
      if (members === undefined) {
        members = new Map();
        this.rooms.set(roomId, members);
      }
      members.set(memberId, { session, until: startedAt + this.checkMs });
    }
    return session;
  }

  /** Drops the room's sessions on this instance, at once. */
  forget(roomId: string): void {
    this.revocations++;
    this.rooms.delete(roomId);
  }

  /**
   * Drops the room's sessions here and on every other instance. Call it once the change is in
   * the store; it resolves when every instance has dropped them or, if one does not say so, when
   * SESSION_CHECK_MS has passed and anything it kept has run out.
   */
  async revoke(roomId: string): Promise<void> {
    this.forget(roomId);
    if (this.peers === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const ranOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.checkMs)));
    try {
      await Promise.race([this.peers(roomId).catch(() => ranOut), ranOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Multi-instance mode: how revocations reach the other instances. Returns the undo. */
  relayTo(peers: PeerRevocation): () => void {
    this.peers = peers;
    return () => {
      if (this.peers === peers) this.peers = undefined;
    };
  }
}
