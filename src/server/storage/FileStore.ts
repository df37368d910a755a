import type { FileRecord } from './records.js';

/**
 * File metadata of each room. Every driver passes storeContract.ts. The bytes live in a
 * BlobStore under `FileRecord.blobKey`; several records may share one blob (the same bytes shared
 * twice are stored once).
 */
export interface FileStore {
  addFile(file: FileRecord): Promise<void>;
  getFile(roomId: string, fileId: string): Promise<FileRecord | undefined>;
  /** The room's files, oldest first. */
  listFiles(roomId: string): Promise<FileRecord[]>;
  deleteRoom(roomId: string): Promise<void>;
  close(): Promise<void>;
}
