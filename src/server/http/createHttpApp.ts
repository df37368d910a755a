import fastifyCors from '@fastify/cors';
import Fastify, {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Config } from '../config.js';
import { AppError } from '../core/AppError.js';
import type { RoomkitContext } from '../core/context.js';
import type { MemoryAccountant } from '../core/MemoryAccountant.js';
import { registerAuth } from './auth/preHandlers.js';
import { compression } from './compression.js';
import { registerErrorHandler } from './errorHandler.js';
import { corsOrigins } from './origins.js';
import { securityHeaders } from './securityHeaders.js';
import { dropUnusedConnectionsOnClose } from './unusedConnections.js';

const JSON_BODY_LIMIT = 64 * 1024;

/**
 * Fastify's two lines per request ("incoming request", "request completed") at `debug`, not
 * `info`: at the default level a server's log is its own events (start, drivers, errors), not
 * one line per poll and asset. A request that fails is still logged as Fastify does.
 */
class RequestsAtDebug extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    if (!this.isLogDisabled(request)) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) return super.requestCompleted(error, request, reply);
    if (!this.isLogDisabled(request))
      reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/**
 * The Fastify instance, before the core exists: body limit, trusted proxies, logs without
 * content or credentials (requests at `debug`), and the error envelope for what the router refuses itself.
 */
export function createHttpApp(config: Config, accountant: MemoryAccountant): FastifyInstance {
  return Fastify({
    bodyLimit: JSON_BODY_LIMIT,
    trustProxy:
      typeof config.trustProxy === 'number'
        ? (_address: string, hop: number) => hop < (config.trustProxy as number)
        : (config.trustProxy ?? false),
    logger: {
      level: config.logLevel,
      // Logs carry no message content and no credentials: tokens may ride in URLs (SSE).
      redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      serializers: {
        req: (request: { method: string; url: string; ip?: string }) => ({
          method: request.method,
          url: request.url.replace(/([?&](token|ticket|sig)=)[^&]*/g, '$1[redacted]'),
        }),
      },
    },
    logController: new RequestsAtDebug(),
    // Errors the router raises before any route runs get the envelope too: a path segment too
    // long to be any id names nothing (404), a malformed %-escape is a bad request (400).
    frameworkErrors: (error, _request, reply) => {
      const body =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? new AppError('not_found', 'There is nothing at this address.')
          : new AppError('invalid_request', 'The request URL is not valid.');
      void (reply as FastifyReply)
        .status(body.status)
        .header('X-System-Status', accountant.level)
        .send({ error: body.toBody() });
    },
  });
}

/**
 * What every route shares, set up once the core exists: the error envelope, the auth
 * preHandlers, security headers and CSP, CORS for PUBLIC_URL's origin, X-System-Status, and
 * compressed responses (before any route is added: the plugin hooks each route as it comes).
 */
export async function configureHttp(app: FastifyInstance, ctx: RoomkitContext): Promise<void> {
  registerErrorHandler(app);
  await compression(app);
  registerAuth(app, ctx);
  dropUnusedConnectionsOnClose(app);
  securityHeaders(app, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        mediaSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        manifestSrc: ["'self'"],
        workerSrc: ["'self'"],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  // Cross-origin browser access only for PUBLIC_URL's origin; without it, same-origin only.
  if (corsOrigins(ctx.config).length > 0) {
    await app.register(fastifyCors, { origin: corsOrigins(ctx.config), credentials: true });
  }
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('X-System-Status', ctx.accountant.level);
    done(null, payload);
  });
}
