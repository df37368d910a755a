/**
 * What some suites need from the machine beyond npm's packages: bubblewrap, a Postgres, a Redis,
 * the redis-server program, nginx. Each is probed once per run, by vitest's global set-up
 * (test/requirementsSetup.ts), which prints one line for each that is missing; a suite that needs
 * one skips itself with `describe.skipIf(lacks('postgres'))`, so `npm test` passes on a machine
 * with none of them.
 */
import { inject } from 'vitest';

export type Requirement = 'bwrap' | 'postgres' | 'redis' | 'redisServer' | 'nginx' | 'coturn';

/** A requirement met (with the program's path, where it is one), or why it is not. */
export type Found = { ok: true; path?: string } | { ok: false; missing: string };

declare module 'vitest' {
  export interface ProvidedContext {
    requirements: Record<Requirement, Found>;
  }
}

/** The Postgres the suites use: a server URL without a database (`<url>/<database>` names one). */
export const postgresServer =
  process.env.ROOMKIT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';

/** The Redis the suites share, each test under a key prefix of its own (test/cluster.ts). */
export const testRedisUrl = process.env.ROOMKIT_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** What the global set-up found for `name`. */
export function requirement(name: Requirement): Found {
  const found = inject('requirements') as Record<Requirement, Found> | undefined;
  if (!found)
    throw new Error('test/requirementsSetup.ts did not run (vitest.config.ts globalSetup)');
  return found[name];
}

/** The path of a program found (`bwrap` where a trial sandbox ran, `nginx`), else undefined. */
export function programPath(
  name: 'bwrap' | 'redisServer' | 'nginx' | 'coturn',
): string | undefined {
  const found = requirement(name);
  return found.ok ? found.path : undefined;
}

/** Whether any of `names` is missing here: `describe.skipIf(lacks('postgres', 'redis'))`. */
export function lacks(...names: Requirement[]): boolean {
  return names.some((name) => !requirement(name).ok);
}
