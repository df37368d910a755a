/**
 * /readyz dependency checks (API.md, "Health"): the database (a trivial query) and S3 (a HEAD of
 * the bucket) are reported by name; one that does not answer makes the server unready (503).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer } from '../../../test/helpers.js';
import { postgresAdmin, usePostgres } from '../../../test/postgres.js';
import { lacks } from '../../../test/requirements.js';
import { startS3 } from '../../../test/s3.js';

const SECRET = 'readiness-test-secret-of-32-characters!';
const freshDatabase = usePostgres();
const noPostgres = lacks('postgres');
let dir: string;

async function admin(query: string): Promise<void> {
  await postgresAdmin((client) => client.query(query));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-ready-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('/readyz checks', () => {
  it('has nothing to check in memory mode', async () => {
    const server = await startServer();
    const ready = await api(server, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({});
  });

  it('reports a SQLite database as ok', async () => {
    const server = await startServer({
      DATABASE_URL: `sqlite:${join(dir, 'ready.db')}`,
      SESSION_SECRET: SECRET,
    });
    const ready = await api(server, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ok', checks: { database: 'ok' } });
  });

  it.skipIf(noPostgres)(
    'reports Postgres as ok, and as down (503) once its pool is gone',
    async () => {
      const url = await freshDatabase();
      const database = new URL(url).pathname.slice(1);
      const server = await startServer({ DATABASE_URL: url, SESSION_SECRET: SECRET });
      const ready = await api(server, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({ database: 'ok' });
      // Every connection of the server's pool killed and new ones refused: the database is gone
      // as far as this server can tell.
      await admin(`alter database ${database} with allow_connections false`);
      try {
        await admin(
          `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${database}'`,
        );
        const down = await api(server, 'GET', '/readyz');
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: 'down' } });
      } finally {
        await admin(`alter database ${database} with allow_connections true`);
      }
      const back = await api(server, 'GET', '/readyz');
      expect(back.status).toBe(200);
    },
  );

  it('reports S3 as ok while the bucket answers, and 503 naming s3 once S3 is stopped', async () => {
    const s3 = await startS3();
    try {
      const server = await startServer({
        ...s3.env(),
        DATABASE_URL: `sqlite:${join(dir, 'with-s3.db')}`,
        SESSION_SECRET: SECRET,
      });
      const ready = await api(server, 'GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body).toMatchObject({
        status: 'ok',
        checks: { database: 'ok', s3: 'ok' },
      });

      await s3.stop();
      // A probe never hangs on a dependency: it answers that S3 is down.
      const down = await api(server, 'GET', '/readyz');
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({
        status: 'unavailable',
        memory: { level: 'ok' },
        checks: { database: 'ok', s3: 'down' },
      });
      expect((await api(server, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await s3.stop();
    }
  });

  it('reports a bucket that does not exist as down', async () => {
    const s3 = await startS3();
    try {
      const server = await startServer({ ...s3.env(), S3_BUCKET: 'no-such-bucket' });
      const ready = await api(server, 'GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.body.checks).toEqual({ s3: 'down' });
    } finally {
      await s3.stop();
    }
  });
});
