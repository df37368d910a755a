import type { FastifyInstance } from 'fastify';
import { roomIdSchema } from '../../protocol/schemas.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireSession } from '../http/sessionAuth.js';
import type { PresignedUploads } from './PresignedUploads.js';
import { presignedUploadSchema, uploadIdSchema } from './presignedUploads.schema.js';

/**
 * Direct uploads to object storage (API.md, "Files and images"):
 * `POST /api/rooms/:roomId/uploads` and `POST /api/rooms/:roomId/uploads/:uploadId/complete`.
 */
export function uploadsRoutes(ctx: RoomkitContext, uploads: PresignedUploads) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post<{ Params: { roomId: string } }>(
      '/api/rooms/:roomId/uploads',
      async (request, reply) => {
        const roomId = parseInput(roomIdSchema, request.params.roomId, 'roomId');
        const session = await requireSession(ctx, request, roomId);
        const body = parseInput(presignedUploadSchema, request.body);
        return reply.status(201).send(await uploads.create(session, body));
      },
    );

    app.post<{ Params: { roomId: string; uploadId: string } }>(
      '/api/rooms/:roomId/uploads/:uploadId/complete',
      async (request, reply) => {
        const roomId = parseInput(roomIdSchema, request.params.roomId, 'roomId');
        const session = await requireSession(ctx, request, roomId);
        const uploadId = parseInput(uploadIdSchema, request.params.uploadId, 'uploadId');
        const result = await uploads.complete(
          session,
          uploadId,
          () => request.raw.socket.destroyed,
        );
        return reply.status(201).send(result);
      },
    );

    // Staged objects of uploads nobody completed go before the stores close.
    app.addHook('preClose', async () => {
      await uploads.close();
    });
  };
}
