import { memoryStores } from './memory/memoryStores.js';
import { ConfigError, type Config } from '../config.js';
import type { MemoryAccountant } from '../core/MemoryAccountant.js';
import type { BlobStore } from './BlobStore.js';
import { FsBlobStore } from './fs/FsBlobStore.js';
import { MemoryBlobStore } from './memory/MemoryBlobStore.js';
import { routedStores } from './routed/routedStores.js';
import type { Stores } from './Stores.js';
import type { UploadStaging } from './UploadStaging.js';

export interface OpenStoresOptions {
  /** Counts what the memory drivers hold. */
  accountant: MemoryAccountant;
  /**
   * Told about storage failures a user only sees as a 503: database connections failing while
   * idle, S3 requests that ran out of retries.
   */
  onError?: (error: Error) => void;
}

/** A check of one outside dependency: resolves while it answers, rejects when it does not. */
export type DependencyCheck = (signal: AbortSignal) => Promise<void>;

export interface OpenedStores {
  stores: Stores;
  /** One check per configured outside dependency (`database`, `s3`), for /readyz. */
  checks: Record<string, DependencyCheck>;
  /** Where direct uploads are staged: only with `BLOB_STORE=s3`. It lives as long as `stores`. */
  staging: UploadStaging | undefined;
}

/**
 * The stores `DATABASE_URL` and `BLOB_STORE` ask for (API.md, "Running"), ready to use:
 *
 * - no database: every store in RAM; blobs in RAM, or where `BLOB_STORE` (`fs:<dir>`, `s3`) says;
 * - `sqlite:…` / `postgres://…`: the database is migrated, then persistent rooms live in it (their
 *   blobs in the configured blob store) and ephemeral rooms in RAM (routed/, docs/decisions/005);
 *   with `REDIS_URL` (several instances) every room lives in the database and blob store.
 */
export async function openStores(
  config: Config,
  options: OpenStoresOptions,
): Promise<OpenedStores> {
  const memory = () => memoryStores(options.accountant);
  const s3 = config.blobStore === 's3' ? await openS3(config, options) : undefined;
  const blobs = s3?.blobs ?? openLocalBlobStore(config.blobStore, options.accountant);
  const s3Check: Record<string, DependencyCheck> = s3 ? { s3: s3.check } : {};
  if (config.databaseUrl === undefined) {
    return { stores: { ...memory(), blobs }, checks: s3Check, staging: s3?.staging };
  }
  let database;
  let sqlStores;
  try {
    // The SQL drivers and Kysely load only with a database, as the AWS SDK does only with S3.
    const [sqlDatabase, stores] = await Promise.all([
      import('./sql/SqlDatabase.js'),
      import('./sql/sqlStores.js'),
    ]);
    sqlStores = stores.sqlStores;
    database = await sqlDatabase.openSqlDatabase(config.databaseUrl, options.onError);
  } catch (error) {
    await blobs.close();
    throw error;
  }
  const durable = { ...sqlStores(database), blobs };
  return {
    // Several instances must all see every room, so with Redis no room stays in one's RAM.
    stores: config.redisUrl === undefined ? routedStores(memory(), durable) : durable,
    checks: { database: () => database.ping(), ...s3Check },
    staging: s3?.staging,
  };
}

/** `BLOB_STORE=s3`: the bucket's blob store, direct-upload staging and readiness check. */
async function openS3(config: Config, options: OpenStoresOptions) {
  const [{ S3BlobStore }, { S3UploadStaging }, { headBucket, s3Target }] = await Promise.all([
    import('./s3/S3BlobStore.js'),
    import('./s3/S3UploadStaging.js'),
    import('./s3/s3Client.js'),
  ]);
  const target = s3Target(config.s3);
  return {
    blobs: new S3BlobStore(target, { onError: options.onError }),
    staging: new S3UploadStaging(target, options.onError),
    check: ((signal) => headBucket(target, signal)) satisfies DependencyCheck,
  };
}

function openLocalBlobStore(setting: string, accountant: MemoryAccountant): BlobStore {
  if (setting === 'memory') return new MemoryBlobStore(accountant);
  if (setting.startsWith('fs:') && setting.length > 3) return new FsBlobStore(setting.slice(3));
  throw new ConfigError('BLOB_STORE: must be memory, fs:<dir> or s3');
}
