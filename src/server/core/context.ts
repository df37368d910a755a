import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Outbound } from '../outbound/Outbound.js';
import type { Stores } from '../storage/Stores.js';
import type { Clock } from './Clock.js';
import type { MemoryAccountant } from './MemoryAccountant.js';
import type { Presence } from './Presence.js';
import type { RateLimiters } from './RateLimiters.js';
import type { Limits } from './limits.js';
import type { RoomEventBus } from './RoomEventBus.js';
import type { RoomService } from './RoomService.js';

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
  /** The configured limits (`RATE_LIMIT_*`, or buildApp's `limits` in tests). */
  limits: Limits;
  /**
   * Opens a named limit with its configured size, counted for the metrics; in multi-instance
   * mode limits per member or per address keep their counts in Redis (per connection, in RAM).
   */
  limiters: RateLimiters;
  /**
   * The one door for the server's HTTP requests: to the web for what members asked for (address
   * policy, FETCH_ALLOW_HOSTS), and to the operator's configured endpoints (`trusted`).
   */
  outbound: Outbound;
}
