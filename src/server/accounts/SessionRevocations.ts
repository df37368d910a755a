import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { AppError } from '../core/AppError.js';
import type { Clock } from '../core/Clock.js';
import type { ClusterChannel } from '../core/ClusterChannel.js';
import type { MemberClaims } from '../core/MemberTokens.js';
import type { AccountStore } from '../storage/AccountStore.js';
import type { LiveConnections } from '../transport/LiveConnections.js';

const TOPIC = 'account-sessions-revoked';
const revokedSchema = z.array(z.string().min(1).max(64)).max(10_000);

/**
 * How long this instance trusts a session it found live without looking again. It bounds how
 * late a revocation takes effect on an instance that never hears of it (cut off from Redis);
 * every other instance hears at once.
 */
export const SESSION_CHECK_MS = 2_000;

/**
 * A revoked account session ends everywhere at once: the member tokens issued to it stop working
 * (a token guard on every use) and every live connection made with them — Socket.IO, SSE, collab
 * — is closed with `signed_out`, on this instance and, over the cluster channel, on every other.
 */
export class SessionRevocations {
  private readonly checked = new LRUCache<string, true>({ max: 10_000, ttl: SESSION_CHECK_MS });
  private readonly unsubscribe: (() => void) | undefined;

  constructor(
    private readonly store: AccountStore,
    private readonly clock: Clock,
    private readonly idleMs: number,
    private readonly live: LiveConnections,
    private readonly channel?: ClusterChannel,
  ) {
    this.unsubscribe = channel?.subscribe(TOPIC, (message) => {
      const ids = revokedSchema.safeParse(parseJson(message));
      if (ids.success) this.end(ids.data);
    });
  }

  /** The token guard: a token of a session that has ended is 401 `unauthorized`. */
  readonly check = async (claims: MemberClaims): Promise<void> => {
    const { sessionId } = claims;
    if (sessionId === undefined || this.checked.has(sessionId)) return;
    const session = await this.store.getSession(sessionId);
    const live =
      session !== undefined &&
      session.revokedAt === null &&
      this.clock.now() - session.lastSeenAt <= this.idleMs;
    if (!live) throw new AppError('unauthorized', 'You signed out: sign in again to come back.');
    this.checked.set(sessionId, true);
  };

  /** The sessions were revoked (in the store already): end them here and everywhere else. */
  revoked(sessionIds: readonly string[]): void {
    if (sessionIds.length === 0) return;
    this.end(sessionIds);
    this.channel?.publish(TOPIC, new TextEncoder().encode(JSON.stringify(sessionIds)));
  }

  close(): void {
    this.unsubscribe?.();
  }

  private end(sessionIds: readonly string[]): void {
    for (const id of sessionIds) this.checked.delete(id);
    this.live.endSessions(sessionIds);
  }
}

function parseJson(message: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(message));
  } catch {
    return undefined;
  }
}
