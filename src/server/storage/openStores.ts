import { ConfigError, type Config } from '../config.js';
import type { MemoryAccountant } from '../core/MemoryAccountant.js';
import type { BlobStore } from './BlobStore.js';
import { FsBlobStore } from './fs/FsBlobStore.js';
import { MemoryBlobStore } from './memory/MemoryBlobStore.js';
import { MemoryDocStore } from './memory/MemoryDocStore.js';
import { MemoryFileStore } from './memory/MemoryFileStore.js';
import { MemoryMessageStore } from './memory/MemoryMessageStore.js';
import { MemoryRoomStore } from './memory/MemoryRoomStore.js';
import { routedStores } from './routed/routedStores.js';
import { openSqlDatabase } from './sql/SqlDatabase.js';
import { sqlStores } from './sql/sqlStores.js';
import type { Stores } from './Stores.js';

export interface OpenStoresOptions {
  /** Counts what the memory drivers hold. */
  accountant: MemoryAccountant;
  /** Told about database connection failures that no query is waiting for. */
  onError?: (error: Error) => void;
}

/**
 * The stores `DATABASE_URL` and `BLOB_STORE` ask for (API.md, "Running"), ready to use:
 *
 * - no database: every store in RAM; blobs in RAM, or on disk if `BLOB_STORE=fs:<dir>` says so;
 * - `sqlite:…` / `postgres://…`: the database is migrated, then persistent rooms live in it (their
 *   blobs in the configured blob store) and ephemeral rooms in RAM (routed/, docs/decisions/005).
 *
 * `BLOB_STORE=s3` is refused: that driver does not exist yet.
 */
export async function openStores(config: Config, options: OpenStoresOptions): Promise<Stores> {
  const memory = (): Stores => ({
    rooms: new MemoryRoomStore(),
    messages: new MemoryMessageStore(),
    files: new MemoryFileStore(),
    blobs: new MemoryBlobStore(options.accountant),
    docs: new MemoryDocStore(options.accountant),
  });
  const blobs = openBlobStore(config.blobStore, options.accountant);
  if (config.databaseUrl === undefined) return { ...memory(), blobs };
  const database = await openSqlDatabase(config.databaseUrl, options.onError);
  return routedStores(memory(), { ...sqlStores(database), blobs });
}

function openBlobStore(setting: string, accountant: MemoryAccountant): BlobStore {
  if (setting === 'memory') return new MemoryBlobStore(accountant);
  if (setting.startsWith('fs:') && setting.length > 3) return new FsBlobStore(setting.slice(3));
  if (setting === 's3') {
    throw new ConfigError(
      'BLOB_STORE: s3 is not available in this version; use memory or fs:<dir>',
    );
  }
  throw new ConfigError('BLOB_STORE: must be memory, fs:<dir> or s3');
}
