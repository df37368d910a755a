import type { Feature } from '../kernel/Feature.js';
import { attachCollabSockets } from './collab.ws.js';
import { CollabService } from './CollabService.js';

declare module '../kernel/services.js' {
  interface Services {
    collab: CollabService;
  }
}

export interface CollabFeatureOptions {
  /** Ping interval of collab WebSockets (default 30 s); tests shorten it. */
  heartbeatMs?: number;
}

/**
 * The shared editor: one Yjs document per room over y-websocket at `/collab/:roomId`, stored as
 * updates with compaction, relayed between instances. Owns the room's document.
 */
export function collab(options: CollabFeatureOptions = {}): Feature {
  return {
    name: 'collab',
    install({ core, cluster, server, live, provide, onShutdown }) {
      const service = new CollabService(core, { channel: cluster?.channel });
      const sockets = attachCollabSockets(server, core, live, service, options);
      provide('collab', service);
      // Closing the sockets unloads their documents; then the last compactions are awaited.
      onShutdown('connections', () => sockets.close());
      onShutdown('services', () => service.close());
    },
  };
}
