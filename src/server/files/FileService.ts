import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import type { FileInfo, Message, ThumbFormat } from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { randomId } from '../core/ids.js';
import type { RateLimiter } from '../core/RateLimiter.js';
import type { Membership } from '../core/Membership.js';
import type { Services } from '../kernel/services.js';
import { fileView } from './presenters.js';
import type { FileRecord } from '../storage/records.js';
import { detectFileType } from '../media/detectFileType.js';
import { isProcessedImage, processImage } from '../media/processImage.js';
import { sanitizeFileName } from './sanitizeFileName.js';
import { ImageCache, type CachedImage } from '../media/ImageCache.js';
import { makeVariant, negotiate, snapWidth, type EncodedFormat } from '../media/variants.js';

/** From this size on an upload is "large": refused with 503 while memory is at warning. */
export const LARGE_UPLOAD_BYTES = 1_048_576;
/** Share of the memory budget the thumbnail cache may fill before it drops its oldest. */
const THUMB_CACHE_SHARE = 0.2;

export interface StoredFile {
  file: FileRecord;
  bytes: Buffer;
}

/**
 * Photos and files of a room: checked by their bytes, images cleaned of metadata (JPEG and PNG
 * without touching their pixels, the rest re-encoded), stored once per content, announced on the
 * bus, served to members only. Image work runs through one queue as wide as the machine has
 * cores, so a burst of uploads or thumbnails cannot starve the event loop's other work.
 */
export class FileService {
  readonly thumbnails: ImageCache;
  private readonly imageQueue = pLimit(Math.max(1, availableParallelism()));
  private readonly limiter: RateLimiter;

  constructor(
    private readonly ctx: RoomkitContext,
    /** Where a shared file's message goes. */
    private readonly chat: Pick<Services['chat'], 'post'>,
  ) {
    this.thumbnails = new ImageCache(ctx.accountant, {
      name: 'thumbnails',
      maxBytes: Math.floor(ctx.config.memoryBudgetBytes * THUMB_CACHE_SHARE),
    });
    this.limiter = ctx.limiters.open('uploads');
    ctx.rooms.ownData('files', async (roomId) => {
      await ctx.stores.files.deleteRoom(roomId);
      await ctx.stores.blobs.deletePrefix(`${roomId}/`);
    });
    ctx.rooms.on('closed', (roomId) => this.thumbnails.deletePrefix(`${roomId}/`));
    ctx.rooms.contributeState('files', async ({ room }) =>
      (await ctx.stores.files.listFiles(room.id)).map(fileView),
    );
  }

  /**
   * Takes one upload. `read` yields the bytes (already in memory for sockets, streamed with the
   * size cap for multipart); `expectedBytes` is an upper bound known before reading, used to
   * reserve memory so that parallel uploads can never together exceed the budget.
   */
  async upload(
    membership: Membership,
    name: string,
    expectedBytes: number,
    read: () => Promise<Buffer>,
    /** True once the sender has gone (a cancelled upload): nothing is stored then. */
    abandoned: () => boolean = () => false,
  ): Promise<{ file: FileInfo; message: Message }> {
    const { room, member } = membership;
    const max = this.ctx.config.maxUploadBytes;
    if (expectedBytes > max) throw this.tooLarge();
    await this.limiter.consume(member.id);
    this.refuseWhenBusy(expectedBytes);
    // The upload, and its cleaned or re-encoded copy while the image is processed.
    const reservation = this.ctx.accountant.reserve(2 * Math.min(expectedBytes, max));
    try {
      const bytes = await read();
      if (bytes.byteLength === 0) throw new AppError('invalid_request', 'The file is empty.');
      if (bytes.byteLength > max) throw this.tooLarge();
      const type = await detectFileType(bytes, name);
      if (type.kind === 'refused') {
        throw new AppError(
          'unsupported_type',
          'HTML, SVG and XML files cannot be shared; send a picture or a PDF of it instead.',
        );
      }
      const stored =
        type.kind === 'image'
          ? await this.imageQueue(() => processImage(bytes, type.format))
          : { bytes, mime: type.mime, ext: type.ext, width: undefined, height: undefined };
      const sha256 = createHash('sha256').update(stored.bytes).digest('hex');
      const file: FileRecord = {
        id: randomId(),
        roomId: room.id,
        name: sanitizeFileName(name, stored.ext),
        mime: stored.mime,
        size: stored.bytes.byteLength,
        createdAt: this.ctx.clock.now(),
        uploaderId: member.id,
        sha256,
        blobKey: `${room.id}/${sha256}`,
      };
      if (stored.width !== undefined) file.width = stored.width;
      if (stored.height !== undefined) file.height = stored.height;

      // The room may have ended, or the sender cancelled, while the image was being processed.
      await this.ctx.rooms.getLiveRoom(room.id);
      if (abandoned()) throw new AppError('invalid_request', 'The upload was cancelled.');
      if (!(await this.ctx.stores.blobs.has(file.blobKey))) {
        // A blob store in RAM counts what it keeps; the reservation that covered this copy until
        // now is let go in the same tick, so the two are never counted together. A store on disk
        // holds nothing in RAM: the reservation covers the bytes until they are written.
        if (this.ctx.stores.blobs.heldInMemory(file.blobKey))
          reservation.releaseFor(stored.bytes.byteLength);
        await this.ctx.stores.blobs.put(file.blobKey, stored.bytes);
      }
      await this.ctx.stores.files.addFile(file);
      const view = fileView(file);
      this.ctx.bus.publish({ roomId: room.id, name: 'file:added', payload: { file: view } });
      const { message } = await this.chat.post({
        id: randomId(),
        roomId: room.id,
        type: 'file',
        body: file.name,
        sender: { id: member.id, displayName: member.displayName, role: member.role },
        createdAt: file.createdAt,
        fileId: file.id,
      });
      await this.ctx.rooms.restartEmptyGrace(room);
      return { file: view, message };
    } finally {
      reservation.release();
    }
  }

