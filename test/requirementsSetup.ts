/**
 * vitest's global set-up: probes once per run what some suites need from the machine
 * (test/requirements.ts), hands the findings to every test file, and prints one line for each
 * thing missing, naming it and how to get it. Probes are short: a missing service costs at most
 * a couple of seconds, never a failed run.
 */
import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { probeSandbox } from '../src/server/exec/sandbox/sandboxHost.js';
import { postgresServer, testRedisUrl, type Found, type Requirement } from './requirements.js';

const PROBE_TIMEOUT_MS = 2000;

const failure = (error: unknown) =>
  (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));

async function probePostgres(): Promise<Found> {
  const at = new URL(postgresServer).host;
  const client = new pg.Client({
    connectionString: `${postgresServer}/postgres`,
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      missing: `Postgres not reachable at ${at} (${failure(error)}) — start PostgreSQL or set ROOMKIT_TEST_POSTGRES=postgres://user:password@host:port`,
    };
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeRedis(): Promise<Found> {
  const at = new URL(testRedisUrl).host;
  const redis = new Redis(testRedisUrl, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects with "Connection is closed."; the reason is in the error event before it.
  let cause: unknown;
  redis.on('error', (error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      missing: `Redis not reachable at ${at} (${failure(cause ?? error)}) — start redis-server or set ROOMKIT_TEST_REDIS=redis://host:port`,
    };
  } finally {
    redis.disconnect();
  }
}

function probeBwrap(): Found {
  const sandbox = probeSandbox();
  return sandbox.ok
    ? { ok: true, path: sandbox.bwrap }
    : {
        ok: false,
        missing: `${sandbox.reason} (the sandbox and Piston exec tests) — install bubblewrap (apt-get install bubblewrap)`,
      };
}

function probeProgram(paths: string[], args: string[], missing: string): Found {
  const path = paths.find(
    (candidate) =>
      spawnSync(candidate, args, { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS }).status === 0,
  );
  return path ? { ok: true, path } : { ok: false, missing };
}

export default async function setup(project: TestProject): Promise<void> {
  const [postgres, redis] = await Promise.all([probePostgres(), probeRedis()]);
  const found: Record<Requirement, Found> = {
    bwrap: probeBwrap(),
    postgres,
    redis,
    redisServer: probeProgram(
      ['redis-server'],
      ['--version'],
      'redis-server is not on PATH (the Redis restart test) — install Redis (apt-get install redis-server)',
    ),
    nginx: probeProgram(
      ['/usr/sbin/nginx', '/usr/bin/nginx'],
      ['-v'],
      'nginx is not installed (the load-balancer test) — install it (apt-get install nginx-light)',
    ),
    coturn: probeProgram(
      ['/usr/bin/turnserver', 'turnserver'],
      ['--version'],
      'coturn is not installed (the TURN allocation test) — install it (apt-get install coturn)',
    ),
  };
  for (const result of Object.values(found))
    if (!result.ok) console.warn(`skipped: ${result.missing}`);
  project.provide('requirements', found);
}
