/**
 * The bare baseline for Roomkit's sign-in: a Fastify app (default options, no plugins) with
 * one route, `POST /api/auth/login { username, password }`, that verifies the password against
 * one argon2id hash with @node-rs/argon2, as Roomkit's PasswordHasher does: at most `concurrent`
 * verifications at once, `queued` more waiting, and beyond that 503. 200 `{ account }` for the
 * right password, 401 otherwise; no session, no cookie, no store, no rate limit.
 */
import type { AddressInfo } from 'node:net';
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import pLimit from 'p-limit';

/** `Algorithm.Argon2id` (a `const enum` in the binding's types). */
const ARGON2ID = 2 as Algorithm;

export interface BareLoginOptions {
  username: string;
  password: string;
  /** argon2id's cost: KiB of memory, passes, lanes. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
  /** Verifications at once, and how many more may wait before a request is refused. */
  concurrent: number;
  queued: number;
}

/** Starts the server on 127.0.0.1 and a free port, its one account's hash made first. */
export async function startBareLogin(
  options: BareLoginOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const { default: Fastify } = await import('fastify');
  const encoded = await hash(options.password, {
    algorithm: ARGON2ID,
    memoryCost: options.memoryCost,
    timeCost: options.timeCost,
    parallelism: options.parallelism,
  });
  const limit = pLimit(options.concurrent);
  const app = Fastify();
  app.post('/api/auth/login', async (request, reply) => {
    const { username, password } = request.body as { username?: unknown; password?: unknown };
    if (limit.activeCount + limit.pendingCount >= options.concurrent + options.queued) {
      return reply.status(503).send({ error: { code: 'overloaded' } });
    }
    const valid = await limit(() => verify(encoded, String(password)).catch(() => false));
    if (!valid || username !== options.username) {
      return reply.status(401).send({ error: { code: 'unauthorized' } });
    }
    return { account: { username: options.username } };
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
}
