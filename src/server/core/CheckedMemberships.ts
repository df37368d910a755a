import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import type { Membership } from './Membership.js';

/**
 * How long this instance uses a membership it checked against the store without checking it again.
 * It bounds how late a revocation can take effect on an instance that never hears of it (one
 * cut off from Redis); see decision 001.
 */
export const MEMBERSHIP_CHECK_MS = 2_000;

/** Rooms whose checked memberships are kept; each holds one entry per member who acted lately. */
const MAX_ROOMS = 10_000;

/**
 * The other instances' part of a revocation: resolves once every one of them has dropped the
 * room's memberships. It may stay pending (an instance that does not answer) or reject; `revoke`
 * then waits until whatever they kept has run out instead.
 */
export type PeerRevocation = (roomId: string) => Promise<void>;

interface Checked {
  membership: Membership;
  /** `performance.now()` past which the entry is not used: MEMBERSHIP_CHECK_MS after its read began. */
  until: number;
}

/**
 * Sessions this instance checked against the store lately (the room live, the member still in
 * it), so a member's burst of events costs one read instead of one each. Whatever revokes a
 * membership — the member leaving, the room ending, a role changing — goes through `forget` (this
 * instance, at once) and `revoke` (every instance, before the change is acknowledged).
 */
export class CheckedMemberships {
  private readonly rooms = new LRUCache<string, Map<string, Checked>>({ max: MAX_ROOMS });
  /**
   * Counts the revocations on this instance. A read that overlapped one may have seen the store
   * before the change, so its result is used once and not kept.
   */
  private revocations = 0;
  private peers: PeerRevocation | undefined;

  constructor(private readonly checkMs = MEMBERSHIP_CHECK_MS) {}

  /** The member's membership as checked less than MEMBERSHIP_CHECK_MS ago, if it was. */
  get(roomId: string, memberId: string): Membership | undefined {
    const checked = this.rooms.get(roomId)?.get(memberId);
    return checked !== undefined && checked.until > performance.now()
      ? checked.membership
      : undefined;
  }

  /** Checks the membership with `read` and keeps the result, unless a revocation came meanwhile. */
  async check(
    roomId: string,
    memberId: string,
    read: () => Promise<Membership>,
  ): Promise<Membership> {
    const startedAt = performance.now();
    const revocations = this.revocations;
    const membership = await read();
    if (revocations === this.revocations) {
      let members = this.rooms.get(roomId);
      if (members === undefined) {
        members = new Map();
        this.rooms.set(roomId, members);
      }
      members.set(memberId, { membership, until: startedAt + this.checkMs });
    }
    return membership;
  }

  /** Drops the room's memberships on this instance, at once. */
  forget(roomId: string): void {
    this.revocations++;
    this.rooms.delete(roomId);
  }

  /**
   * Drops the room's memberships here and on every other instance. Call it once the change is in
   * the store; it resolves when every instance has dropped them or, if one does not say so, when
   * MEMBERSHIP_CHECK_MS has passed and anything it kept has run out.
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
