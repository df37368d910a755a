import fp from 'fastify-plugin';
import type { Feature } from '../kernel/Feature.js';
import { healthRoutes } from './health.routes.js';
import { createMetrics, httpDurationMetric } from './metrics.js';

/**
 * /healthz, /readyz (every outside dependency the core opened, and memory) and /metrics, with
 * the duration of every HTTP request. First in the list, so its timing covers every route.
 */
export const health: Feature = {
  name: 'health',
  async install({ core, dependencies, http }) {
    const registry = createMetrics(core);
    await http(fp(async (app) => httpDurationMetric(app, registry)));
    await http(healthRoutes(core, registry, dependencies));
  },
};
