/** A direct upload handed out and not completed yet. */
export interface PendingUpload {
  roomId: string;
  memberId: string;
  name: string;
  size: number;
  /** Epoch ms after which it may no longer be completed. */
  expiresAt: number;
}

/**
 * The direct uploads that are open: in this process (one instance), or in Redis so that any
 * instance can complete an upload another handed out. Each `take…` hands an upload to one caller
 * only, so an upload completes once and its staged object is deleted once, whichever instance
 * asks.
 */
export interface PendingUploadStore {
  add(uploadId: string, upload: PendingUpload): Promise<void>;
  /** The upload, left open; undefined if unknown or taken already. */
  peek(uploadId: string): Promise<PendingUpload | undefined>;
  /** The upload, removed; undefined if unknown or taken already. */
  take(uploadId: string): Promise<PendingUpload | undefined>;
  /** When each of the member's uploads that are open at `now` expires. */
  openOf(memberId: string, now: number): Promise<number[]>;
  /** Removes the room's uploads and returns their ids. */
  takeRoom(roomId: string): Promise<string[]>;
  /** Removes the uploads expired at `now` and returns their ids. */
  takeExpired(now: number): Promise<string[]>;
  /** Removes every upload and returns their ids (at shutdown, when nobody else will see them). */
  takeAll(): Promise<string[]>;
}

/** Open uploads in this process's memory (one instance). */
export class MemoryPendingUploads implements PendingUploadStore {
  private readonly pending = new Map<string, PendingUpload>();

  async add(uploadId: string, upload: PendingUpload): Promise<void> {
    this.pending.set(uploadId, { ...upload });
  }

  async peek(uploadId: string): Promise<PendingUpload | undefined> {
    const upload = this.pending.get(uploadId);
    return upload && { ...upload };
  }

  async take(uploadId: string): Promise<PendingUpload | undefined> {
    const upload = this.pending.get(uploadId);
    this.pending.delete(uploadId);
    return upload;
  }

  async openOf(memberId: string, now: number): Promise<number[]> {
    return [...this.pending.values()]
      .filter((upload) => upload.memberId === memberId && upload.expiresAt > now)
      .map((upload) => upload.expiresAt);
  }

  async takeRoom(roomId: string): Promise<string[]> {
    return this.takeWhere((upload) => upload.roomId === roomId);
  }

  async takeExpired(now: number): Promise<string[]> {
    return this.takeWhere((upload) => upload.expiresAt <= now);
  }

  async takeAll(): Promise<string[]> {
    return this.takeWhere(() => true);
  }

  private takeWhere(predicate: (upload: PendingUpload) => boolean): string[] {
    const ids = [...this.pending].filter(([, upload]) => predicate(upload)).map(([id]) => id);
    for (const id of ids) this.pending.delete(id);
    return ids;
  }
}
