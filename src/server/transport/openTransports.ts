import type { FastifyInstance } from 'fastify';
import { relayBus } from '../cluster/relayBus.js';
import { relayRevocations } from '../cluster/relayRevocations.js';
import type { Core } from '../kernel/openCore.js';
import { LiveConnections } from './LiveConnections.js';
import { SocketGateway } from './SocketGateway.js';
import { sseRoutes } from './sse.routes.js';

export interface TransportOptions {
  /** How often an idle SSE stream gets a `: ping` comment (default 15 s); tests shorten it. */
  sseHeartbeatMs?: number;
}

export interface Transports {
  sockets: SocketGateway;
  /** Every live connection of this instance, Socket.IO, SSE and a feature's own alike. */
  live: LiveConnections;
  /** Says goodbye to every Socket.IO client and closes the connections. */
  close(): Promise<void>;
}

/**
 * The live transports every feature shares: Socket.IO (with the cluster relays in multi-instance
 * mode) and Server-Sent Events. The collab WebSocket belongs to its feature.
 */
export async function openTransports(
  app: FastifyInstance,
  core: Core,
  options: TransportOptions,
): Promise<Transports> {
  const { ctx, cluster } = core;
  const live = new LiveConnections(ctx);
  const sockets = new SocketGateway(app.server, ctx, live, {
    adapter: cluster?.adapter,
    sharedKeys: cluster?.keys,
  });
  const relayRefused = (error: Error) => app.log.warn({ err: error }, 'cluster relay refused');
  const stopRelay = cluster && relayBus(sockets.io, ctx.bus, relayRefused);
  const stopRevocations =
    cluster && relayRevocations(sockets.io, core.checkedMemberships, relayRefused);
  await app.register(sseRoutes(ctx, live, { heartbeatMs: options.sseHeartbeatMs ?? 15_000 }));
  return {
    sockets,
    live,
    async close() {
      stopRelay?.();
      stopRevocations?.();
      await sockets.close();
      live.close();
    },
  };
}
