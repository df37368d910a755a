/**
 * A real Postgres for tests (127.0.0.1:5432, or `ROOMKIT_TEST_POSTGRES`): `usePostgres()` gives a
 * file's tests fresh, empty databases (`roomkit_test_<random>`), dropped after the file's run.
 * Suites that use it skip where there is none: `describe.skipIf(lacks('postgres'))`.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll } from 'vitest';
import { postgresServer } from './requirements.js';

/** Runs `fn` with a client of the server's `postgres` database. */
export async function postgresAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${postgresServer}/postgres` });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Registers the clean-up; the returned function makes a fresh database and gives its URL. */
export function usePostgres(): () => Promise<string> {
  const created: string[] = [];
  afterAll(async () => {
    // A file whose Postgres tests were skipped made none, and may have no server to ask.
    if (created.length === 0) return;
    await postgresAdmin(async (client) => {
      for (const name of created)
        await client.query(`drop database if exists ${name} with (force)`);
    });
  });
  return async () => {
    const name = `roomkit_test_${randomBytes(6).toString('hex')}`;
    await postgresAdmin((client) => client.query(`create database ${name}`));
    created.push(name);
    return `${postgresServer}/${name}`;
  };
}
