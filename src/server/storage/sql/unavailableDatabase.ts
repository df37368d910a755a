import type {
  DatabaseConnection,
  Dialect,
  Driver,
  QueryCompiler,
  TransactionSettings,
} from 'kysely';
import { unavailable } from '../../core/AppError.js';

/** Node's codes for a connection that could not be made or was lost. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * Postgres' SQLSTATEs for "not now": class 08 (connection exceptions), the server shutting down
 * or starting (57P01–57P03), too many connections (53300).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[1-3]|53300)$/;
/** pg's own words for a connection that ended or never came (it gives them no code). */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended)/;

/** Whether `error` means the database is out of reach, rather than that the query was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code)))
    return true;
  return PG_CONNECTION_MESSAGES.test(error.message);
}

async function mapped<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    throw isDatabaseUnavailable(error)
      ? unavailable('The database is unavailable; try again shortly.', 5, error)
      : error;
  }
}

/**
 * The dialect with every failure to reach the database turned into 503 `overloaded` (with
 * Retry-After), so a client hears "try again" rather than 500, and the log says why. A write
 * that failed this way was not applied: each store's writes are one statement or one
 * transaction.
 */
export function withUnavailableErrors(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new UnavailableAwareDriver(dialect.createDriver()),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

class UnavailableAwareDriver implements Driver {
  /** The driver's own connection behind each one handed out (the driver needs its own back). */
  private readonly inner = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(private readonly driver: Driver) {}

  init(): Promise<void> {
    return mapped(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await mapped(() => this.driver.acquireConnection());
    const handed: DatabaseConnection = {
      executeQuery: (query) => mapped(() => connection.executeQuery(query)),
      streamQuery: (query, chunkSize) => connection.streamQuery(query, chunkSize),
    };
    this.inner.set(handed, connection);
    return handed;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return mapped(() => this.driver.beginTransaction(this.own(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped(() => this.driver.commitTransaction(this.own(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped(() => this.driver.rollbackTransaction(this.own(connection)));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await mapped(async () => this.driver.savepoint?.(this.own(connection), name, compileQuery));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await mapped(async () =>
      this.driver.rollbackToSavepoint?.(this.own(connection), name, compileQuery),
    );
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await mapped(async () =>
      this.driver.releaseSavepoint?.(this.own(connection), name, compileQuery),
    );
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.own(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }

  private own(connection: DatabaseConnection): DatabaseConnection {
    return this.inner.get(connection) ?? connection;
  }
}
