import type { FastifyInstance } from 'fastify';
import {
  adminDeleteQuerySchema,
  adminKickSchema,
  adminListQuerySchema,
  type AdminIdentity,
} from '../../protocol/admin.js';
import { roomIdSchema } from '../../protocol/schemas.js';
import { parseInput } from '../core/validate.js';
import { requireAdmin } from '../http/auth/preHandlers.js';
import type { AdminService } from './AdminService.js';

type RoomParams = { Params: { roomId: string } };
type MemberParams = { Params: { roomId: string; memberId: string } };

/**
 * `/api/admin/*` (API.md, "Admin"): reading needs an administrator (`viewer` or `operator`),
 * acting an `operator`. Never answered from a cache shared with members: the page asks for one
 * snapshot a second.
 */
export function adminRoutes(admin: AdminService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    const viewer = { preHandler: requireAdmin('viewer') };
    const operator = { preHandler: requireAdmin('operator') };
    const roomIdOf = (params: { roomId: string }) =>
      parseInput(roomIdSchema, params.roomId, 'roomId');

    app.get('/api/admin/me', viewer, (request): AdminIdentity => {
      const { actor, role, via } = request.admin;
      return { actor, role, via };
    });

    app.get('/api/admin/stats', viewer, () => admin.stats());

    app.get('/api/admin/rooms', viewer, async () => ({ rooms: await admin.rooms() }));

    app.get<RoomParams>('/api/admin/rooms/:roomId', viewer, (request) =>
      admin.room(roomIdOf(request.params)),
    );

    app.delete<RoomParams>('/api/admin/rooms/:roomId', operator, async (request, reply) => {
      const roomId = roomIdOf(request.params);
      const { grace } = parseInput(adminDeleteQuerySchema, request.query ?? {});
      return reply.status(202).send(await admin.deleteRoom(request.admin, roomId, grace));
    });

    app.post<RoomParams>(
      '/api/admin/rooms/:roomId/cancel-close',
      operator,
      async (request, reply) => {
        await admin.cancelClose(request.admin, roomIdOf(request.params));
        return reply.status(204).send();
      },
    );

    app.post<MemberParams>(
      '/api/admin/rooms/:roomId/members/:memberId/kick',
      operator,
      async (request, reply) => {
        const roomId = roomIdOf(request.params);
        const { banSeconds } = parseInput(adminKickSchema, request.body ?? {});
        await admin.kick(request.admin, roomId, request.params.memberId, banSeconds);
        return reply.status(204).send();
      },
    );

    app.get('/api/admin/audit', viewer, async (request) => {
      const { limit } = parseInput(adminListQuerySchema, request.query ?? {});
      return { entries: await admin.auditLog(limit) };
    });

    app.get('/api/admin/exec-runs', viewer, async (request) => {
      const { limit, roomId } = parseInput(adminListQuerySchema, request.query ?? {});
      return { runs: await admin.execRuns({ limit, ...(roomId === undefined ? {} : { roomId }) }) };
    });
  };
}
