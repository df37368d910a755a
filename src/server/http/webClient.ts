import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { notFound } from './errorHandler.js';

/** The built web client: dist/web beside dist/server, found from this file or the package root. */
export function findWebRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'dist', 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (existsSync(join(dir, 'web', 'index.html')) && existsSync(join(dir, 'server')))
      return join(dir, 'web');
    dir = resolve(dir, '..');
  }
  return undefined;
}

const API_PREFIXES = ['/api/', '/socket.io', '/collab/', '/healthz', '/readyz', '/metrics'];

/**
 * Serves the web client and answers its client-side routes (/r/<roomId>, /admin, /embed…) with
 * index.html; anything else unknown is a JSON 404 in the error envelope.
 */
export async function webClient(
  app: FastifyInstance,
  options: { root: string | undefined },
): Promise<void> {
  const { root } = options;
  if (root) {
    await app.register(fastifyStatic, {
      root,
      index: false,
      setHeaders(res, path) {
        // Vite's assets carry content hashes in their names: safe to cache for a year.
        if (path.includes(`${join('/', 'assets', '/')}`))
          res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      },
    });
  }
  // The static plugin answers a directory request (`/`) with 403 when `index` is off.
  if (root)
    app.get('/', (_request, reply) =>
      reply.type('text/html; charset=utf-8').sendFile('index.html', { maxAge: 0 }),
    );
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !API_PREFIXES.some((p) => path.startsWith(p)) &&
      !/\.[a-z0-9]+$/i.test(path);
    if (root && isPage)
      return reply.type('text/html; charset=utf-8').sendFile('index.html', { maxAge: 0 });
    throw notFound();
  });
}
