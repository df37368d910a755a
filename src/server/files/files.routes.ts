import fastifyMultipart, { type Multipart } from '@fastify/multipart';
import contentDisposition from 'content-disposition';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { fileIdSchema, thumbQuerySchema } from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireMember } from '../http/auth/preHandlers.js';
import { MEDIA_CSP, notModified } from '../http/imageReplies.js';
import type { FileRecord } from '../storage/records.js';
import type { FileService } from './FileService.js';
import type { PresignedUploads } from './PresignedUploads.js';
import { isProcessedImage } from '../media/processImage.js';
import { uploadsRoutes } from './uploads.routes.js';

type FileParams = { Params: { roomId: string; fileId: string } };

/** Room files never change under their URL; only the member who fetched one may keep it. */
const IMMUTABLE = 'private, max-age=31536000, immutable';
/** What a form may add around its file: part headers, the boundaries and a few small fields. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * Files over HTTP (API.md, "Files and images"): multipart uploads, direct uploads to object
 * storage, downloads with ETag and ranges, thumbnails. Media URLs accept `?token=` so that
 * <img src> works.
 */
export function filesRoutes(ctx: RoomkitContext, files: FileService, uploads: PresignedUploads) {
  return async function routes(app: FastifyInstance): Promise<void> {
    await app.register(uploadsRoutes(ctx, uploads));
    await app.register(fastifyMultipart, {
      throwFileSizeLimit: true,
      limits: {
        fileSize: ctx.config.maxUploadBytes,
        files: 1,
        fields: 4,
        parts: 8,
        fieldSize: 4096,
        headerPairs: 50,
      },
    });

    const member = { preHandler: requireMember() };
    // Media URLs are opened by <img src>, which cannot send a header. Their bytes go out as
    // stored, never compressed on the way: images are compressed already, and ranges and the
    // ETag count the stored bytes.
    const media = {
      preHandler: requireMember('roomId', { queryToken: true }),
      compress: false as const,
    };

    app.post('/api/rooms/:roomId/files', member, async (request, reply) => {
      const { membership } = request.member;
      if (!request.isMultipart()) {
        throw new AppError(
          'unsupported_type',
          'Send the file as multipart/form-data, field "file".',
        );
      }
      // One file per request, in the field "file"; other fields are ignored and a second file
      // refuses the whole upload, so the form is read to its end before anything is stored.
      const parts = request.parts();
      const nextPart = async (): Promise<Multipart | undefined> =>
        (await parts.next().catch(formError)).value as Multipart | undefined;
      let part = await nextPart();
      while (part?.type === 'field') part = await nextPart();
      if (part?.type !== 'file' || part.fieldname !== 'file') {
        if (part?.type === 'file') part.file.resume();
        throw new AppError('invalid_request', 'The form needs one file in the field "file".', {
          details: [{ path: 'file', message: 'missing' }],
        });
      }
      const file = part;
      // Content-Length bounds the file before a byte is read: a form adds a little around the
      // file, so only a body beyond that is refused outright; the multipart limit then holds the
      // file itself to MAX_UPLOAD_BYTES.
      const max = ctx.config.maxUploadBytes;
      const declared = Number(request.headers['content-length']);
      let expected = max;
      if (Number.isFinite(declared) && declared > 0) {
        expected = declared > max + FORM_OVERHEAD_BYTES ? declared : Math.min(declared, max);
      }
      const read = async () => {
        const bytes = await file.toBuffer().catch((error: unknown) => {
          // The multipart limit cut the file off at MAX_UPLOAD_BYTES.
          if (errorCode(error) === 'FST_REQ_FILE_TOO_LARGE') throw files.tooLarge();
          return formError(error);
        });
        // The rest of the form: fields are skipped, a second file comes as a files-limit error.
        while (await nextPart());
        return bytes;
      };
      try {
        const result = await files.upload(
          membership,
          formFileName(file.filename),
          expected,
          read,
          // The client aborted (a cancelled upload): its connection is gone.
          () => request.raw.socket.destroyed,
        );
        return reply.status(201).send(result);
      } catch (error) {
        // Refused before the file was read (too large, busy, rate limited): busboy must skip the
        // rest of the body, or the client, still sending, never gets to read the answer.
        file.file.resume();
        throw error;
      }
    });

    app.get<FileParams>('/api/rooms/:roomId/files/:fileId', media, async (request, reply) => {
      const { membership } = request.member;
      const fileId = parseInput(fileIdSchema, request.params.fileId, 'fileId');
      const { file, bytes } = await files.read(membership, fileId);
      const served = servedAs(file);
      const etag = `"${file.sha256}"`;
      void reply.headers({
        'Content-Type': served.type,
        'Content-Disposition': contentDisposition(file.name, { type: served.disposition }),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': MEDIA_CSP,
        'Cache-Control': IMMUTABLE,
        'Accept-Ranges': 'bytes',
        ETag: etag,
      });
      if (notModified(request, etag)) return reply.status(304).send();
      return sendRange(request, reply, bytes, etag);
    });

    app.get<FileParams>('/api/rooms/:roomId/files/:fileId/thumb', media, async (request, reply) => {
      const { membership } = request.member;
      const fileId = parseInput(fileIdSchema, request.params.fileId, 'fileId');
      const query = parseInput(thumbQuerySchema, request.query, 'query');
      const { file, thumb, width, format } = await files.thumbnail(
        membership,
        fileId,
        query.w,
        query.format,
        request.headers.accept,
      );
      const etag = `"${file.sha256.slice(0, 32)}-${width}-${format}"`;
      void reply.headers({
        'Content-Type': thumb.mime,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': MEDIA_CSP,
        'Cache-Control': IMMUTABLE,
        ETag: etag,
      });
      if (query.format === 'auto') void reply.header('Vary', 'Accept');
      if (notModified(request, etag)) return reply.status(304).send();
      return reply.send(thumb.bytes);
    });

    // The PWA's share target, when no service worker caught the POST (first visit, or a
    // browser without one): send the person to the page that explains what to do.
    app.post('/share-target', async (_request, reply) => {
      return reply.redirect('/share?status=no-service-worker', 303);
    });
  };
}

