import type { Kysely, Selectable } from 'kysely';
import type { FileStore } from '../FileStore.js';
import type { FileRecord } from '../records.js';
import type { Database, FilesTable } from './schema.js';
import type { SqlDatabase } from './SqlDatabase.js';

/** File metadata in SQL; the bytes are in the BlobStore under `blob_key`. */
export class SqlFileStore implements FileStore {
  private readonly db: Kysely<Database>;
  private readonly release: () => Promise<void>;

  constructor(database: SqlDatabase) {
    this.db = database.db;
    this.release = database.retain();
  }

  async addFile(file: FileRecord): Promise<void> {
    await this.db
      .insertInto('files')
      .values({
        room_id: file.roomId,
        id: file.id,
        name: file.name,
        mime: file.mime,
        size: file.size,
        width: file.width ?? null,
        height: file.height ?? null,
        created_at: file.createdAt,
        uploader_id: file.uploaderId,
        sha256: file.sha256,
        blob_key: file.blobKey,
      })
      .execute();
  }

  async getFile(roomId: string, fileId: string): Promise<FileRecord | undefined> {
    const row = await this.db
      .selectFrom('files')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('id', '=', fileId)
      .executeTakeFirst();
    return row && fileRecord(row);
  }

  async listFiles(roomId: string): Promise<FileRecord[]> {
    const rows = await this.db
      .selectFrom('files')
      .selectAll()
      .where('room_id', '=', roomId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(fileRecord);
  }

  async deleteRoom(roomId: string): Promise<void> {
    await this.db.deleteFrom('files').where('room_id', '=', roomId).execute();
  }

  async close(): Promise<void> {
    await this.release();
  }
}

function fileRecord(row: Selectable<FilesTable>): FileRecord {
  const file: FileRecord = {
    id: row.id,
    roomId: row.room_id,
    name: row.name,
    mime: row.mime,
    size: row.size,
    createdAt: row.created_at,
    uploaderId: row.uploader_id,
    sha256: row.sha256,
    blobKey: row.blob_key,
  };
  if (row.width !== null) file.width = row.width;
  if (row.height !== null) file.height = row.height;
  return file;
}
