import type { FastifyInstance } from 'fastify';
import { EXEC_CODE_MAX_BYTES, execRunSchema } from '../../protocol/schemas.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { requireMember } from '../http/auth/preHandlers.js';
import type { ExecService } from './ExecService.js';

/** A run's body: up to 1 MiB of code (JSON-escaped, so up to twice that) and 64 KiB of input. */
const EXEC_BODY_LIMIT = 2 * EXEC_CODE_MAX_BYTES + 256 * 1024;

/** Code execution over HTTP (API.md, "Code execution"). */
export function execRoutes(ctx: RoomkitContext, exec: ExecService) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/api/exec/languages', async () => exec.languages());

    app.post(
      '/api/rooms/:roomId/exec',
      { bodyLimit: EXEC_BODY_LIMIT, preHandler: requireMember() },
      async (request) => {
        const body = parseInput(execRunSchema, request.body);
        return exec.run(request.member.membership, body);
      },
    );

    app.post(
      '/api/rooms/:roomId/exec/stop',
      { preHandler: requireMember() },
      async (request, reply) => {
        exec.stop(request.member.membership);
        return reply.status(204).send();
      },
    );
  };
}
