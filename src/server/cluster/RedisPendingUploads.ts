import type { Redis } from 'ioredis';
import { z } from 'zod';
import { AppError, unavailable } from '../core/AppError.js';
import type { PendingUpload, PendingUploadStore } from '../storage/PendingUploadStore.js';

/** Kept this long past its expiry, so a late `take` still finds it and says "expired". */
const KEEP_AFTER_EXPIRY_MS = 60 * 60_000;

const pendingSchema = z.object({
  roomId: z.string(),
  memberId: z.string(),
  name: z.string(),
  size: z.number().int().nonnegative(),
  expiresAt: z.number(),
});

/**
 * Open direct uploads in Redis, for every instance: each upload is a key (`upload:<id>`, JSON,
 * expiring an hour after the upload does), indexed by member and by room (sorted by expiry) and
 * in one expiry index for the sweeps. Taking removes from the expiry index first: whichever
 * instance's ZREM removed the id owns it, so two instances never both complete or clean up one
 * upload.
 */
export class RedisPendingUploads implements PendingUploadStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async add(uploadId: string, upload: PendingUpload): Promise<void> {
    await unavailableWithout(async () => {
      const ttl = Math.max(1, upload.expiresAt - Date.now() + KEEP_AFTER_EXPIRY_MS);
      await this.redis
        .multi()
        .set(this.key(uploadId), JSON.stringify(upload), 'PX', ttl)
        .zadd(this.memberKey(upload.memberId), upload.expiresAt, uploadId)
        .pexpire(this.memberKey(upload.memberId), ttl)
        .zadd(this.roomKey(upload.roomId), upload.expiresAt, uploadId)
        .pexpire(this.roomKey(upload.roomId), ttl)
        .zadd(this.expiryKey(), upload.expiresAt, uploadId)
        .exec();
    });
  }

  peek(uploadId: string): Promise<PendingUpload | undefined> {
    return unavailableWithout(async () => {
      const json = await this.redis.get(this.key(uploadId));
      return json === null ? undefined : pendingSchema.parse(JSON.parse(json));
    });
  }

  take(uploadId: string): Promise<PendingUpload | undefined> {
    return unavailableWithout(() => this.takeOne(uploadId));
  }

  private async takeOne(uploadId: string): Promise<PendingUpload | undefined> {
    if ((await this.redis.zrem(this.expiryKey(), uploadId)) === 0) return undefined;
    const json = await this.redis.getdel(this.key(uploadId));
    if (json === null) return undefined;
    const upload = pendingSchema.parse(JSON.parse(json));
    await this.unindex(uploadId, upload);
    return upload;
  }

  async openOf(memberId: string, now: number): Promise<number[]> {
    const entries = await unavailableWithout(() =>
      this.redis.zrangebyscore(this.memberKey(memberId), `(${now}`, '+inf', 'WITHSCORES'),
    );
    return entries.filter((_, i) => i % 2 === 1).map(Number);
  }

  async takeRoom(roomId: string): Promise<string[]> {
    const ids = await this.redis.zrange(this.roomKey(roomId), 0, -1);
    return this.takeEach(ids);
  }

  async takeExpired(now: number): Promise<string[]> {
    const ids = await this.redis.zrangebyscore(this.expiryKey(), '-inf', now);
    return this.takeEach(ids);
  }

  /** At shutdown the uploads stay for the other instances: none is taken. */
  async takeAll(): Promise<string[]> {
    return [];
  }

  private async takeEach(ids: string[]): Promise<string[]> {
    const taken: string[] = [];
    for (const id of ids) if ((await this.takeOne(id)) !== undefined) taken.push(id);
    return taken;
  }

  private async unindex(uploadId: string, upload: PendingUpload): Promise<void> {
    await this.redis
      .multi()
      .zrem(this.memberKey(upload.memberId), uploadId)
      .zrem(this.roomKey(upload.roomId), uploadId)
      .exec();
  }

  private key(uploadId: string): string {
    return `${this.prefix}upload:${uploadId}`;
  }

  private memberKey(memberId: string): string {
    return `${this.prefix}uploads:member:${memberId}`;
  }

  private roomKey(roomId: string): string {
    return `${this.prefix}uploads:room:${roomId}`;
  }

  private expiryKey(): string {
    return `${this.prefix}uploads:expiry`;
  }
}

/** Without Redis no instance can hand out or complete a direct upload: 503, try again. */
async function unavailableWithout<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unavailable('Direct uploads are unavailable for a moment; try again shortly.', 5, error);
  }
}
