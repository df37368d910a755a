import type { FastifyInstance } from 'fastify';
import { roomIdSchema } from '../protocol/schemas.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './core/Clock.js';
import type { RoomkitContext } from './core/context.js';
import type { Limits } from './core/limits.js';
import { MemoryAccountant } from './core/MemoryAccountant.js';
import { features, type FeatureOptions } from './features.js';
import { configureHttp, createHttpApp } from './http/createHttpApp.js';
import { roomCards, type RoomCardLookup } from './http/roomCard.js';
import { findWebRoot, webClient } from './http/webClient.js';
import type { Feature } from './kernel/Feature.js';
import { installFeatures, type InstalledFeatures } from './kernel/installFeatures.js';
import { openCore } from './kernel/openCore.js';
import type { OutboundOptions } from './outbound/Outbound.js';
import { closeStores } from './storage/Stores.js';
import { openTransports, type TransportOptions } from './transport/openTransports.js';
import type { LiveConnections } from './transport/LiveConnections.js';
import type { SocketGateway } from './transport/SocketGateway.js';

export interface AppOptions extends FeatureOptions, TransportOptions {
  /** Time source; tests pass a ManualClock. */
  clock?: Clock;
  limits?: Partial<Limits>;
  /** Where the built web client is; undefined → looked up beside the server, false → none. */
  webRoot?: string | false;
  /** Installed after Roomkit's own features (tests add one of their own). */
  extraFeatures?: Feature[];
  /** The outbound door's resolver, ports and limits (tests map names to local listeners). */
  outbound?: Omit<OutboundOptions, 'allowHosts'>;
  /** A room's own title for its link's card (an owner's choice); the generic card without it. */
  roomCard?: RoomCardLookup;
}

export interface RoomkitApp {
  app: FastifyInstance;
  ctx: RoomkitContext;
  sockets: SocketGateway;
  /** Every live connection of this instance: where a member's connections are ended. */
  live: LiveConnections;
  /** A service a feature provided: `use('exec')`, `use('collab')`. */
  use: InstalledFeatures['use'];
}

/**
 * Builds the whole server without listening: the core, the HTTP app, the live transports, the
 * features (features.ts) and the web client. `main.ts` and the tests call `app.listen()`.
 */
export async function buildApp(config: Config, options: AppOptions = {}): Promise<RoomkitApp> {
  const accountant = new MemoryAccountant(config.memoryBudgetBytes);
  const app = createHttpApp(config, accountant);
  const core = await openCore(app, config, {
    clock: options.clock ?? systemClock,
    accountant,
    limits: options.limits,
    outbound: options.outbound,
  });
  const { ctx, cluster } = core;
  await configureHttp(app, ctx);
  const transports = await openTransports(app, core, options);

  const installed = await installFeatures(
    [...features(options), ...(options.extraFeatures ?? [])],
    {
      core: ctx,
      cluster,
      staging: core.staging,
      dependencies: core.dependencies,
      server: app.server,
      live: transports.live,
      http: async (routes) => {
        await app.register(routes);
      },
      socket: (events, connect) => transports.sockets.use(events, connect),
    },
    (error, feature) => app.log.error({ err: error, feature }, 'shutdown step failed'),
  );

  const webRoot = options.webRoot === false ? undefined : (options.webRoot ?? findWebRoot());
  // Room links' cards first: /r/<roomId> is theirs, the web client's fallback answers the rest.
  await app.register(roomCards, {
    root: webRoot,
    publicUrl: config.publicUrl,
    roomCard: options.roomCard ?? ((roomId) => namedRoomCard(ctx, roomId)),
  });
  await app.register(webClient, { root: webRoot });

  // Relief runs after the hold that crossed the line, never inside it.
  accountant.onPressure(() => setImmediate(() => void ctx.rooms.relieveMemoryPressure()));
  ctx.rooms.start();
  app.addHook('preClose', async () => {
    ctx.rooms.stop();
    await transports.close();
    await installed.shutdown('connections');
    await installed.shutdown('services');
    await ctx.outbound.close();
    await ctx.presence.close();
    await cluster?.close();
  });
  app.addHook('onClose', async () => {
    await closeStores(ctx.stores);
  });
  return { app, ctx, sockets: transports.sockets, live: transports.live, use: installed.use };
}

/**
 * The card of a room whose owner let it name the room (`namedCard`); any other id, a room that
 * ended or one that keeps its name to itself gets the generic card.
 */
async function namedRoomCard(
  ctx: RoomkitContext,
  roomId: string,
): Promise<{ title: string } | undefined> {
  if (!roomIdSchema.safeParse(roomId).success) return undefined;
  const room = await ctx.stores.rooms.getRoom(roomId);
  if (!room?.namedCard || (room.expiresAt !== null && room.expiresAt <= ctx.clock.now())) {
    return undefined;
  }
  return { title: `Join “${room.name}”` };
}
