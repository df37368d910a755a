/**
 * The image proxy (API.md, "Link previews and images from the web"): remote images re-served
 * through the outbound door and the upload pipeline, signed or for members only, cached within
 * a share of the memory budget, one fetch for many requests, a second tier on disk. The images
 * come from a local "third-party" site; a canary that must never be reached stands for every
 * address inside.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import exifr from 'exifr';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradient, photo, solidPng } from '../../../test/fileHelpers.js';
import {
  api,
  createRoom,
  join as joinRoom,
  onCleanup,
  startServer,
} from '../../../test/helpers.js';
import {
  startCanary,
  startThirdPartySite,
  type Canary,
  type ThirdPartySite,
} from '../../../test/thirdPartySite.js';
import type { AppOptions } from '../app.js';
import { ImageSigner } from '../media/ImageSigner.js';

const SESSION_SECRET = 'a-session-secret-of-the-image-proxy-tests';
const signer = new ImageSigner(SESSION_SECRET);

let site: ThirdPartySite;
let canary: Canary;
let slowRelease: () => void = () => {};

beforeAll(async () => {
  const jpeg = await photo('jpeg', { width: 1000, height: 750 });
  const logo = await sharp({
    create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
  })
    .composite([{ input: await gradient(100, 100).png().toBuffer(), left: 100, top: 100 }])
    .png()
    .toBuffer();
  const gif = await animatedGif();
  const serve = (type: string, bytes: Buffer) => (_request: unknown, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': type }).end(bytes);
  };
  site = await startThirdPartySite({
    routes: {
      '/photo.jpg': serve('image/jpeg', jpeg),
      '/logo.png': serve('image/png', logo),
      '/anim.gif': serve('image/gif', gif),
      // A type that lies: the bytes decide.
      '/named.png': serve('image/png', Buffer.from('<html><script>alert(1)</script></html>')),
      '/vector.svg': serve(
        'image/svg+xml',
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      ),
      '/bomb.png': serve('image/png', solidPng(20_000, 20_000)),
      '/slow.jpg': async (_request, response) => {
        await new Promise<void>((resolve) => (slowRelease = resolve));
        response.writeHead(200, { 'content-type': 'image/jpeg' }).end(jpeg);
      },
      '/distinct.png': async (request, response) => {
        // A different picture for every query: noise, so it does not compress away.
        const seed = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('n'));
        const raw = Buffer.alloc(600 * 600 * 3);
        for (let i = 0; i < raw.length; i++) raw[i] = (i * 7919 + seed * 104_729) % 251;
        const png = await sharp(raw, { raw: { width: 600, height: 600, channels: 3 } })
          .png({ compressionLevel: 1 })
          .toBuffer();
        response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      },
    },
  });
  canary = await startCanary();
});

afterAll(async () => {
  expect(canary.connections()).toBe(0);
  await site.close();
  await canary.close();
});

async function proxyServer(env: Record<string, string> = {}, options: AppOptions = {}) {
  return startServer(
    { SESSION_SECRET, FETCH_ALLOW_HOSTS: `127.0.0.1:${site.port}`, ...env },
    { outbound: { ports: [80, 443, canary.port] }, ...options },
  );
}

function signedPath(url: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ url, sig: signer.sign(url), ...extra });
  return `/api/images?${query.toString()}`;
}

function requestsFor(path: string): number {
  return site.requests.filter((request) => request.startsWith(path)).length;
}

async function getImage(
  server: { url: string },
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer; json?: any }> {
  const response = await fetch(`${server.url}${path}`, { headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  const json = response.headers.get('content-type')?.includes('json')
    ? JSON.parse(bytes.toString())
    : undefined;
  return { status: response.status, headers: response.headers, bytes, json };
}

describe('who may use the proxy', () => {
  it('serves a URL the server signed to anyone, and any other URL only to a member', async () => {
    const server = await proxyServer();
    const url = `${site.origin}/photo.jpg`;
    const signed = await getImage(server, signedPath(url));
    expect(signed.status).toBe(200);

    const before = site.requests.length;
    const unsigned = await getImage(server, `/api/images?url=${encodeURIComponent(url)}`);
    expect(unsigned.status).toBe(401);
    expect(unsigned.json.error.code).toBe('unauthorized');
    // Another URL under this URL's signature, a signature cut short, one of another key.
    const other = `${site.origin}/logo.png`;
    for (const sig of [
      signer.sign(url),
      signer.sign(other).slice(0, -1),
      new ImageSigner('another-secret-of-at-least-32-characters').sign(other),
      'not a signature at all',
    ]) {
      const query = new URLSearchParams({ url: other, sig });
      const refused = await getImage(server, `/api/images?${query.toString()}`);
      expect(refused.status).toBe(401);
    }
    expect(site.requests.length).toBe(before);

    const room = await createRoom(server);
    const member = await joinRoom(server, room.id, 'Ada');
    const byToken = await getImage(
      server,
      `/api/images?url=${encodeURIComponent(other)}&token=${member.token}`,
    );
    expect(byToken.status).toBe(200);
    const byBearer = await getImage(server, `/api/images?url=${encodeURIComponent(other)}`, {
      authorization: `Bearer ${member.token}`,
    });
    expect(byBearer.status).toBe(200);
  });

  it('spends a member’s web-fetch limit on unsigned URLs only, and not on cached ones', async () => {
    const server = await proxyServer({}, { limits: { webFetches: { points: 2, seconds: 60 } } });
    const room = await createRoom(server);
    const member = await joinRoom(server, room.id, 'Ada');
    const unsigned = (path: string) =>
      getImage(server, `/api/images?url=${encodeURIComponent(`${site.origin}${path}`)}`, {
        authorization: `Bearer ${member.token}`,
      });
    expect((await unsigned('/photo.jpg')).status).toBe(200);
    expect((await unsigned('/photo.jpg')).status).toBe(200); // cached: free
    expect((await unsigned('/logo.png')).status).toBe(200);
    const third = await unsigned('/anim.gif');
    expect(third.status).toBe(429);
    expect(third.json.error.code).toBe('rate_limited');
    // Signed URLs are not the member's to spend.
    expect((await getImage(server, signedPath(`${site.origin}/anim.gif`))).status).toBe(200);
  });
});

describe('what comes back', () => {
  it('re-encodes as the client accepts, at a snapped width, without metadata', async () => {
    const server = await proxyServer();
    const url = `${site.origin}/photo.jpg`;
    const avif = await getImage(server, signedPath(url, { w: '300' }), {
      accept: 'image/avif,image/webp,*/*',
    });
    expect(avif.headers.get('content-type')).toBe('image/avif');
    expect(avif.headers.get('vary')).toBe('Accept');
    expect(avif.headers.get('cache-control')).toBe('private, max-age=86400');
    expect(avif.headers.get('x-content-type-options')).toBe('nosniff');
    expect(avif.headers.get('content-security-policy')).toContain("default-src 'none'");
    const meta = await sharp(avif.bytes).metadata();
    expect({ format: meta.format, width: meta.width }).toEqual({ format: 'heif', width: 320 });

    const jpeg = await getImage(server, signedPath(url, { w: '300' }), { accept: 'image/jpeg' });
    expect(jpeg.headers.get('content-type')).toBe('image/jpeg');
    expect(await exifr.gps(jpeg.bytes).catch(() => undefined)).toBeUndefined();
    expect((await sharp(jpeg.bytes).metadata()).exif).toBeUndefined();

    const png = await getImage(server, signedPath(url, { format: 'png' }));
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('vary')).toBeNull();
    // No width asked: the original's, never enlarged.
    expect((await sharp(png.bytes).metadata()).width).toBe(1000);
  });

  it('keeps transparency and animation under format=auto', async () => {
    const server = await proxyServer();
    const logo = await getImage(server, signedPath(`${site.origin}/logo.png`), {
      accept: 'image/jpeg',
    });
    expect(logo.headers.get('content-type')).toBe('image/png');
    expect((await sharp(logo.bytes).metadata()).hasAlpha).toBe(true);
    const anim = await getImage(server, signedPath(`${site.origin}/anim.gif`), {
      accept: 'image/avif,image/webp',
    });
    expect(anim.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(anim.bytes, { animated: true }).metadata()).pages).toBe(3);
  });

  it('answers 304 to its own entity tag', async () => {
    const server = await proxyServer();
    const path = signedPath(`${site.origin}/photo.jpg`, { w: '128' });
    const first = await getImage(server, path, { accept: 'image/webp' });
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{32}"$/);
    const again = await getImage(server, path, { accept: 'image/webp', 'if-none-match': etag! });
    expect(again.status).toBe(304);
    expect(again.bytes.byteLength).toBe(0);
  });

  it('refuses what is not an image it shows, and images past the pixel limit', async () => {
    const server = await proxyServer();
    for (const path of ['/named.png', '/vector.svg']) {
      const refused = await getImage(server, signedPath(`${site.origin}${path}`));
      expect({ path, status: refused.status, code: refused.json?.error.code }).toEqual({
        path,
        status: 415,
        code: 'unsupported_type',
      });
    }
    const bomb = await getImage(server, signedPath(`${site.origin}/bomb.png`));
    expect({ status: bomb.status, code: bomb.json.error.code }).toEqual({
      status: 413,
      code: 'too_large',
    });
    const missing = await getImage(server, signedPath(`${site.origin}/status/404`));
    expect({ status: missing.status, code: missing.json.error.code }).toEqual({
      status: 502,
      code: 'upstream_failed',
    });
    // A failure is remembered for a minute: the site is not asked again at once.
    const asked = requestsFor('/status/404');
    await getImage(server, signedPath(`${site.origin}/status/404`));
    expect(requestsFor('/status/404')).toBe(asked);
  });
});

