/**
 * Bytes by key: `<roomId>/<sha256>`, the SHA-256 being that of the bytes. A driver may keep one
 * copy of bytes that several rooms share, but deleting one room's blobs never takes another
 * room's. Drivers: memory (counted by the memory accountant), filesystem and S3. Every driver
 * passes storeContract.ts.
 */
export interface BlobStore {
  /** Stores `bytes` under `key` (the same key always names the same bytes). */
  put(key: string, bytes: Buffer): Promise<void>;
  get(key: string): Promise<Buffer | undefined>;
  has(key: string): Promise<boolean>;
  /**
   * Whether `put(key, …)` keeps the bytes in RAM, where the memory accountant counts them
   * (FileService then lets the upload's reservation go for them).
   */
  heldInMemory(key: string): boolean;
  /** Deletes every blob whose key starts with `prefix` (a room's `<roomId>/`). */
  deletePrefix(prefix: string): Promise<void>;
  close(): Promise<void>;
}
