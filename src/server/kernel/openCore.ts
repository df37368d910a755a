import type { FastifyInstance } from 'fastify';
import type { Cluster } from '../cluster/openCluster.js';
import type { Config } from '../config.js';
import type { Clock } from '../core/Clock.js';
import { CheckedMemberships } from '../core/CheckedMemberships.js';
import { MemoryExpiringKeys } from '../core/ExpiringKeys.js';
import type { RoomkitContext } from '../core/context.js';
import type { Limits } from '../core/limits.js';
import type { MemoryAccountant } from '../core/MemoryAccountant.js';
import { MemberTokens } from '../core/MemberTokens.js';
import { PresenceTracker } from '../core/PresenceTracker.js';
import { RateLimiters } from '../core/RateLimiters.js';
import { RoomEventBus } from '../core/RoomEventBus.js';
import { RoomService } from '../core/RoomService.js';
import { Outbound, type OutboundOptions } from '../outbound/Outbound.js';
import { openStores, type OpenedStores } from '../storage/openStores.js';

export interface Core {
  ctx: RoomkitContext;
  /** Multi-instance mode's Redis connections, with `REDIS_URL`. */
  cluster: Cluster | undefined;
  /** Memberships this instance checked lately; revocations reach every instance through it. */
  checkedMemberships: CheckedMemberships;
  staging: OpenedStores['staging'];
  dependencies: OpenedStores['checks'];
}

/**
 * Opens what every feature is built on: the event bus, Redis (multi-instance mode), presence,
 * the stores, the rooms with their lifecycle, and the outbound door. Nothing here names a
 * feature.
 */
export async function openCore(
  app: FastifyInstance,
  config: Config,
  parts: {
    clock: Clock;
    accountant: MemoryAccountant;
    limits?: Partial<Limits>;
    /** The outbound door's resolver, ports and limits (tests); FETCH_ALLOW_HOSTS comes from config. */
    outbound?: Omit<OutboundOptions, 'allowHosts'>;
  },
): Promise<Core> {
  const bus = new RoomEventBus((error, event) =>
    app.log.error({ err: error, event: event.name }, 'bus listener failed'),
  );
  const cluster = await openClusterIfConfigured(config, (error) =>
    app.log.error({ err: error }, 'redis failed'),
  );
  const presence = cluster?.presence ?? new PresenceTracker();
  let opened;
  try {
    opened = await openStores(config, {
      accountant: parts.accountant,
      onError: (error) => app.log.error({ err: error }, 'storage failed'),
    });
  } catch (error) {
    await cluster?.close();
    throw error;
  }
  const { stores } = opened;
  const checkedMemberships = new CheckedMemberships();
  const rooms = new RoomService(
    stores,
    bus,
    presence,
    new MemberTokens(config.sessionSecret),
    checkedMemberships,
    parts.clock,
    parts.accountant,
    {
      defaultTtlSeconds: config.roomTtlSeconds,
      maxTtlSeconds: config.roomMaxTtlSeconds,
      emptyRoomGraceSeconds: config.emptyRoomGraceSeconds,
      persistence: config.databaseUrl !== undefined,
      // Shared in Redis with several instances: each sweeps every room, and one of them warns.
      warned: cluster?.keys ?? new MemoryExpiringKeys(() => parts.clock.now()),
    },
    (error) => app.log.error({ err: error }, 'room hook failed'),
  );
  const limits = { ...config.limits, ...parts.limits };
  const sharedLimits = cluster && { redis: cluster.redis, keyPrefix: config.redisKeyPrefix };
  const ctx: RoomkitContext = {
    config,
    clock: parts.clock,
    log: app.log,
    bus,
    rooms,
    presence,
    accountant: parts.accountant,
    stores,
    limits,
    limiters: new RateLimiters(limits, sharedLimits),
    outbound: new Outbound({ ...parts.outbound, allowHosts: config.fetchAllowHosts }),
  };
  return {
    ctx,
    cluster,
    checkedMemberships,
    staging: opened.staging,
    dependencies: cluster ? { ...opened.checks, redis: cluster.check } : opened.checks,
  };
}

/**
 * Multi-instance mode's Redis connections, with `REDIS_URL`. ioredis and the streams adapter
 * are loaded only then: a single instance starts without them.
 */
async function openClusterIfConfigured(
  config: Config,
  onError: (error: Error) => void,
): Promise<Cluster | undefined> {
  if (config.redisUrl === undefined) return undefined;
  const { openCluster } = await import('../cluster/openCluster.js');
  return openCluster({ redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix, onError });
}
