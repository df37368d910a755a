import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic, { type SetHeadersResponse } from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
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

/** Vite's content-hashed output: `assets/<name>-<hash>.<ext>`; its URL changes with its bytes. */
const HASHED_ASSET = /^[\w.-]+-[\w-]{8,}\.[a-z0-9]+$/i;
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Kept, but checked with the server (ETag / Last-Modified) before each use. */
export const REVALIDATE = 'no-cache';
/** Types the build writes `.br`/`.gz` copies of (scripts/webBuildOutput.ts). */
const COMPRESSIBLE = /\.(js|mjs|css|html|json|svg|webmanifest|txt|xml)$/i;
/** What other sites' pages load from here: the embed snippet and its types. */
const FOR_OTHER_SITES = new Set(['embed.js', 'embed.d.ts']);

/** Cache-Control and Vary for a file served from `root` (`path` may be its `.br`/`.gz` copy). */
function cacheHeaders(root: string) {
  const assets = join(root, 'assets') + sep;
  return (res: SetHeadersResponse, path: string) => {
    const file = path.replace(/\.(br|gz)$/, '');
    const hashed = file.startsWith(assets) && HASHED_ASSET.test(basename(file));
    res.setHeader('Cache-Control', hashed ? IMMUTABLE : REVALIDATE);
    if (COMPRESSIBLE.test(file)) res.setHeader('Vary', 'accept-encoding');
  };
}

/**
 * Serves the web client and answers its client-side routes (/admin, /embed…) with index.html;
 * anything else unknown is a JSON 404 in the error envelope. A room's page, /r/<roomId>, is
 * index.html with its link card's tags (roomCard.ts, registered before this).
 *
 * Text files go out as the Brotli or gzip copy the build wrote beside them, as the client's
 * Accept-Encoding allows, so serving them compresses nothing. Hashed assets are cached for a
 * year; index.html, sw.js, the manifest and icons are revalidated on every use, so a new build
 * is picked up at once. Source maps (`*.map`) and dot-folders (`.vite/`) are never served.
 * Registered on the root (fastify-plugin), so any route may answer with the client's page
 * (`reply.sendFile('index.html')`), as the embed frame does with its own headers.
 */
export const webClient = fp(serveWebClient, { name: 'web-client' });

async function serveWebClient(
  app: FastifyInstance,
  options: { root: string | undefined },
): Promise<void> {
  const { root } = options;
  if (root) {
    // Only `sendFile`: the route below serves, so that it can opt out of per-request compression.
    await app.register(fastifyStatic, {
      root,
      serve: false,
      index: false,
      preCompressed: true,
      cacheControl: false,
      dotfiles: 'ignore',
      allowedPath: (path) => !/\.(map|br|gz)$/i.test(path),
      setHeaders: cacheHeaders(root),
    });
    // Every file already has its compressed copies, or gains nothing from one (a few bytes, an
    // image): compressing it again per request would cost CPU and, for tiny files, grow them.
    app.get('/*', { compress: false }, async (request, reply) => {
      const end = request.url.indexOf('?');
      let path: string;
      try {
        path = decodeURI(end === -1 ? request.url : request.url.slice(0, end));
      } catch {
        return reply.callNotFound();
      }
      if (FOR_OTHER_SITES.has(path.slice(1))) {
        // Loaded by integrators' pages: helmet's `same-origin` would have browsers refuse it.
        void reply.header('Cross-Origin-Resource-Policy', 'cross-origin');
        // Types as text: by its extension, send would call a `.ts` file an MPEG stream.
        if (path.endsWith('.d.ts')) {
          return reply
            .type('text/plain; charset=utf-8')
            .header('Cache-Control', REVALIDATE)
            .send(await readFile(join(root, path.slice(1))));
        }
      }
      return reply.sendFile(path === '/' ? 'index.html' : path);
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPage =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !API_PREFIXES.some((p) => path.startsWith(p)) &&
      !/\.[a-z0-9]+$/i.test(path);
    if (root && isPage) return reply.type('text/html; charset=utf-8').sendFile('index.html');
    throw notFound();
  });
}
