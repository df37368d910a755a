import type { Server as HttpServer } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { Cluster } from '../cluster/openCluster.js';
import type { RoomkitContext } from '../core/context.js';
import type { DependencyCheck } from '../storage/openStores.js';
import type { UploadStaging } from '../storage/UploadStaging.js';
import type { LiveConnections } from '../transport/LiveConnections.js';
import type { ClientEventTable, SocketFeature } from '../transport/socketHandlers.js';
import type { Services } from './services.js';

/**
 * One feature of the server (chat, files, exec, …): a folder whose `index.ts` exports one of
 * these, and one line in the feature list (features.ts). The kernel installs the list in
 * dependency order; nothing outside the folder names the feature's internals.
 */
export interface Feature {
  /** Unique; what other features list in `needs`. */
  readonly name: string;
  /** Features installed before this one: the ones whose services it `use`s. */
  readonly needs?: readonly string[];
  install(api: FeatureApi): void | Promise<void>;
}

/**
 * When a shutdown step runs: once the core's transports have said goodbye, every feature's
 * `connections` steps (its own sockets closed), then its `services` steps (work finished, last
 * writes flushed); within a phase, in reverse install order. Then the core closes presence and
 * Redis, and the stores last of all, after the HTTP server.
 */
export type ShutdownPhase = 'connections' | 'services';

/** What a feature is handed at install: the core and the seams it plugs into. */
export interface FeatureApi {
  /** Configuration, time, log, the event bus, rooms (with their lifecycle), presence, stores. */
  readonly core: RoomkitContext;
  /** Multi-instance mode's Redis connections, when `REDIS_URL` is set. */
  readonly cluster: Cluster | undefined;
  /** Where direct uploads are staged: only with `BLOB_STORE=s3`. */
  readonly staging: UploadStaging | undefined;
  /** A check of each outside dependency the core opened (database, S3, Redis), by name. */
  readonly dependencies: Readonly<Record<string, DependencyCheck>>;
  /** The HTTP server, for a feature with a transport of its own (an upgrade handler). */
  readonly server: HttpServer;
  /**
   * Where a feature's own transport opens each authenticated connection, so that it counts as
   * presence and ends with its room or its member like a Socket.IO or SSE connection.
   */
  readonly live: LiveConnections;
  /**
   * Registers HTTP routes. The auth preHandlers (`requireMember`, …) and `request.member` work
   * inside, as on the root instance.
   */
  readonly http: (routes: FastifyPluginAsync) => Promise<void>;
  /**
   * Registers the handlers of the client events the feature defines (its table in protocol/),
   * typed by event name, payload and ack.
   */
  readonly socket: <T extends ClientEventTable>(events: T, connect: SocketFeature<T>) => void;
  /** Offers a service to the features installed after this one. */
  readonly provide: <K extends keyof Services>(name: K, service: Services[K]) => void;
  /** A service a feature listed in `needs` provided. */
  readonly use: <K extends keyof Services>(name: K) => Services[K];
  /** A step of the server's shutdown. */
  readonly onShutdown: (phase: ShutdownPhase, step: () => void | Promise<void>) => void;
}
