/* global self, caches -- a service worker's globals; eslint.config.js gives JS files Node's. */
/**
 * Roomkit's service worker, served as is from /sw.js (scope "/"). It does two things:
 *
 * 1. Share target (manifest.webmanifest `share_target`): a phone's share sheet POSTs photos, or
 *    files of any other type, to /share-target. The files are kept in Cache Storage
 *    (SHARE_CACHE) and the browser is sent on to the /share page, which asks which room they go
 *    to and uploads them with the person's session. A POST that reaches the server instead (no worker yet) comes back as
 *    /share?status=no-service-worker.
 * 2. Offline app shell: page loads go to the network first and fall back to the last shell
 *    seen (every page is the same index.html); /assets/* are content-hashed, so cache-first.
 *
 * The API, sockets, file downloads and everything else go straight to the network: room data is
 * never cached here, it is for members only and tokens expire.
 *
 * The page reads what was shared with the same names (src/web/features/share/sharedItems.ts).
 */

const SHELL_CACHE = 'roomkit-shell-v1';
const ASSET_CACHE = 'roomkit-assets-v1';
const SHARE_CACHE = 'roomkit-share-v1';
const SHELL_KEY = '/';
const SHARE_META_KEY = '/__share/meta';
const shareFileKey = (index) => `/__share/file/${index}`;

/** Past this wait for a page, a cached shell is served (the network may still be on its way). */
const NAVIGATION_TIMEOUT_MS = 4000;
/** Hashed assets of older builds pile up; keep the newest this many. */
const MAX_ASSETS = 120;
/** Paths served by the server itself, never answered with the shell. */
const SERVER_PATHS = [
  '/api/',
  '/socket.io',
  '/collab/',
  '/healthz',
  '/readyz',
  '/metrics',
  '/embed',
];

self.addEventListener('install', (event) => {
  event.waitUntil(precacheShell().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL_CACHE, ASSET_CACHE, SHARE_CACHE]);
      for (const name of await caches.keys()) {
        if (name.startsWith('roomkit-') && !keep.has(name)) await caches.delete(name);
      }
      // Control the pages already open, so a share works without reloading them first.
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.method === 'POST' && url.pathname === '/share-target') {
    event.respondWith(receiveShare(request));
    return;
  }
  if (request.method !== 'GET') return;
  if (request.mode === 'navigate' && !SERVER_PATHS.some((path) => url.pathname.startsWith(path))) {
    event.respondWith(networkFirstPage(event));
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirstAsset(request));
  }
});

/** The shell and the assets it names, so the app starts offline from its first visit. */
async function precacheShell() {
  try {
    const response = await fetch(SHELL_KEY, { cache: 'no-cache' });
    if (!isShell(response)) return;
    const html = await response.clone().text();
    await (await caches.open(SHELL_CACHE)).put(SHELL_KEY, response);
    const assets = new Set(html.match(/\/assets\/[^"'\s<>]+/g) ?? []);
    const cache = await caches.open(ASSET_CACHE);
    await Promise.all(
      [...assets].map(async (asset) => {
        if (await cache.match(asset)) return;
        const assetResponse = await fetch(asset);
        if (assetResponse.ok) await cache.put(asset, assetResponse);
      }),
    );
  } catch {
    // Offline while installing: the shell is cached on the next page load instead.
  }
}

function isShell(response) {
  return (
    response.ok &&
    response.type === 'basic' &&
    (response.headers.get('content-type') ?? '').includes('text/html')
  );
}

async function networkFirstPage(event) {
  const cache = await caches.open(SHELL_CACHE);
  const network = fetch(event.request).then(async (response) => {
    if (isShell(response)) await cache.put(SHELL_KEY, response.clone());
    return response;
  });
  // Whatever happens to the race below, let a late answer still refresh the cache.
  event.waitUntil(network.catch(() => undefined));

  const cached = await cache.match(SHELL_KEY);
  if (!cached) return network;
  const timeout = new Promise((resolve) => setTimeout(resolve, NAVIGATION_TIMEOUT_MS, cached));
  try {
    return await Promise.race([network, timeout]);
  } catch {
    return cached;
  }
}

async function cacheFirstAsset(request) {
  const cache = await caches.open(ASSET_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') {
    await cache.put(request, response.clone());
    await trim(cache, MAX_ASSETS);
  }
  return response;
}

/** Drops the oldest entries (Cache Storage lists keys in insertion order). */
async function trim(cache, max) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - max))) await cache.delete(key);
}

/**
 * Keeps what the share sheet sent (files, title, text) and sends the browser to /share. Only the
 * latest share is kept: sharing again replaces one that was never sent on to a room.
 */
async function receiveShare(request) {
  let form;
  try {
    form = await request.formData();
  } catch {
    return Response.redirect('/share?status=unreadable', 303);
  }
  const files = form.getAll('files').filter((value) => typeof value !== 'string' && value.size > 0);
  const text = (name) => {
    const value = form.get(name);
    return typeof value === 'string' ? value.slice(0, 4000) : '';
  };

  await caches.delete(SHARE_CACHE);
  const cache = await caches.open(SHARE_CACHE);
  const stored = [];
  for (const [index, file] of files.entries()) {
    const key = shareFileKey(index);
    await cache.put(
      key,
      new Response(file, {
        headers: {
          'Content-Type': file.type || 'application/octet-stream',
          'Content-Length': String(file.size),
        },
      }),
    );
    stored.push({ key, name: file.name || `Shared file ${index + 1}`, type: file.type });
  }
  const meta = {
    receivedAt: new Date().toISOString(),
    title: text('title'),
    text: text('text'),
    files: stored,
  };
  await cache.put(
    SHARE_META_KEY,
    new Response(JSON.stringify(meta), { headers: { 'Content-Type': 'application/json' } }),
  );
  return Response.redirect('/share', 303);
}
