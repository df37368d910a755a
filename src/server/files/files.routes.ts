import fastifyMultipart from '@fastify/multipart';
import contentDisposition from 'content-disposition';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import parseRange from 'range-parser';
import { fileIdSchema, roomIdSchema, thumbQuerySchema } from '../../protocol/schemas.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireSession } from '../http/sessionAuth.js';
import type { FileService } from './FileService.js';

type FileParams = { Params: { roomId: string; fileId: string } };

/** What a served file may do if a browser renders it: nothing (no script, no plugins, no forms). */
const FILE_CSP = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";
/** Room files never change under their URL; only the member who fetched one may keep it. */
const IMMUTABLE = 'private, max-age=31536000, immutable';

/**
 * Files over HTTP (API.md, "Files and images"): multipart uploads, downloads with ETag and
 * ranges, thumbnails. Media URLs accept `?token=` so that <img src> works.
 */
export function filesRoutes(ctx: RoomkitContext, files: FileService) {
  return async function routes(app: FastifyInstance): Promise<void> {
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

    app.post<{ Params: { roomId: string } }>('/api/rooms/:roomId/files', async (request, reply) => {
      const roomId = parseInput(roomIdSchema, request.params.roomId, 'roomId');
      const session = await requireSession(ctx, request, roomId);
      if (!request.isMultipart()) {
        throw new AppError(
          'unsupported_type',
          'Send the file as multipart/form-data, field "file".',
        );
      }
      const part = await request.file();
      if (!part || part.fieldname !== 'file') {
        throw new AppError('invalid_request', 'The form needs one file in the field "file".', [
          { path: 'file', message: 'missing' },
        ]);
      }
      // Content-Length bounds the file before a byte is read; the multipart limit enforces it.
      const declared = Number(request.headers['content-length']);
      const expected =
        Number.isFinite(declared) && declared > 0 ? declared : ctx.config.maxUploadBytes;
      const result = await files.upload(session, part.filename, expected, () => part.toBuffer());
      return reply.status(201).send(result);
    });

    app.get<FileParams>('/api/rooms/:roomId/files/:fileId', async (request, reply) => {
      const { session, fileId } = await fileRequest(ctx, request);
      const { file, bytes } = await files.read(session, fileId);
      const inline = file.mime.startsWith('image/');
      const etag = `"${file.sha256}"`;
      void reply.headers({
        'Content-Type': file.mime,
        'Content-Disposition': contentDisposition(file.name, {
          type: inline ? 'inline' : 'attachment',
        }),
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': FILE_CSP,
        'Cache-Control': IMMUTABLE,
        'Accept-Ranges': 'bytes',
        ETag: etag,
      });
      if (notModified(request, etag)) return reply.status(304).send();
      return sendRange(request, reply, bytes, etag);
    });

    app.get<FileParams>('/api/rooms/:roomId/files/:fileId/thumb', async (request, reply) => {
      const { session, fileId } = await fileRequest(ctx, request);
      const query = parseInput(thumbQuerySchema, request.query, 'query');
      const { file, thumb, width, format } = await files.thumbnail(
        session,
        fileId,
        query.w,
        query.format,
        request.headers.accept,
      );
      const etag = `"${file.sha256.slice(0, 32)}-${width}-${format}"`;
      void reply.headers({
        'Content-Type': thumb.mime,
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': FILE_CSP,
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

async function fileRequest(ctx: RoomkitContext, request: FastifyRequest<FileParams>) {
  const roomId = parseInput(roomIdSchema, request.params.roomId, 'roomId');
  const session = await requireSession(ctx, request, roomId, { allowQueryToken: true });
  const fileId = parseInput(fileIdSchema, request.params.fileId, 'fileId');
  return { session, fileId };
}

function notModified(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  return (
    header !== undefined && header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
  );
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