describe('addresses inside', () => {
  it('never reaches them, signed or not, directly or through a redirect', async () => {
    const server = await proxyServer();
    const room = await createRoom(server);
    const member = await joinRoom(server, room.id, 'Ada');
    const inside = [
      `http://127.0.0.1:${canary.port}/x.png`,
      `http://2130706433:${canary.port}/x.png`,
      `http://[::ffff:7f00:1]:${canary.port}/x.png`,
      `http://0.0.0.0:${canary.port}/x.png`,
      `http://localhost:${canary.port}/x.png`,
      `http://169.254.169.254/latest/meta-data`,
      `${site.origin}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${canary.port}/x.png`)}`,
    ];
    for (const url of inside) {
      for (const path of [
        signedPath(url),
        `/api/images?url=${encodeURIComponent(url)}&token=${member.token}`,
      ]) {
        const refused = await getImage(server, path);
        expect({ url, status: refused.status, code: refused.json?.error.code }).toEqual({
          url,
          status: 400,
          code: 'forbidden_address',
        });
      }
    }
    for (const url of ['file:///etc/passwd', 'ftp://example.com/a.png', 'javascript:alert(1)']) {
      const refused = await getImage(server, signedPath(url));
      expect(refused.status).toBe(400);
    }
    expect(canary.connections()).toBe(0);
  });
});

describe('the cache', () => {
  it('makes one upstream fetch and one resize for twenty concurrent requests', async () => {
    const server = await proxyServer();
    const path = signedPath(`${site.origin}/slow.jpg`, { w: '480' });
    const requests = Array.from({ length: 20 }, () =>
      getImage(server, path, { accept: 'image/webp' }),
    );
    // Every request is in before the site answers the first.
    await waitUntil(() => requestsFor('/slow.jpg') === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    slowRelease();
    const answers = await Promise.all(requests);
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((answer) => answer.headers.get('etag'))).size).toBe(1);
    expect(requestsFor('/slow.jpg')).toBe(1);
    const metrics = await api(server, 'GET', '/metrics');
    expect(metrics.body).toContain('roomkit_cache_requests{cache="remote_images",result="miss"} 2');
    expect(metrics.body).toMatch(/roomkit_cache_coalesced_waits\{cache="remote_images"\} 19/);
  });

  it('never holds more than its share of the memory budget under a burst of distinct images', async () => {
    const budget = 64 * 1024 * 1024;
    const server = await proxyServer({ MEMORY_BUDGET_BYTES: String(budget) });
    const share = budget * 0.1;
    let evicted = false;
    for (let batch = 0; batch < 6; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          getImage(server, signedPath(`${site.origin}/distinct.png?n=${batch * 8 + i}`), {
            accept: 'image/png',
          }),
        ),
      );
      expect(answers.every((answer) => answer.status === 200)).toBe(true);
      const { bytes, evictions } = cacheFigures(await api(server, 'GET', '/metrics'));
      expect(bytes).toBeLessThanOrEqual(share);
      evicted ||= evictions > 0;
    }
    expect(evicted).toBe(true);
    expect(server.ctx.accountant.reservedBytes).toBe(0);
  });

  it('is emptied first when memory runs short', async () => {
    const server = await proxyServer();
    await getImage(server, signedPath(`${site.origin}/photo.jpg`));
    expect(cacheFigures(await api(server, 'GET', '/metrics')).bytes).toBeGreaterThan(0);
    server.ctx.accountant.evictCaches();
    expect(cacheFigures(await api(server, 'GET', '/metrics')).bytes).toBe(0);
  });

  it('keeps checked originals in the blob store, served after a restart without the site', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-images-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    // The index of kept images lives in the database, the images in the blob store.
    const env = { BLOB_STORE: `fs:${dir}/blobs`, DATABASE_URL: `sqlite:${dir}/roomkit.db` };
    const path = signedPath(`${site.origin}/logo.png`, { w: '64' });
    const first = await proxyServer(env);
    expect((await getImage(first, path)).status).toBe(200);
    await first.close();
    const asked = requestsFor('/logo.png');
    const second = await proxyServer(env);
    const again = await getImage(second, path, { accept: 'image/png' });
    expect(again.status).toBe(200);
    expect((await sharp(again.bytes).metadata()).width).toBe(64);
    expect(requestsFor('/logo.png')).toBe(asked);
  });
});

function cacheFigures(metrics: { body: string }): { bytes: number; evictions: number } {
  const read = (name: string) =>
    Number(new RegExp(`${name}\\{cache="remote_images"\\} (\\d+)`).exec(metrics.body)?.[1]);
  return { bytes: read('roomkit_cache_bytes'), evictions: read('roomkit_cache_evictions') };
}

async function waitUntil(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

/** A three-frame GIF, 64 x 64. */
async function animatedGif(): Promise<Buffer> {
  const frames = await Promise.all(
    [0, 1, 2].map((i) =>
      sharp({
        create: { width: 64, height: 64, channels: 3, background: { r: 80 * i, g: 40, b: 200 } },
      })
        .raw()
        .toBuffer(),
    ),
  );
  return sharp(Buffer.concat(frames), {
    raw: { width: 64, height: 64 * 3, channels: 3, pageHeight: 64 },
  } as never)
    .gif({ loop: 0, delay: [100, 100, 100] })
    .toBuffer();
}
