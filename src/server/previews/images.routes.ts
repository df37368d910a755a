import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { imageQuerySchema } from '../../protocol/previews.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { readCredentials } from '../http/auth/credentials.js';
import { authenticateMember } from '../http/auth/principal.js';
import { MEDIA_CSP, notModified } from '../http/imageReplies.js';
import type { ImageSigner } from '../media/ImageSigner.js';
import type { RemoteImage, RemoteImages } from './RemoteImages.js';

/**
 * Remote images may change on their site: a browser keeps its copy a day, and only for itself
 * (the URL may have needed a member's session).
 */
const CACHE_CONTROL = 'private, max-age=86400';

/**
 * `GET /api/images?url=…&sig=…&w=…&format=…`: a remote image re-served by this server. A URL
 * the server signed (a preview's image or icon) is served to whoever has it; any other URL
 * needs a member's session (Bearer, the cookie, or `?token=` for `<img src>`) and spends the
 * member's `webFetches` limit. Either way the fetch goes through the outbound door.
 */
export function imagesRoutes(ctx: RoomkitContext, images: RemoteImages, signer: ImageSigner) {
  const limiter = ctx.limiters.open('webFetches');
  return async (app: FastifyInstance) => {
    app.get('/api/images', async (request, reply) => {
      const query = parseInput(imageQuerySchema, request.query, 'query');
      const wanted = { width: query.w, format: query.format, accept: request.headers.accept };
      if (!signer.verify(query.url, query.sig)) {
        const credentials = readCredentials(request.raw, ctx.config, {
          bearer: true,
          query: request.query as Readonly<Record<string, unknown>>,
          cookie: 'state-changes-from-trusted-origin',
        });
        const member = await authenticateMember(ctx, credentials);
        if (!images.cache.peek(images.keyOf(query.url, wanted))) {
          await limiter.consume(member.memberId);
        }
      }
      const image = await images.variant(query.url, wanted);
      return sendImage(request, reply, image, query.format === 'auto');
    });
  };
}

/** An image with its validators; 304 when the client has it. */
export function sendImage(
  request: FastifyRequest,
  reply: FastifyReply,
  image: RemoteImage,
  negotiated: boolean,
) {
  void reply.headers({
    'Content-Type': image.mime,
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': MEDIA_CSP,
    'Cache-Control': CACHE_CONTROL,
    ETag: image.etag,
  });
  if (negotiated) void reply.header('Vary', 'Accept');
  if (notModified(request, image.etag)) return reply.status(304).send();
  return reply.send(image.bytes);
}
