import type { FastifyInstance } from 'fastify';
import { logoQuerySchema } from '../../protocol/previews.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { readCredentials } from '../http/auth/credentials.js';
import { authenticateMember } from '../http/auth/principal.js';
import type { ImageSigner } from '../media/ImageSigner.js';
import { sendImage } from './images.routes.js';
import { LOGO_PATH, logoSubject } from './LinkCards.js';
import type { Logos } from './Logos.js';

/**
 * `GET|HEAD /api/logo?domain=…&theme=light|dark&sig=…`: a site's logo as a PNG (Logos). A
 * domain the server signed (a link card's icon; the signature covers the domain only, so the
 * client adds `theme`) is served to whoever has it; any other needs a member's token (Bearer,
 * the cookie, or `?token=` for `<img src>`) and spends the member's `webFetches` limit unless
 * the answer is at hand. `X-Logo-Inverted` says whether the dark variant was inverted, so a
 * client can learn it from a HEAD; a site without a logo is 404 `not_found`.
 */
export function logoRoutes(ctx: RoomkitContext, logos: Logos, signer: ImageSigner) {
  const limiter = ctx.limiters.open('webFetches');
  return async (app: FastifyInstance) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: LOGO_PATH,
      handler: async (request, reply) => {
        const query = parseInput(logoQuerySchema, request.query, 'query');
        if (!signer.verify(logoSubject(query.domain), query.sig)) {
          const credentials = readCredentials(request.raw, ctx.config, {
            bearer: true,
            query: request.query as Readonly<Record<string, unknown>>,
            cookie: 'state-changes-from-trusted-origin',
          });
          const member = await authenticateMember(ctx, credentials);
          if (!logos.has(query.domain, query.theme)) await limiter.consume(member.memberId);
        }
        const logo = await logos.logo(query.domain, query.theme);
        void reply.header('X-Logo-Inverted', String(logo.inverted));
        return sendImage(request, reply, logo, false);
      },
    });
  };
}
