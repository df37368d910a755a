import type { FileInfo, Message } from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { randomId } from '../core/ids.js';
import type { Membership } from '../core/Membership.js';
import { MemoryPendingUploads, type PendingUploadStore } from '../storage/PendingUploadStore.js';
import type { PresignedRequest, UploadStaging } from '../storage/UploadStaging.js';
import type { FileService } from './FileService.js';
import type { PresignedUploadRequest } from './presignedUploads.schema.js';

/** How long the presigned request may be started. */
export const UPLOAD_URL_SECONDS = 10 * 60;
/** After the URL expires, how long a transfer that started in time may still be completed. */
const COMPLETE_GRACE_SECONDS = 5 * 60;
/** Direct uploads one member may have open at once (each may fill MAX_UPLOAD_BYTES in S3). */
export const MAX_PENDING_PER_MEMBER = 4;
const SWEEP_MS = 60_000;

/** What `POST /api/rooms/:roomId/uploads` answers. */
export interface PresignedUpload extends PresignedRequest {
  uploadId: string;
  /** Until when the upload may be completed (ISO 8601); the URL itself expires earlier. */
  expiresAt: string;
}

/**
 * Direct uploads (API.md, "Files and images"): a member asks for a presigned request, sends the
 * bytes straight to object storage, then completes; the server reads the staged object back
 * (never more than was declared) and passes it through `FileService.upload`, the path every
 * upload takes, and deletes the staged object whatever the outcome. An upload id belongs to one
 * member of one room and completes once. Open uploads are kept in a `PendingUploadStore`: this
 * process's memory, or Redis with several instances, so any instance can complete any upload.
 */
export class PresignedUploads {
  private readonly stopSweep: () => void;

  constructor(
    private readonly ctx: RoomkitContext,
    private readonly files: FileService,
    private readonly staging: UploadStaging | undefined,
    private readonly pending: PendingUploadStore = new MemoryPendingUploads(),
  ) {
    this.stopSweep = ctx.clock.every(SWEEP_MS, () => this.sweep());
    ctx.rooms.on('closed', async (roomId) => {
      await this.discard(await this.pending.takeRoom(roomId));
    });
  }

  /** A presigned request for one file of `size` bytes, or the refusal any upload would get. */
  async create(membership: Membership, request: PresignedUploadRequest): Promise<PresignedUpload> {
    const staging = this.requireStaging();
    if (request.size > this.ctx.config.maxUploadBytes) throw this.files.tooLarge();
    this.files.refuseWhenBusy(request.size);
    const now = this.ctx.clock.now();
    const open = await this.pending.openOf(membership.member.id, now);
    if (open.length >= MAX_PENDING_PER_MEMBER) {
      const retryAfter = Math.ceil((Math.min(...open) - now) / 1000);
      throw new AppError(
        'rate_limited',
        `At most ${MAX_PENDING_PER_MEMBER} direct uploads may be open at once; complete one first.`,
        { details: { retryAfter }, headers: { 'Retry-After': String(retryAfter) } },
      );
    }
    const uploadId = randomId(24);
    const presigned = await staging.presign(
      uploadId,
      request.size,
      request.mime,
      UPLOAD_URL_SECONDS,
    );
    const expiresAt = now + (UPLOAD_URL_SECONDS + COMPLETE_GRACE_SECONDS) * 1000;
    await this.pending.add(uploadId, {
      roomId: membership.room.id,
      memberId: membership.member.id,
      name: request.name,
      size: request.size,
      expiresAt,
    });
    return { uploadId, ...presigned, expiresAt: new Date(expiresAt).toISOString() };
  }

  /**
   * Checks and stores what was sent for `uploadId` like any upload (type from the bytes, image
   * processing, `file:added`, a `file` message). The id is used up by this call, whatever its
   * outcome, and the staged object is deleted.
   */
  async complete(
    membership: Membership,
    uploadId: string,
    abandoned: () => boolean,
  ): Promise<{ file: FileInfo; message: Message }> {
    const staging = this.requireStaging();
    const notFound = () =>
      new AppError(
        'not_found',
        'No such upload in this room: it was completed already, has expired, or never existed.',
      );
    // Looked at before it is taken: an upload that is not this caller's stays open for its owner.
    const open = await this.pending.peek(uploadId);
    if (open === undefined || open.roomId !== membership.room.id) throw notFound();
    if (open.memberId !== membership.member.id) {
      throw new AppError('forbidden', 'This upload belongs to another member.');
    }
    // Taken by exactly one caller, should its owner complete it twice at once.
    const upload = await this.pending.take(uploadId);
    if (upload === undefined) throw notFound();
    try {
      if (upload.expiresAt <= this.ctx.clock.now()) {
        throw new AppError('not_found', 'This upload has expired; ask for a new one.');
      }
      return await this.files.upload(
        membership,
        upload.name,
        upload.size,
        async () => {
          const staged = await staging.read(uploadId, upload.size);
          if (staged.status === 'missing') {
            throw new AppError(
              'invalid_request',
              'Nothing was uploaded: send the file to the upload URL, then complete.',
            );
          }
          if (staged.status === 'too_large') {
            throw new AppError('too_large', 'The uploaded file is larger than its declared size.', {
              details: { declaredBytes: upload.size },
            });
          }
          return staged.bytes;
        },
        abandoned,
      );
    } finally {
      await this.deleteStaged(uploadId);
    }
  }

  /** Forgets every open upload and deletes what was staged for them. */
  async close(): Promise<void> {
    this.stopSweep();
    await this.discard(await this.pending.takeAll());
  }

  private requireStaging(): UploadStaging {
    if (this.staging === undefined) {
      throw new AppError(
        'not_found',
        'Direct uploads need BLOB_STORE=s3 on this server; send files to /files instead.',
      );
    }
    return this.staging;
  }

  private async sweep(): Promise<void> {
    try {
      await this.discard(await this.pending.takeExpired(this.ctx.clock.now()));
    } catch (error) {
      this.ctx.log.warn({ err: error }, 'expired direct uploads could not be swept');
    }
  }

  private async discard(uploadIds: string[]): Promise<void> {
    await Promise.all(uploadIds.map((id) => this.deleteStaged(id)));
  }

  /** A failed delete leaves an object under `uploads/` for the bucket's lifecycle rule. */
  private async deleteStaged(uploadId: string): Promise<void> {
    await this.staging?.delete(uploadId).catch((error: unknown) => {
      this.ctx.log.warn({ err: error }, 'a staged upload could not be deleted');
    });
  }
}
