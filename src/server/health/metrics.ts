import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RoomkitContext } from '../core/context.js';
import { limitLabel, limitNames } from '../core/limits.js';
import { outcomes, refusalReasons } from '../outbound/outboundErrors.js';

/**
 * Prometheus metrics: process metrics plus rooms, members, connections, messages and HTTP
 * request durations. Each app has its own registry, so several apps can live in one process.
 */
export function createMetrics(ctx: RoomkitContext): Registry {
  const registry = new Registry();
  // The event-loop lag histogram samples on a timer; prom-client's default of every 10 ms
  // cost an idle server about 6 ms of CPU a second (100 wake-ups), more than the rest of it
  // together. Every 100 ms still catches any stall long enough to matter.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });

  new Gauge({
    name: 'roomkit_rooms',
    help: 'Rooms alive on this instance.',
    registers: [registry],
    async collect() {
      this.set(await ctx.stores.rooms.countRooms());
    },
  });
  new Gauge({
    name: 'roomkit_members',
    help: 'Members of all rooms on this instance.',
    registers: [registry],
    async collect() {
      this.set(await ctx.stores.rooms.countMembers());
    },
  });
  new Gauge({
    name: 'roomkit_connections',
    help: 'Open realtime connections (Socket.IO and SSE).',
    registers: [registry],
    collect() {
      this.set(ctx.presence.localConnections());
    },
  });
  new Gauge({
    name: 'roomkit_memory_used_bytes',
    help: 'Bytes of room data held in RAM against the memory budget.',
    registers: [registry],
    collect() {
      this.set(ctx.accountant.usedBytes);
    },
  });
  new Gauge({
    name: 'roomkit_memory_budget_bytes',
    help: 'MEMORY_BUDGET_BYTES: what room data may hold in RAM.',
    registers: [registry],
    collect() {
      this.set(ctx.accountant.budgetBytes);
    },
  });
  new Gauge({
    name: 'roomkit_memory_reserved_bytes',
    help: 'Bytes set aside for uploads being read and processed.',
    registers: [registry],
    collect() {
      this.set(ctx.accountant.reservedBytes);
    },
  });
  new Gauge({
    name: 'roomkit_memory_evictions',
    help: 'Evictions under memory pressure since start, by kind (cache, room).',
    labelNames: ['kind'],
    registers: [registry],
    collect() {
      for (const [kind, count] of Object.entries(ctx.accountant.evictions))
        this.set({ kind }, count);
    },
  });
  new Gauge({
    name: 'roomkit_cache_bytes',
    help: 'Bytes held by each in-memory cache.',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      for (const cache of ctx.accountant.cacheStats()) this.set({ cache: cache.name }, cache.bytes);
    },
  });
  new Gauge({
    name: 'roomkit_cache_entries',
    help: 'Entries held by each in-memory cache.',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      for (const cache of ctx.accountant.cacheStats())
        this.set({ cache: cache.name }, cache.entries);
    },
  });
  new Gauge({
    name: 'roomkit_cache_requests',
    help: 'Cache lookups since start, by cache and result (hit, miss; a coalesced wait is a hit).',
    labelNames: ['cache', 'result'],
    registers: [registry],
    collect() {
      for (const cache of ctx.accountant.cacheStats()) {
        this.set({ cache: cache.name, result: 'hit' }, cache.hits);
        this.set({ cache: cache.name, result: 'miss' }, cache.misses);
      }
    },
  });
  new Gauge({
    name: 'roomkit_cache_coalesced_waits',
    help: 'Lookups that waited for the same entry being made for another request, by cache.',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      for (const cache of ctx.accountant.cacheStats())
        this.set({ cache: cache.name }, cache.coalesced);
    },
  });
  new Gauge({
    name: 'roomkit_cache_evictions',
    help: 'Entries each cache dropped to make room for newer ones (pressure: roomkit_memory_evictions).',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      for (const cache of ctx.accountant.cacheStats())
        this.set({ cache: cache.name }, cache.evictions);
    },
  });
  // Counted by the limiters as they go; each scrape copies the counts, every limit listed (0 too).
  new Counter({
    name: 'roomkit_rate_limit_refusals_total',
    help: 'Requests, events and messages refused by a rate limit on this instance, by limit.',
    labelNames: ['limit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of limitNames)
        this.inc({ limit: limitLabel(name) }, ctx.limiters.tally[name].refused);
    },
  });
  new Counter({
    name: 'roomkit_rate_limit_consumptions_total',
    help: 'Points taken from a rate limit on this instance, by limit.',
    labelNames: ['limit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const name of limitNames)
        this.inc({ limit: limitLabel(name) }, ctx.limiters.tally[name].consumed);
    },
  });
  // The outbound door counts as it goes, like the limiters; each scrape copies the counts.
  new Counter({
    name: 'roomkit_outbound_refusals_total',
    help: 'Outbound requests refused before connecting (address policy, URL checks), by reason.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const reason of refusalReasons)
        this.inc({ reason }, ctx.outbound.tally.refusals[reason]);
    },
  });
  new Counter({
    name: 'roomkit_outbound_requests_total',
    help: 'Outbound requests by destination (web, or a configured endpoint) and outcome.',
    labelNames: ['destination', 'outcome'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [destination, counts] of ctx.outbound.tally.requests) {
        for (const outcome of outcomes) this.inc({ destination, outcome }, counts[outcome]);
      }
    },
  });
  const messages = new Counter({
    name: 'roomkit_messages_total',
    help: 'Messages posted, by type.',
    labelNames: ['type'],
    registers: [registry],
  });
  ctx.bus.subscribe((event) => {
    if (event.name === 'message:new' && !event.remote)
      messages.inc({ type: event.payload.message.type });
  });
  return registry;
}

export function httpDurationMetric(app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'roomkit_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  app.addHook('onResponse', (request, reply, done) => {
    duration.observe(
      // The route pattern, never the raw URL: ids and tokens must not become label values.
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
      },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
