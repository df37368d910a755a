import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { RoomkitContext } from '../core/context.js';

/**
 * A dependency /readyz asks about (database, Redis, S3 as they are configured): resolves while it
 * answers; rejecting, or taking longer than CHECK_TIMEOUT_MS, counts as down. `signal` aborts
 * when the time is up.
 */
export type ReadinessCheck = (signal: AbortSignal) => Promise<unknown>;

/** How long one check may take; a probe of /readyz should never hang on a dependency. */
const CHECK_TIMEOUT_MS = 2_000;

/** /healthz, /readyz and /metrics (API.md, "Health"), and X-System-Status on every response. */
export function healthRoutes(
  ctx: RoomkitContext,
  registry: Registry,
  checks: Record<string, ReadinessCheck>,
) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => ({ status: 'ok' }));

    app.get('/readyz', async (_request, reply) => {
      const named = Object.entries(checks);
      const states = await Promise.all(named.map(([, check]) => probe(check)));
      const results = Object.fromEntries(named.map(([name], i) => [name, states[i]]));
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

/** One check, bounded in time: 'ok' or 'down'. */
async function probe(check: ReadinessCheck): Promise<'ok' | 'down'> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error('timed out'));
    }, CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(controller.signal), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}
