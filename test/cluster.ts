/**
 * A multi-instance deployment for tests: a fresh Postgres database (test/postgres.ts) and a
 * fresh key prefix on the real Redis (127.0.0.1:6379, or ROOMKIT_TEST_REDIS) per test, its keys
 * deleted afterwards. Suites that use it skip without them: `describe.skipIf(lacks('postgres',
 * 'redis'))`.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { beforeEach } from 'vitest';
import { createRoom, join, onCleanup } from './helpers.js';
import { usePostgres } from './postgres.js';
import { testRedisUrl } from './requirements.js';

export { testRedisUrl };

/** A key prefix of the test's own; what it left in Redis goes after the test. */
export function redisPrefix(): string {
  const prefix = `roomkit-test-${randomBytes(4).toString('hex')}:`;
  onCleanup(async () => {
    const redis = new Redis(testRedisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  return prefix;
}

/**
 * Registers the set-up; the returned function gives the current test's variables, which every
 * instance of its deployment shares (plus `extra`).
 */
export function useClusterEnv(extra: Record<string, string> = {}): () => Record<string, string> {
  const freshDatabase = usePostgres();
  let env: Record<string, string> = {};
  beforeEach(async () => {
    env = {
      DATABASE_URL: await freshDatabase(),
      REDIS_URL: testRedisUrl,
      REDIS_KEY_PREFIX: redisPrefix(),
      SESSION_SECRET: 'cluster-test-secret-of-32-characters!!',
      ...extra,
    };
  });
  return () => env;
}

/**
 * A room made on A (ephemeral, so it also shows that such rooms live in the shared database),
 * with Ada joined on A and Grace on B.
 */
export async function roomAcross(a: { url: string }, b: { url: string }) {
  const room = await createRoom(a, { persistent: false });
  const ada = await join(a, room, 'Ada');
  const grace = await join(b, room, 'Grace');
  return { room, ada, grace };
}
