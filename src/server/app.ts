import fastifyCors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { ChatService } from './chat/ChatService.js';
import { chatEvents } from './chat/chat.events.js';
import { chatRoutes } from './chat/chat.routes.js';
import { attachCollabSockets } from './collab/collab.ws.js';
import { CollabService } from './collab/CollabService.js';
import type { Config } from './config.js';
import { execEvents } from './exec/exec.events.js';
import { execRoutes } from './exec/exec.routes.js';
import { ExecService, type ExecOptions } from './exec/ExecService.js';
import { FileService } from './files/FileService.js';
import { filesEvents } from './files/files.events.js';
import { filesRoutes } from './files/files.routes.js';
import { PresignedUploads } from './files/PresignedUploads.js';
import { AppError } from './core/AppError.js';
import { systemClock, type Clock } from './core/Clock.js';
import { defaultLimits, type Limits, type RoomkitContext } from './core/context.js';
import { MemoryAccountant } from './core/MemoryAccountant.js';
import { PresenceTracker } from './core/PresenceTracker.js';
import type { Cluster } from './cluster/openCluster.js';
import { RedisPendingUploads } from './cluster/RedisPendingUploads.js';
import { relayBus } from './cluster/relayBus.js';
import { relayRevocations } from './cluster/relayRevocations.js';
import { RoomEventBus } from './core/RoomEventBus.js';
import { RoomService } from './core/RoomService.js';
import { roomsRoutes } from './core/rooms.routes.js';
import { SessionCache } from './core/SessionCache.js';
import { SessionService } from './core/SessionService.js';
import { healthRoutes } from './health/health.routes.js';
import { createMetrics, httpDurationMetric } from './health/metrics.js';
import { registerAuth } from './http/auth/preHandlers.js';
import { registerErrorHandler } from './http/errorHandler.js';
import { securityHeaders } from './http/securityHeaders.js';
import { corsOrigins } from './http/origins.js';
import { dropUnusedConnectionsOnClose } from './http/unusedConnections.js';
import { findWebRoot, webClient } from './http/webClient.js';
import { openStores } from './storage/openStores.js';
import { closeStores } from './storage/Stores.js';
import { SocketGateway } from './transport/SocketGateway.js';
import { sseRoutes } from './transport/sse.routes.js';

export interface AppOptions {
  /** Time source; tests pass a ManualClock. */
  clock?: Clock;
  limits?: Partial<Limits>;
  sseHeartbeatMs?: number;
  /** Ping interval of collab WebSockets (default 30 s); tests shorten it. */
  collabHeartbeatMs?: number;
  /** Where the built web client is; undefined → looked up beside the server, false → none. */
  webRoot?: string | false;
  /** Code execution limits and queue (defaults: 5 s, 128 MiB, 64 KiB); tests shorten them. */
  exec?: Partial<ExecOptions>;
}

export interface RoomkitApp {
  app: FastifyInstance;
  ctx: RoomkitContext;
  sockets: SocketGateway;
  collab: CollabService;
  exec: ExecService;
}

const JSON_BODY_LIMIT = 64 * 1024;

