import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import { ConfigError } from '../config.js';
import { randomId } from '../core/ids.js';
import { RedisChannel } from './RedisChannel.js';
import { RedisExpiringKeys } from './RedisExpiringKeys.js';
import { RedisInstanceReports } from './RedisInstanceReports.js';
import { RedisPresence } from './RedisPresence.js';

export interface Cluster {
  /** Socket.IO's adapter: packets and server-side events through a Redis stream. */
  adapter: ReturnType<typeof createAdapter>;
  presence: RedisPresence;
  /** Messages between instances that are not room events (Yjs updates). */
  channel: RedisChannel;
  /** For short commands (presence, rate limits): fails fast while Redis is away. */
  redis: Redis;
  /** Expiring keys every instance sees (dropped recovery sessions). */
  keys: RedisExpiringKeys;
  /** Each instance's figures of itself, read by the others (admin connection counts). */
  reports: RedisInstanceReports;
  /** For /readyz: resolves while Redis answers. */
  check: (signal: AbortSignal) => Promise<void>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  redisUrl: string;
  keyPrefix: string;
  /** Told about Redis failures; the instance keeps serving its own clients meanwhile. */
  onError: (error: Error) => void;
}

/** How long start-up waits for Redis before it gives up with one clear line. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long a shutdown waits for Redis to acknowledge QUIT. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * Multi-instance mode (`REDIS_URL`, API.md "Running"): Socket.IO's Redis Streams adapter, which
 * resumes its stream after a Redis outage and keeps connection-state-recovery sessions in Redis,
 * so a client recovers on whichever instance it reconnects to; presence in Redis; and a pub/sub
 * channel for the collaborative documents. Three connections: the adapter's (its blocking reads
 * get a duplicate of it), the channel's subscriber, and one for presence, rate limits, publishing
 * and checks that fails fast while Redis is away instead of queueing, so a Redis outage never
 * stalls a connection — presence answers from this instance's view until Redis is back.
 */
export async function openCluster(options: ClusterOptions): Promise<Cluster> {
  const instanceId = randomId();
  const adapterClient = new Redis(options.redisUrl, {
    lazyConnect: true,
    connectionName: `roomkit-${instanceId}`,
  });
  const commands = new Redis(options.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectionName: `roomkit-${instanceId}-presence`,
  });
  const subscriber = new Redis(options.redisUrl, {
    lazyConnect: true,
    connectionName: `roomkit-${instanceId}-channel`,
  });
  const clients = [adapterClient, commands, subscriber];
  for (const client of clients) client.on('error', options.onError);
  try {
    await withTimeout(Promise.all(clients.map((client) => client.connect())), CONNECT_TIMEOUT_MS);
  } catch (error) {
    for (const client of clients) client.disconnect();
    throw new ConfigError(`REDIS_URL: cannot connect (${(error as Error).message})`, {
      cause: error,
    });
  }
  const prefix = options.keyPrefix;
  const presence = new RedisPresence(commands, {
    instanceId,
    keyPrefix: prefix,
    onError: options.onError,
  });
  return {
    adapter: createAdapter(adapterClient, {
      streamName: `${prefix}socket.io`,
      channelPrefix: `${prefix}socket.io`,
      sessionKeyPrefix: `${prefix}sio:session:`,
    }),
    presence,
    channel: new RedisChannel(commands, subscriber, {
      instanceId,
      keyPrefix: prefix,
      onError: options.onError,
    }),
    redis: commands,
    keys: new RedisExpiringKeys(commands, prefix),
    reports: new RedisInstanceReports(commands, prefix, instanceId),
    check: async () => {
      await commands.ping();
    },
    // Presence is closed by its owner first (its last writes need the connection).
    close: async () => {
      await Promise.all(clients.map((client) => leave(client)));
    },
  };
}

/**
 * Ends a connection politely (QUIT, so Redis frees it at once) when it is up, and at once when it
 * is not: a shutdown never waits for a Redis that is away.
 */
async function leave(client: Redis): Promise<void> {
  if (client.status === 'ready') {
    try {
      await withTimeout(client.quit(), QUIT_TIMEOUT_MS);
      return;
    } catch {
      // Fall through: no answer in time.
    }
  }
  client.disconnect();
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
