import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrate } from './migrations.js';
import { ConfigError } from '../../config.js';
import { isDatabaseUnavailable, withUnavailableErrors } from './unavailableDatabase.js';
import type { Database, SqlDialect } from './schema.js';

/** How long one SQL statement may run on Postgres before it is cancelled. */
const STATEMENT_TIMEOUT_MS = 10_000;
/** How long SQLite waits for another connection's write lock before failing with SQLITE_BUSY. */
const SQLITE_BUSY_TIMEOUT_MS = 5_000;
const POSTGRES_POOL_SIZE = 10;
/** How long taking a new Postgres connection may take. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Postgres type id of int8 (bigint, bigserial, count(*)). */
const INT8_OID = 20;

/** What `DATABASE_URL` names: `sqlite:<path>` (or `sqlite::memory:`), `postgres(ql)://…`. */
type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

/** Reads `DATABASE_URL`; throws for anything else (config.ts has validated it already). */
function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path.length > 0) return { dialect: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\/./.test(url)) return { dialect: 'postgres', url };
  throw new Error('DATABASE_URL must be sqlite:<path> or postgres://…');
}

/**
 * One connection (SQLite) or pool (Postgres) shared by the SQL stores of a server. Each store
 * retains it when made and releases it when closed; the last release closes the connection.
 */
export class SqlDatabase {
  private users = 0;
  private closed: Promise<void> | undefined;

  constructor(
    readonly db: Kysely<Database>,
    readonly dialect: SqlDialect,
  ) {}

  /** Counts one more user; the returned function (which acts once) lets it go. */
  retain(): () => Promise<void> {
    this.users++;
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      if (--this.users === 0) await this.destroy();
    };
  }

  /** Resolves while the database answers (/readyz). */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Closes the connection now, whoever still uses it. */
  destroy(): Promise<void> {
    this.closed ??= this.db.destroy();
    return this.closed;
  }
}

/**
 * Connects to the database `DATABASE_URL` names and runs the migrations. SQLite: the parent
 * directory is created, WAL journal (readers never wait for the writer), a busy timeout, foreign
 * keys on. Postgres: a pool with a statement timeout; bigints are read as numbers (they hold
 * epoch milliseconds and counts, far below 2^53).
 */
export async function openSqlDatabase(
  url: string,
  /** Told about a pooled Postgres connection that failed while idle. */
  onError: (error: Error) => void = () => {},
): Promise<SqlDatabase> {
  const target = parseDatabaseUrl(url);
  const db =
    target.dialect === 'sqlite'
      ? new Kysely<Database>({ dialect: sqliteDialect(target.path) })
      : new Kysely<Database>({
          dialect: withUnavailableErrors(postgresDialect(target.url, onError)),
        });
  const database = new SqlDatabase(db, target.dialect);
  try {
    await migrate(db as Kysely<unknown>, target.dialect);
  } catch (error) {
    await database.destroy();
    // Out of reach at start: the operator's to fix, so one line that names the setting.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    if (isDatabaseUnavailable(cause))
      throw new ConfigError(`DATABASE_URL: cannot connect (${(cause as Error).message})`, {
        cause,
      });
    throw error;
  }
  return database;
}

function sqliteDialect(path: string): SqliteDialect {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  const connection = new BetterSqlite3(path);
  if (!inMemory) connection.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the
  // last transactions.
  connection.pragma('synchronous = NORMAL');
  connection.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  connection.pragma('foreign_keys = ON');
  return new SqliteDialect({ database: connection });
}

function postgresDialect(url: string, onError: (error: Error) => void): PostgresDialect {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', Number);
  const pool = new pg.Pool({
    connectionString: url,
    max: POSTGRES_POOL_SIZE,
    statement_timeout: STATEMENT_TIMEOUT_MS,
    // A server that does not answer (gone, or the network is) fails the query instead of
    // holding it: a new connection within 5 s, an answer within the statement timeout + 5 s.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: STATEMENT_TIMEOUT_MS + 5_000,
    types,
  });
  // A client losing its connection must not crash the process, idle in the pool (the pool's
  // 'error') or checked out between two statements (its own 'error', which pg emits with no
  // listener otherwise); the query in flight fails by itself, and the next one reconnects.
  pool.on('error', onError);
  pool.on('connect', (client) => client.on('error', onError));
  return new PostgresDialect({ pool });
}