/**
 * Builds the whole server — core, features and transports — without listening. `main.ts` and
 * the tests call `app.listen()` themselves.
 */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<RoomkitApp> {
  const accountant = new MemoryAccountant(config.memoryBudgetBytes);
  const app = Fastify({
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

  const clock = options.clock ?? systemClock;
  const bus = new RoomEventBus((error, event) =>
    app.log.error({ err: error, event: event.name }, 'bus listener failed'),
  );
  const cluster = await openClusterIfConfigured(config, (error) =>
    app.log.error({ err: error }, 'redis failed'),
  );
  const presence = cluster?.presence ?? new PresenceTracker();
  let opened;
  try {
    opened = await openStores(config, {
      accountant,
      onError: (error) => app.log.error({ err: error }, 'storage failed'),
    });
  } catch (error) {
    await cluster?.close();
    throw error;
  }
  const { stores, staging } = opened;
  const checks = cluster ? { ...opened.checks, redis: cluster.check } : opened.checks;
  const checkedSessions = new SessionCache();
  const rooms = new RoomService(
    stores,
    bus,
    presence,
    new SessionService(config.sessionSecret),
    checkedSessions,
    clock,
    accountant,
    {
      defaultTtlSeconds: config.roomTtlSeconds,
      emptyRoomGraceSeconds: config.emptyRoomGraceSeconds,
      persistence: config.databaseUrl !== undefined,
    },
    (error) => app.log.error({ err: error }, 'room hook failed'),
  );
  const ctx: RoomkitContext = {
    config,
    clock,
    log: app.log,
    bus,
    rooms,
    presence,
    accountant,
    stores,
    limits: { ...defaultLimits, ...options.limits },
    sharedLimits: cluster && { redis: cluster.redis, keyPrefix: config.redisKeyPrefix },
  };

  registerErrorHandler(app);
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
  if (corsOrigins(config).length > 0) {
    await app.register(fastifyCors, { origin: corsOrigins(config), credentials: true });
  }
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.header('X-System-Status', ctx.accountant.level);
    done(null, payload);
  });

  const sockets = new SocketGateway(app.server, ctx, {
    adapter: cluster?.adapter,
    sharedKeys: cluster?.keys,
  });
  const relayRefused = (error: Error) => app.log.warn({ err: error }, 'cluster relay refused');
  const stopRelay = cluster && relayBus(sockets.io, bus, relayRefused);
  const stopRevocations = cluster && relayRevocations(sockets.io, checkedSessions, relayRefused);
  const registry = createMetrics(ctx);
  httpDurationMetric(app, registry);

  const chat = new ChatService(ctx);
  const files = new FileService(ctx);
  const uploads = new PresignedUploads(
    ctx,
    files,
    staging,
    cluster && new RedisPendingUploads(cluster.redis, config.redisKeyPrefix),
  );
  const exec = new ExecService(ctx, options.exec);
  await app.register(healthRoutes(ctx, registry, checks));
  await app.register(roomsRoutes(ctx));
  await app.register(chatRoutes(ctx, chat));
  await app.register(filesRoutes(ctx, files, uploads));
  await app.register(execRoutes(ctx, exec));
  await app.register(sseRoutes(ctx, { heartbeatMs: options.sseHeartbeatMs ?? 15_000 }));
  sockets.use(chatEvents(chat));
  sockets.use(filesEvents(files));
  sockets.use(execEvents(exec));
  const collab = new CollabService(ctx, { channel: cluster?.channel });
  const collabSockets = attachCollabSockets(app.server, ctx, collab, {
    heartbeatMs: options.collabHeartbeatMs,
  });

  const webRoot = options.webRoot === false ? undefined : (options.webRoot ?? findWebRoot());
  await app.register(webClient, { root: webRoot });

  // Relief runs after the hold that crossed the line, never inside it.
  accountant.onPressure(() => setImmediate(() => void rooms.relieveMemoryPressure()));
  rooms.start();
  app.addHook('preClose', async () => {
    rooms.stop();
    stopRelay?.();
    stopRevocations?.();
    await sockets.close();
    // Closing the collab sockets unloads their documents; the last compactions are awaited.
    await collabSockets.close();
    await collab.close();
    await exec.close();
    await presence.close();
    await cluster?.close();
  });
  app.addHook('onClose', async () => {
    await closeStores(stores);
  });
  return { app, ctx, sockets, collab, exec };
}

/**
 * Multi-instance mode's Redis connections, with `REDIS_URL`. ioredis and the streams adapter
 * are loaded only then: a single instance starts without them.
 */
async function openClusterIfConfigured(
  config: Config,
  onError: (error: Error) => void,
): Promise<Cluster | undefined> {
  if (config.redisUrl === undefined) return undefined;
  const { openCluster } = await import('./cluster/openCluster.js');
  return openCluster({ redisUrl: config.redisUrl, keyPrefix: config.redisKeyPrefix, onError });
}
