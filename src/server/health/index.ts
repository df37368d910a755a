import fp from 'fastify-plugin';
import type { Registry } from 'prom-client';
import type { Feature } from '../kernel/Feature.js';
import { healthRoutes } from './health.routes.js';
import { createMetrics, httpDurationMetric } from './metrics.js';

declare module '../kernel/services.js' {
  interface Services {
    metrics: Registry;
  }
}

/**
 * /healthz, /readyz (every outside dependency the core opened, and memory) and /metrics, with
 * the duration of every HTTP request. First in the list, so its timing covers every route.
 * Offers the metrics registry, where later features add their own counters.
 */
export const health: Feature = {
  name: 'health',
  async install({ core, dependencies, http, provide }) {
    const registry = createMetrics(core);
    provide('metrics', registry);
    await http(fp(async (app) => httpDurationMetric(app, registry)));
    await http(healthRoutes(core, registry, dependencies));
  },
};
