import type { FastifyInstance } from 'fastify';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireMember } from '../http/auth/preHandlers.js';
import type { PresignedUploads } from './PresignedUploads.js';
import { presignedUploadSchema, uploadIdSchema } from './presignedUploads.schema.js';

/**
 * Direct uploads to object storage (API.md, "Files and images"):
 * `POST /api/rooms/:roomId/uploads` and `POST /api/rooms/:roomId/uploads/:uploadId/complete`.
 */
export function uploadsRoutes(ctx: RoomkitContext, uploads: PresignedUploads) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.post(
      '/api/rooms/:roomId/uploads',
      { preHandler: requireMember() },
      async (request, reply) => {
        const body = parseInput(presignedUploadSchema, request.body);
        return reply.status(201).send(await uploads.create(request.member.membership, body));
      },
    );

    app.post<{ Params: { roomId: string; uploadId: string } }>(
      '/api/rooms/:roomId/uploads/:uploadId/complete',
      { preHandler: requireMember() },
      async (request, reply) => {
        const uploadId = parseInput(uploadIdSchema, request.params.uploadId, 'uploadId');
        const result = await uploads.complete(
          request.member.membership,
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
