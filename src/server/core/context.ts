import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Stores } from '../storage/Stores.js';
import type { Clock } from './Clock.js';
import type { MemoryAccountant } from './MemoryAccountant.js';
import type { Presence } from './Presence.js';
import type { RateLimit, SharedLimitStore } from './RateLimiter.js';
import type { RoomEventBus } from './RoomEventBus.js';
import type { RoomService } from './RoomService.js';

/** Limits on what one client may do; tests tighten or relax them through buildApp's options. */
export interface Limits {
  /** Rooms created per client address. */
  createRoom: RateLimit;
  /** Join attempts per client address (join codes must not be guessable by brute force). */
  joinRoom: RateLimit;
  /** Messages per member, over every transport together. */
  messages: RateLimit;
  /** Socket events of any kind per socket. */
  socketEvents: RateLimit;
  /** Refused socket events per socket before the socket is disconnected as abusive. */
  socketAbuse: RateLimit;
  /** Uploads per member, over every transport together. */
  uploads: RateLimit;
  /** Code runs per member, over every transport together. */
  exec: RateLimit;
  /** y-websocket messages (edits, cursors) per collab connection; past it, 1013 `rate_limited`. */
  collabMessages: RateLimit;
}

export const defaultLimits: Limits = {
  createRoom: { points: 20, seconds: 60 },
  joinRoom: { points: 30, seconds: 60 },
  messages: { points: 30, seconds: 10 },
  socketEvents: { points: 40, seconds: 1 },
  socketAbuse: { points: 200, seconds: 10 },
  uploads: { points: 30, seconds: 60 },
  exec: { points: 10, seconds: 60 },
  // Typing sends an edit and a cursor move per key: 100 a second is a fast typist's auto-repeat
  // with room to spare.
  collabMessages: { points: 100, seconds: 1 },
};

/** The core every feature is handed: configuration, time, the bus, rooms and the stores. */
export interface RoomkitContext {
  config: Config;
  clock: Clock;
  log: FastifyBaseLogger;
  bus: RoomEventBus;
  rooms: RoomService;
  presence: Presence;
  accountant: MemoryAccountant;
  stores: Stores;
  limits: Limits;
  /**
   * In multi-instance mode, where limits per member or per address keep their counts so they
   * hold across instances (limits per connection stay in RAM).
   */
  sharedLimits: SharedLimitStore | undefined;
}