/**
 * How a stored file goes out. Inline only when the image pipeline made it (limits checked,
 * decoded in full, metadata dropped); anything else is a download. An image type the pipeline
 * did not make (a file stored so by an older version) goes out as `application/octet-stream`,
 * since `attachment` alone does not stop an `<img>` from rendering it, location and all.
 */
function servedAs(file: FileRecord): { type: string; disposition: 'inline' | 'attachment' } {
  if (isProcessedImage(file)) return { type: file.mime, disposition: 'inline' };
  const image = file.mime.startsWith('image/');
  return { type: image ? 'application/octet-stream' : file.mime, disposition: 'attachment' };
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null | undefined)?.code;
}

/**
 * A form that cannot be read. Busboy's own failures (no boundary, a body cut short, a malformed
 * part header) carry no status and would surface as 500s; they are the client's mistake, as is a
 * second file. The other limit errors keep their 413.
 */
function formError(error: unknown): never {
  if (errorCode(error) === 'FST_FILES_LIMIT') {
    throw new AppError('invalid_request', 'Send one file per request.', {
      details: [{ path: 'file', message: 'only one file per request' }],
    });
  }
  const status = (error as { statusCode?: unknown } | null | undefined)?.statusCode;
  if (error instanceof AppError || typeof status === 'number') throw error;
  throw new AppError('invalid_request', 'The multipart body could not be read.');
}

/** The bytes, or the one range asked for (206), or 416; several ranges get the whole file. */
function sendRange(request: FastifyRequest, reply: FastifyReply, bytes: Buffer, etag: string) {
  const header = request.headers.range;
  const ifRange = request.headers['if-range'];
  if (header === undefined || (ifRange !== undefined && ifRange !== etag)) return reply.send(bytes);
  const ranges = parseRange(bytes.byteLength, header, { combine: true });
  if (ranges === -1) {
    return reply
      .status(416)
      .header('Content-Range', `bytes */${bytes.byteLength}`)
      .type('application/json; charset=utf-8')
      .send({
        error: { code: 'invalid_request', message: 'The requested range is not in the file.' },
      });
  }
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return reply.send(bytes);
  const range = ranges[0] as parseRange.Range;
  return reply
    .status(206)
    .header('Content-Range', `bytes ${range.start}-${range.end}/${bytes.byteLength}`)
    .send(bytes.subarray(range.start, range.end + 1));
}

/**
 * Browsers send `"`, CR and LF in a multipart file name as %22, %0D and %0A (WHATWG); busboy
 * leaves them so. Decoded here, they are then cleaned like any other name.
 */
function formFileName(name: string): string {
  return name.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
}
