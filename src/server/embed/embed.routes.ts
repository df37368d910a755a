import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  embedPageQuerySchema,
  embedTicketPairSchema,
  type EmbedTicketPair,
} from '../../protocol/embed.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import { parseInput } from '../core/validate.js';
import { secureCookies } from '../http/auth/accountCookie.js';
import { MEMBER_COOKIE } from '../http/auth/memberCookie.js';
import type { EmbedService } from './EmbedService.js';
import { diagnosticsPage, refusalPage } from './pages.js';

/**
 * The embedding routes (API.md, "Embedding"):
 * - `GET /embed?ticket=…&sig=…`: the query form. The ticket is checked (not used up) and the
 *   answer is a 303 to the frame's own URL with the ticket moved into the fragment, so it leaves
 *   the address bar, the history and any Referer; the frame exchanges it.
 * - `GET /embed?integrator=…&origin=…`: the frame, i.e. the web client, allowed to be framed
 *   by that integrator's origins only.
 * - `POST /embed/exchange { ticket, sig }` → the frame's member token.
 * - `GET /embed/diagnostics`: why a ticket is refused, for integrators that turned it on.
 */
export function embedRoutes(ctx: RoomkitContext, service: EmbedService) {
  const joins = ctx.limiters.open('joins');

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/embed', async (request, reply) => {
      const query = request.query as Record<string, unknown>;
      try {
        if (query.ticket !== undefined || query.sig !== undefined) {
          const { integrator, ticket } = await service.preview(query);
          const frame = new URLSearchParams({ integrator: integrator.id, origin: ticket.origin });
          const fragment = new URLSearchParams(pick(query) as Record<string, string>);
          return await reply
            .header('Cache-Control', 'no-store')
            .redirect(`/embed?${frame}#${fragment}`, 303);
        }
        const { integrator: id, origin } = parseInput(embedPageQuerySchema, query, 'query');
        const integrator = service.framing(id, origin);
        frameFor(reply, integrator.allowedOrigins);
        // `sendFile` is there when the server has its web client (not in API-only tests).
        if (typeof reply.sendFile !== 'function') {
          throw new AppError('not_found', 'This server was started without its web client.');
        }
        return await reply.header('Cache-Control', 'no-cache').sendFile('index.html');
      } catch (error) {
        if (!(error instanceof AppError) || !wantsHtml(request)) throw error;
        return reply
          .status(error.status)
          .header('Cache-Control', 'no-store')
          .type('text/html; charset=utf-8')
          .send(refusalPage(error));
      }
    });

    app.post('/embed/exchange', async (request, reply) => {
      const session = await service.exchange(request.body, () => joins.consume(request.ip));
      // Where the browser keeps third-party cookies, the frame's GETs carry the session too;
      // where it does not, the token the frame keeps in memory is what counts.
      if (secureCookies(request, ctx.config)) {
        void reply.header(
          'Set-Cookie',
          `${fastifyCookie.serialize(MEMBER_COOKIE, session.token, {
            path: '/',
            httpOnly: true,
            sameSite: 'none',
            secure: true,
          })}; Partitioned`,
        );
      }
      return reply.header('Cache-Control', 'no-store').send(session);
    });

    app.get('/embed/diagnostics', async (request, reply) => {
      // The page exists only where some integrator turned diagnostics on.
      if (!service.integrators.list().some((integrator) => integrator.diagnostics)) {
        throw new AppError('not_found', 'No integrator has ticket diagnostics turned on.');
      }
      const query = request.query as Record<string, unknown>;
      const html = wantsHtml(request);
      const asked = query.ticket !== undefined || query.sig !== undefined;
      const pair: EmbedTicketPair | undefined = asked
        ? parseInput(embedTicketPairSchema, pick(query), 'query')
        : undefined;
      const inspection = pair && (await service.tickets.diagnose(pair));
      // Only for an integrator that turned diagnostics on: anyone else learns nothing here.
      if (pair && !inspection?.integrator?.diagnostics) {
        throw new AppError(
          'not_found',
          'Ticket diagnostics are not enabled for this integrator ("diagnostics": true).',
        );
      }
      const verdict = inspection && (inspection.refusal?.code ?? 'accepted');
      void reply.header('Cache-Control', 'no-store');
      if (!html) {
        if (!inspection) throw new AppError('invalid_request', 'Give ticket and sig.');
        return { verdict, steps: inspection.steps };
      }
      return reply.type('text/html; charset=utf-8').send(diagnosticsPage(pair, inspection));
    });
  };
}

/** Lets the integrator's origins, and only them, frame the page. */
function frameFor(reply: FastifyReply, origins: readonly string[]): void {
  const policy = String(reply.getHeader('content-security-policy') ?? '');
  void reply.header(
    'Content-Security-Policy',
    policy.replace(/frame-ancestors [^;]*/, `frame-ancestors ${origins.join(' ')}`),
  );
  void reply.removeHeader('x-frame-options');
}

function pick(query: Record<string, unknown>): Record<string, unknown> {
  return { ticket: query.ticket, sig: query.sig };
}

function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}
