import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { previewQuerySchema } from '../../protocol/previews.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { readCredentials } from '../http/auth/credentials.js';
import { requireMember } from '../http/auth/preHandlers.js';
import { authenticateMember } from '../http/auth/principal.js';
import type { LinkCards } from './LinkCards.js';
import type { MessageCards } from './MessageCards.js';

const seqSchema = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * `GET /api/previews?url=…` (a member's session; reading a page not read lately spends the
 * member's `webFetches` limit) and `DELETE /api/rooms/:roomId/messages/:seq/preview` (the
 * message's sender).
 */
export function previewsRoutes(ctx: RoomkitContext, cards: LinkCards, messages: MessageCards) {
  const limiter = ctx.limiters.open('webFetches');
  return async (app: FastifyInstance) => {
    app.get('/api/previews', async (request) => {
      const credentials = readCredentials(request.raw, ctx.config, {
        bearer: true,
        cookie: 'state-changes-from-trusted-origin',
      });
      const member = await authenticateMember(ctx, credentials);
      const { url } = parseInput(previewQuerySchema, request.query, 'query');
      if (!cards.has(url)) await limiter.consume(member.memberId);
      return cards.card(url);
    });

    app.delete<{ Params: { roomId: string; seq: string } }>(
      '/api/rooms/:roomId/messages/:seq/preview',
      { preHandler: requireMember() },
      async (request, reply) => {
        const seq = parseInput(seqSchema, request.params.seq, 'seq');
        await messages.remove(request.member.membership, seq);
        return reply.status(204).send();
      },
    );
  };
}
