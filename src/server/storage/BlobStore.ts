/**
 * Bytes by key (`<roomId>/<sha256>`). Drivers: memory (counted by the memory accountant),
 * filesystem and S3. Every driver passes storeContract.ts.
 */
export interface BlobStore {
  /** Stores `bytes` under `key`, replacing what was there. */
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  has(key: string): Promise<boolean>;
  /** Deletes every blob whose key starts with `prefix` (a room's `<roomId>/`). */
  deletePrefix(prefix: string): Promise<void>;
  close(): Promise<void>;
}