  /** A file of the membership's room with its bytes, or 404 `not_found`. */
  async read(membership: Membership, fileId: string): Promise<StoredFile> {
    const file = await this.ctx.stores.files.getFile(membership.room.id, fileId);
    const bytes = file && (await this.ctx.stores.blobs.get(file.blobKey));
    if (!file || !bytes) throw new AppError('not_found', 'No such file in this room.');
    return { file, bytes };
  }

  /**
   * A resized copy of an image: `width` rounds up to one of THUMB_WIDTHS and never past the
   * original's width, so no one can fill the cache by asking for every size.
   */
  async thumbnail(
    membership: Membership,
    fileId: string,
    width: number,
    format: ThumbFormat,
    accept: string | undefined,
  ): Promise<{ file: FileRecord; thumb: CachedImage; width: number; format: EncodedFormat }> {
    // The original's bytes are read only when the thumbnail has to be made, not on a cache hit.
    const file = await this.ctx.stores.files.getFile(membership.room.id, fileId);
    if (!file) throw new AppError('not_found', 'No such file in this room.');
    if (!isProcessedImage(file) || file.width === undefined) {
      throw new AppError('unsupported_type', 'Only images have thumbnails.');
    }
    const w = snapWidth(width, file.width);
    const encoded = format === 'auto' ? negotiate(accept) : format;
    const key = `${file.roomId}/${file.sha256}/${w}/${encoded}`;
    const thumb = await this.thumbnails.get(key, () =>
      this.imageQueue(async () => {
        const { bytes } = await this.read(membership, fileId);
        // A JPEG or PNG keeps its EXIF orientation (decision 014); a thumbnail is drawn upright.
        return { bytes: await makeVariant(bytes, w, encoded), mime: `image/${encoded}` };
      }),
    );
    return { file, thumb, width: w, format: encoded };
  }

  /** 503 `overloaded` for a large upload while memory is at warning or worse. */
  refuseWhenBusy(expectedBytes: number): void {
    if (this.ctx.accountant.level !== 'ok' && expectedBytes >= LARGE_UPLOAD_BYTES) {
      throw new AppError('overloaded', 'The server is busy; try again in a minute.', {
        headers: {
          'Retry-After': '60',
        },
      });
    }
  }

  /** 413 `too_large`, naming MAX_UPLOAD_BYTES (in the message and as `details.maxBytes`). */
  tooLarge(): AppError {
    const mib = Math.round((this.ctx.config.maxUploadBytes / 1_048_576) * 10) / 10;
    return new AppError('too_large', `A file may be at most ${mib} MiB.`, {
      details: { maxBytes: this.ctx.config.maxUploadBytes },
    });
  }
}
