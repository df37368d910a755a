/**
 * Expiring keys, one behaviour for both drivers: RAM for one instance, the real Redis
 * (127.0.0.1:6379, or ROOMKIT_TEST_REDIS) under a test key prefix for several.
 */
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { redisPrefix, testRedisUrl } from '../../../test/cluster.js';
import { onCleanup, sleep } from '../../../test/helpers.js';
import { lacks } from '../../../test/requirements.js';
import { RedisExpiringKeys } from '../cluster/RedisExpiringKeys.js';
import { MemoryExpiringKeys, type ExpiringKeys } from './ExpiringKeys.js';

async function redisKeys(): Promise<ExpiringKeys> {
  const redis = new Redis(testRedisUrl);
  onCleanup(() => {
    redis.disconnect();
  });
  return new RedisExpiringKeys(redis, redisPrefix());
}

describe.each([
  ['in memory', () => Promise.resolve(new MemoryExpiringKeys()), false],
  ['in Redis', redisKeys, lacks('redis')],
])('expiring keys %s', (_driver, open: () => Promise<ExpiringKeys>, skip: boolean) => {
  // The Redis driver's tests skip without a Redis (test/requirements.ts).
  const test = it.skipIf(skip);
  test('adds a key once: the second add of a live key says so', async () => {
    const keys = await open();
    expect(await keys.add('a', 60_000)).toBe(true);
    expect(await keys.add('a', 60_000)).toBe(false);
    expect(await keys.add('b', 60_000)).toBe(true);
  });

  test('deletes a key before its time, so it can be added again', async () => {
    const keys = await open();
    await keys.add('d', 60_000);
    expect(await keys.delete('d')).toBe(true);
    expect(await keys.hasAny(['d'])).toBe(false);
    expect(await keys.delete('d')).toBe(false);
    expect(await keys.add('d', 60_000)).toBe(true);
  });

  test('says whether any of several keys is there', async () => {
    const keys = await open();
    expect(await keys.hasAny([])).toBe(false);
    expect(await keys.hasAny(['x', 'y'])).toBe(false);
    await keys.add('y', 60_000);
    expect(await keys.hasAny(['x', 'y'])).toBe(true);
    expect(await keys.hasAny(['x'])).toBe(false);
  });

  test('forgets a key once its time is up, and it can be added again', async () => {
    const keys = await open();
    await keys.add('short', 50);
    expect(await keys.hasAny(['short'])).toBe(true);
    await sleep(120);
    expect(await keys.hasAny(['short'])).toBe(false);
    expect(await keys.add('short', 50)).toBe(true);
  });
});

it.skipIf(lacks('redis'))('keeps separate deployments apart in one Redis', async () => {
  const redis = new Redis(testRedisUrl);
  onCleanup(() => {
    redis.disconnect();
  });
  const one = new RedisExpiringKeys(redis, redisPrefix());
  const other = new RedisExpiringKeys(redis, redisPrefix());
  await one.add('k', 60_000);
  expect(await other.hasAny(['k'])).toBe(false);
  expect(await other.add('k', 60_000)).toBe(true);
});
