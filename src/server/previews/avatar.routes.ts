import type { FastifyInstance } from 'fastify';
import { thumbQuerySchema } from '../../protocol/files.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireMember } from '../http/auth/preHandlers.js';
import { sendImage } from './images.routes.js';
import type { RemoteImages } from './RemoteImages.js';

type AvatarParams = { Params: { roomId: string; memberId: string } };

/**
 * `GET /api/rooms/:roomId/members/:memberId/avatar?w=…&format=…`: the picture an integrator's
 * ticket gave the member, fetched by this server through the image proxy (never by members'
 * browsers). For the room's members only; `?token=` counts, for `<img src>`. 404 `not_found`
 * for a member without one.
 */
export function avatarRoutes(ctx: RoomkitContext, images: RemoteImages) {
  return async (app: FastifyInstance) => {
    app.get<AvatarParams>(
      '/api/rooms/:roomId/members/:memberId/avatar',
      { preHandler: requireMember('roomId', { queryToken: true }) },
      async (request, reply) => {
        const query = parseInput(thumbQuerySchema, request.query, 'query');
        const { roomId } = request.member;
        const member = await ctx.stores.rooms.getMember(roomId, request.params.memberId);
        if (member?.avatarUrl === undefined) {
          throw new AppError('not_found', 'This member has no picture.');
        }
        const image = await images.variant(member.avatarUrl, {
          width: query.w,
          format: query.format,
          accept: request.headers.accept,
        });
        return sendImage(request, reply, image, query.format === 'auto');
      },
    );
  };
}
