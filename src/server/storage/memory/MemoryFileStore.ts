import type { FileStore } from '../FileStore.js';
import type { FileRecord } from '../records.js';

export class MemoryFileStore implements FileStore {
  private readonly rooms = new Map<string, Map<string, FileRecord>>();

  async addFile(file: FileRecord): Promise<void> {
    let files = this.rooms.get(file.roomId);
    if (!files) {
      files = new Map();
      this.rooms.set(file.roomId, files);
    }
    files.set(file.id, { ...file });
  }

  async getFile(roomId: string, fileId: string): Promise<FileRecord | undefined> {
    const file = this.rooms.get(roomId)?.get(fileId);
    return file && { ...file };
  }

  async listFiles(roomId: string): Promise<FileRecord[]> {
    return [...(this.rooms.get(roomId)?.values() ?? [])].map((file) => ({ ...file }));
  }

  async deleteRoom(roomId: string): Promise<void> {
    this.rooms.delete(roomId);
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }
}
