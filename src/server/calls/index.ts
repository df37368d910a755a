import { callsClientEvents } from '../../protocol/calls.js';
import type { Feature } from '../kernel/Feature.js';
import { callsEvents } from './calls.events.js';
import { callsRoutes } from './calls.routes.js';
import { CallService, type CallOptions } from './CallService.js';
import { MemoryCallStore, RedisCallStore } from './CallStore.js';
import { JanusClient } from './janus/JanusClient.js';

declare module '../kernel/services.js' {
  interface Services {
    calls: CallService;
  }
}

/**
 * Calls (API.md, `signal`, `call:*`, `ice-servers`): who is in each room's call, kept in Redis
 * with several instances so every instance answers the same; members' WebRTC signals relayed to
 * one another over Socket.IO or REST + SSE; STUN/TURN servers with short-lived TURN credentials;
 * with `CALLS_SFU`, calls past the mesh size carried through a Janus VideoRoom.
 * `options` shortens the grace period in tests.
 */
export function calls(options: Partial<CallOptions> = {}): Feature {
  return {
    name: 'calls',
    needs: ['health'],
    async install({ core, cluster, http, socket, provide, use, onShutdown }) {
      const store = cluster
        ? new RedisCallStore(cluster.redis, core.config.redisKeyPrefix)
        : new MemoryCallStore();
      const sfu = core.config.calls.sfu;
      const janus = sfu && new JanusClient(core.outbound, sfu.url, sfu.apiSecret);
      const service = new CallService(core, store, use('metrics'), options, janus);
      await http(callsRoutes(service));
      socket(callsClientEvents, callsEvents(service));
      provide('calls', service);
      onShutdown('services', () => service.close());
      const { iceServers, turnSecret } = core.config.calls;
      const turnWithoutCredentials = iceServers.some(
        (server) =>
          server.username === undefined &&
          [server.urls].flat().some((url) => url.startsWith('turn')),
      );
      if (turnWithoutCredentials && turnSecret === undefined)
        core.log.warn(
          'calls: ICE_SERVERS lists a TURN server without credentials and TURN_SECRET is unset',
        );
    },
  };
}
