/**
 * Presence shared through the real Redis (127.0.0.1:6379, or ROOMKIT_TEST_REDIS), two instances'
 * views side by side, with short expiry so a crashed instance's fading is seen in a test's time.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisPrefix, testRedisUrl } from '../../../test/cluster.js';
import { onCleanup, waitFor } from '../../../test/helpers.js';
import { lacks } from '../../../test/requirements.js';
import { RedisPresence } from './RedisPresence.js';

function instances() {
  const keyPrefix = redisPrefix();
  const errors: Error[] = [];
  // As openCluster makes them: connected first, then failing fast while Redis is away.
  const open = async (instanceId: string) => {
    const redis = new Redis(testRedisUrl, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', () => {});
    await redis.connect();
    const presence = new RedisPresence(redis, {
      instanceId,
      keyPrefix,
      onError: (error) => errors.push(error),
      entryTtlMs: 1500,
      renewEveryMs: 100,
    });
    onCleanup(async () => {
      await presence.close();
      redis.disconnect();
    });
    return { redis, presence };
  };
  return { open, errors };
}

describe.skipIf(lacks('redis'))('RedisPresence', () => {
  it('counts a member online once across instances, and offline with their last connection anywhere', async () => {
    const { open } = instances();
    const a = (await open('a')).presence;
    const b = (await open('b')).presence;
    expect(await a.connect('room', 'ada')).toBe(true);
    expect(await a.connect('room', 'ada')).toBe(false); // a second tab
    expect(await b.connect('room', 'ada')).toBe(false); // already online on A
    expect([...(await b.online('room'))]).toEqual(['ada']);
    expect(await b.disconnect('room', 'ada')).toBe(false); // still on A
    expect(await a.disconnect('room', 'ada')).toBe(false); // one tab left
    expect(await b.isOccupied('room')).toBe(true);
    expect(await a.disconnect('room', 'ada')).toBe(true); // gone everywhere
    expect(await b.isOccupied('room')).toBe(false);
    expect(await b.online('room')).toEqual(new Set());
  });

  it("fades a crashed instance's members, while that instance answers from its own view", async () => {
    const { open, errors } = instances();
    const crashed = await open('a');
    const b = (await open('b')).presence;
    await crashed.presence.connect('room', 'ada');
    await b.connect('room', 'grace');
    expect(await b.online('room')).toEqual(new Set(['ada', 'grace']));
    // The renewals stop reaching Redis, as when the instance dies or loses its network.
    crashed.redis.disconnect();
    await waitFor(
      async () => !(await b.online('room')).has('ada') || undefined,
      10_000,
      'Ada to fade',
    );
    expect(await b.online('room')).toEqual(new Set(['grace']));
    // Cut off, the crashed instance still knows its own.
    expect(await crashed.presence.online('room')).toEqual(new Set(['ada']));
    expect(await crashed.presence.isOccupied('room')).toBe(true);
    expect(errors.length).toBeGreaterThan(0);
    // B's renewals keep Grace, well past the expiry.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await b.online('room')).toEqual(new Set(['grace']));
  });
});
