import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { RoomkitContext } from '../core/context.js';

/** A dependency /readyz asks about (database, Redis, S3 as they are configured). */
export type ReadinessCheck = () => Promise<boolean>;

/** /healthz, /readyz and /metrics (API.md, "Health"), and X-System-Status on every response. */
export function healthRoutes(
  ctx: RoomkitContext,
  registry: Registry,
  checks: Record<string, ReadinessCheck>,
) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const results: Record<string, 'ok' | 'down'> = {};
      for (const [name, check] of Object.entries(checks)) {
        results[name] = await check().then(
          (up) => (up ? 'ok' : 'down'),
          () => 'down',
        );
      }
      const memory = ctx.accountant.status();
      const ready = memory.level !== 'critical' && Object.values(results).every((r) => r === 'ok');
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ok' : 'unavailable', memory, checks: results });
    });

    app.get('/metrics', async (_request, reply) => {
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  };
}
