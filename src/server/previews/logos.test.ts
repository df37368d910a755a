/**
 * Sites' logos (API.md, "Link previews and images from the web"): `GET|HEAD /api/logo` finds a
 * site's icon on the site itself through the outbound door, serves it as a PNG, inverts a dark
 * mark for the dark theme, and remembers sites without one. Each "site" is a local third-party
 * site of its own (a domain is host:port); a canary stands for every address inside and must
 * never be reached.
 */
import type { ServerResponse } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradient, solidPng } from '../../../test/fileHelpers.js';
import { api, createRoom, join, startServer, waitFor } from '../../../test/helpers.js';
import { bitmapEntry, icoFile } from '../../../test/icoFile.js';
import {
  startCanary,
  startThirdPartySite,
  type Canary,
  type SiteRoute,
  type ThirdPartySite,
} from '../../../test/thirdPartySite.js';
import type { AppOptions } from '../app.js';
import { ImageSigner } from '../media/ImageSigner.js';
import { perceptualHash, type PlaceholderIcon } from '../media/perceptualHash.js';
import { logoSubject } from './LinkCards.js';

const SESSION_SECRET = 'a-secret-of-the-logo-tests-32-chars-long';
const signer = new ImageSigner(SESSION_SECRET);

let canary: Canary;
const sites: ThirdPartySite[] = [];
let dark: ThirdPartySite;
let colourful: ThirdPartySite;
let icoOnly: ThirdPartySite;
let withManifest: ThirdPartySite;
let vector: ThirdPartySite;
let placeholder: ThirdPartySite;
let slow: ThirdPartySite;
let pointsInside: ThirdPartySite;
let hostile: ThirdPartySite;
let slowRelease: () => void = () => {};
let placeholderTable: PlaceholderIcon[];

function page(head: string): SiteRoute {
  return (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      `<!doctype html><html><head><title>A site</title>${head}</head><body></body></html>`,
    );
  };
}

function serve(type: string, bytes: Buffer): SiteRoute {
  return (_request: unknown, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': type }).end(bytes);
  };
}

/** A mark of `fill` filling the middle quarter of a transparent square. */
function mark(fill: string, side = 128): Promise<Buffer> {
  const inset = side / 4;
  return sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}">` +
        `<rect x="${inset}" y="${inset}" width="${side / 2}" height="${side / 2}" fill="${fill}"/></svg>`,
    ),
  )
    .png()
    .toBuffer();
}

/** A square of one colour, opaque. */
function square(side: number, background: string): Promise<Buffer> {
  return sharp({ create: { width: side, height: side, channels: 4, background } })
    .png()
    .toBuffer();
}

async function site(routes: Record<string, SiteRoute>): Promise<ThirdPartySite> {
  const started = await startThirdPartySite({ routes });
  sites.push(started);
  return started;
}

function domainOf(s: ThirdPartySite): string {
  return `127.0.0.1:${s.port}`;
}

/** Requests the site got for `path` exactly (its page is `/`). */
function asked(s: ThirdPartySite, path: string): number {
  return s.requests.filter((request) => request === path).length;
}

beforeAll(async () => {
  canary = await startCanary();
  const ico = icoFile([
    {
      data: bitmapEntry(
        { width: 32, height: 32, rgba: await rawOf(await square(32, '#2a9d8f')) },
        { bitCount: 32 },
      ),
      width: 32,
      height: 32,
    },
    {
      data: bitmapEntry(
        { width: 16, height: 16, rgba: await rawOf(await square(16, '#2a9d8f')) },
        { bitCount: 32 },
      ),
      width: 16,
      height: 16,
    },
  ]);
  const placeholderPng = await gradient(64, 64).png().toBuffer();
  placeholderTable = [{ name: 'the test template', hash: await perceptualHash(placeholderPng) }];

  dark = await site({
    '/': page('<link rel="icon" href="/mark.png" sizes="128x128">'),
    '/mark.png': serve('image/png', await mark('#111111')),
  });
  colourful = await site({
    '/': page('<link rel="icon" href="/mark.png" sizes="128x128">'),
    '/mark.png': serve('image/png', await mark('#ff9900')),
  });
  icoOnly = await site({
    '/': page(''),
    '/favicon.ico': serve('image/x-icon', ico),
  });
  withManifest = await site({
    '/': page(
      '<link rel="icon" href="/small.png" sizes="32x32"><link rel="manifest" href="/app.webmanifest">',
    ),
    '/app.webmanifest': serve(
      'application/manifest+json',
      Buffer.from(JSON.stringify({ icons: [{ src: '/big.png', sizes: '192x192' }] })),
    ),
    '/big.png': serve('image/png', await square(192, '#d00000')),
    '/small.png': serve('image/png', await square(32, '#0000d0')),
  });
  vector = await site({
    '/': page('<link rel="icon" type="image/svg+xml" href="/logo.svg">'),
    '/logo.svg': serve(
      'image/svg+xml',
      Buffer.from(
        // An "L" and a dot: a plain disc or triangle is too near Rails' or Vercel's placeholder.
        '<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 16 16">' +
          '<rect x="2" y="2" width="4" height="12" fill="#7b2cbf"/>' +
          '<rect x="2" y="10" width="12" height="4" fill="#7b2cbf"/>' +
          '<circle cx="11" cy="5" r="3" fill="#ffd60a"/></svg>',
      ),
    ),
  });
  placeholder = await site({
    '/': page('<link rel="icon" href="/template.png" sizes="64x64">'),
    '/template.png': serve('image/png', placeholderPng),
  });
  slow = await site({
    '/': async (request, response, context) => {
      await new Promise<void>((resolve) => (slowRelease = resolve));
      await page('<link rel="icon" href="/mark.png">')(request, response, context);
    },
    '/mark.png': serve('image/png', await mark('#ff9900')),
  });
  pointsInside = await site({
    '/': page(
      `<link rel="icon" href="http://127.0.0.1:${canary.port}/a.png" sizes="512x512">
       <link rel="apple-touch-icon" href="http://localhost:${canary.port}/b.png">
       <link rel="icon" href="http://[::1]:${canary.port}/c.svg">
       <link rel="manifest" href="http://0x7f000001:${canary.port}/m.json">`,
    ),
    '/favicon.ico': serve('image/png', await square(48, '#2a9d8f')),
  });
  const bomb = solidPng(20_000, 20_000);
  hostile = await site({
    '/': page(
      `<link rel="icon" href="/big/52428800" sizes="512x512">
       <link rel="icon" href="/bomb.png" sizes="256x256">
       <link rel="icon" href="/mark.png" sizes="48x48">`,
    ),
    '/bomb.png': serve('image/png', bomb),
    '/mark.png': serve('image/png', await mark('#ff9900', 48)),
  });
});

afterAll(async () => {
  expect(canary.connections()).toBe(0);
  for (const s of sites) await s.close();
  await canary.close();
});

async function rawOf(png: Buffer): Promise<Buffer> {
  return sharp(png).ensureAlpha().raw().toBuffer();
}

async function logoServer(env: Record<string, string> = {}, options: AppOptions = {}) {
  return startServer(
    {
      SESSION_SECRET,
      FETCH_ALLOW_HOSTS: sites.map(domainOf).join(','),
      ...env,
    },
    { outbound: { ports: [80, 443, canary.port] }, ...options },
  );
}

function signedPath(domain: string, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ domain, sig: signer.sign(logoSubject(domain)), ...extra });
  return `/api/logo?${query.toString()}`;
}

async function getLogo(
  server: { url: string },
  path: string,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; bytes: Buffer; json?: any }> {
  const response = await fetch(`${server.url}${path}`, init);
  const bytes = Buffer.from(await response.arrayBuffer());
  const json = response.headers.get('content-type')?.includes('json')
    ? JSON.parse(bytes.toString())
    : undefined;
  return { status: response.status, headers: response.headers, bytes, json };
}

/** The mean lightness (0–255) of the pixels that show (alpha over half). */
async function visibleLightness(png: Buffer): Promise<number> {
  const data = await rawOf(png);
  let sum = 0;
  let count = 0;
  for (let at = 0; at < data.length; at += 4) {
    if (data[at + 3]! < 128) continue;
    sum += (data[at]! + data[at + 1]! + data[at + 2]!) / 3;
    count++;
  }
  return sum / count;
}

describe('what comes back', () => {
  it('inverts a dark mark on transparency for the dark theme, and says so on GET and HEAD', async () => {
    const server = await logoServer();
    const domain = domainOf(dark);
    const light = await getLogo(server, signedPath(domain));
    expect(light.status).toBe(200);
    expect(light.headers.get('content-type')).toBe('image/png');
    expect(light.headers.get('x-logo-inverted')).toBe('false');
    expect(light.headers.get('cache-control')).toBe('private, max-age=86400');
    expect(light.headers.get('x-content-type-options')).toBe('nosniff');
    expect(light.headers.get('content-security-policy')).toContain("default-src 'none'");
    const darkened = await getLogo(server, signedPath(domain, { theme: 'dark' }));
    expect(darkened.headers.get('x-logo-inverted')).toBe('true');
    expect(await visibleLightness(light.bytes)).toBeLessThan(40);
    expect(await visibleLightness(darkened.bytes)).toBeGreaterThan(200);
    expect(darkened.headers.get('etag')).not.toBe(light.headers.get('etag'));
    // The dark variant was made from the light one: the mark was fetched once.
    expect(asked(dark, '/mark.png')).toBe(1);

    const head = await getLogo(server, signedPath(domain, { theme: 'dark' }), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.bytes.byteLength).toBe(0);
    expect(head.headers.get('x-logo-inverted')).toBe('true');
    expect(head.headers.get('etag')).toBe(darkened.headers.get('etag'));
    const lightHead = await getLogo(server, signedPath(domain), { method: 'HEAD' });
    expect(lightHead.headers.get('x-logo-inverted')).toBe('false');

    const again = await getLogo(server, signedPath(domain, { theme: 'dark' }), {
      headers: { 'if-none-match': darkened.headers.get('etag')! },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('x-logo-inverted')).toBe('true');
  });

  it('leaves a colourful mark as it is on the dark theme', async () => {
    const server = await logoServer();
    const domain = domainOf(colourful);
    const light = await getLogo(server, signedPath(domain));
    const darkened = await getLogo(server, signedPath(domain, { theme: 'dark' }));
    expect(darkened.status).toBe(200);
    expect(darkened.headers.get('x-logo-inverted')).toBe('false');
    expect(darkened.bytes.equals(light.bytes)).toBe(true);
  });

  it('serves a site’s /favicon.ico as a PNG of its largest picture', async () => {
    const server = await logoServer();
    const logo = await getLogo(server, signedPath(domainOf(icoOnly)));
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    const metadata = await sharp(logo.bytes).metadata();
    expect({ format: metadata.format, width: metadata.width }).toEqual({
      format: 'png',
      width: 32,
    });
  });

  it('chooses the manifest’s icon over a smaller link icon', async () => {
    const server = await logoServer();
    const logo = await getLogo(server, signedPath(domainOf(withManifest)));
    expect(logo.status).toBe(200);
    const { data, info } = await sharp(logo.bytes).raw().toBuffer({ resolveWithObject: true });
    expect({ width: info.width, red: data[0], blue: data[2] }).toEqual({
      width: 192,
      red: 0xd0,
      blue: 0,
    });
    expect(asked(withManifest, '/big.png')).toBe(1);
    expect(asked(withManifest, '/small.png')).toBe(0);
  });

  it('renders an SVG icon to a 256 px PNG, whatever size it declares', async () => {
    const server = await logoServer();
    const logo = await getLogo(server, signedPath(domainOf(vector)));
    expect(logo.status).toBe(200);
    expect(logo.headers.get('content-type')).toBe('image/png');
    const metadata = await sharp(logo.bytes).metadata();
    expect({ format: metadata.format, width: metadata.width, alpha: metadata.hasAlpha }).toEqual({
      format: 'png',
      width: 256,
      alpha: true,
    });
  });

  it('answers 404 for a well-known placeholder, and does not ask the site again', async () => {
    const server = await logoServer({}, { previews: { placeholderIcons: placeholderTable } });
    const domain = domainOf(placeholder);
    const first = await getLogo(server, signedPath(domain));
    expect({ status: first.status, code: first.json?.error.code }).toEqual({
      status: 404,
      code: 'not_found',
    });
    expect(asked(placeholder, '/template.png')).toBe(1);
    const before = placeholder.requests.length;
    for (const theme of ['light', 'dark']) {
      const again = await getLogo(server, signedPath(domain, { theme }));
      expect(again.status).toBe(404);
    }
    expect(placeholder.requests.length).toBe(before);

    // The same picture is a logo to a server whose table does not list it.
    const other = await logoServer();
    expect((await getLogo(other, signedPath(domain))).status).toBe(200);
  });
});

describe('the cache', () => {
  it('reads the page once for twenty concurrent requests', async () => {
    const server = await logoServer();
    const domain = domainOf(slow);
    const requests = Array.from({ length: 20 }, () => getLogo(server, signedPath(domain)));
    const coalesced = () =>
      api(server, 'GET', '/metrics').then(
        (metrics) =>
          /roomkit_cache_coalesced_waits\{cache="logos"\} 19/.test(String(metrics.body)) || false,
      );
    // Every request waits on the one search before the site answers it.
    await waitFor(coalesced, 5000, 'nineteen waiting requests');
    slowRelease();
    const answers = await Promise.all(requests);
    expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((answer) => answer.headers.get('etag'))).size).toBe(1);
    expect(asked(slow, '/')).toBe(1);
    expect(asked(slow, '/mark.png')).toBe(1);
  });
});

describe('who may ask', () => {
  it('serves a signed domain to anyone, any other only to a member', async () => {
    const server = await logoServer();
    const domain = domainOf(colourful);
    expect((await getLogo(server, signedPath(domain))).status).toBe(200);

    const unsigned = await getLogo(server, `/api/logo?domain=${encodeURIComponent(domain)}`);
    expect({ status: unsigned.status, code: unsigned.json?.error.code }).toEqual({
      status: 401,
      code: 'unauthorized',
    });
    for (const sig of [
      signer.sign(logoSubject(domainOf(dark))),
      signer.sign(logoSubject(domain)).slice(0, -1),
      new ImageSigner('another-secret-of-at-least-32-characters').sign(logoSubject(domain)),
    ]) {
      const query = new URLSearchParams({ domain, sig });
      expect((await getLogo(server, `/api/logo?${query.toString()}`)).status).toBe(401);
    }

    const member = await join(server, await createRoom(server), 'Ada');
    const byToken = await getLogo(
      server,
      `/api/logo?domain=${encodeURIComponent(domain)}&theme=dark&token=${member.token}`,
    );
    expect(byToken.status).toBe(200);
    const byBearer = await getLogo(server, `/api/logo?domain=${encodeURIComponent(domain)}`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    expect(byBearer.status).toBe(200);
  });

  it('serves the icon of a link card', async () => {
    const server = await logoServer();
    const member = await join(server, await createRoom(server), 'Ada');
    const card = await api(
      server,
      'GET',
      `/api/previews?url=${encodeURIComponent(`http://${domainOf(dark)}/`)}`,
      { token: member.token },
    );
    expect(card.status).toBe(200);
    const logo = await getLogo(server, `${card.body.icon as string}&theme=dark`);
    expect(logo.status).toBe(200);
    expect(logo.headers.get('x-logo-inverted')).toBe('true');
  });

  it('spends a member’s web-fetch limit on unsigned domains only, and not on cached ones', async () => {
    const server = await logoServer({}, { limits: { webFetches: { points: 1, seconds: 60 } } });
    const member = await join(server, await createRoom(server), 'Ada');
    const unsigned = (domain: string, theme = 'light') =>
      getLogo(server, `/api/logo?domain=${encodeURIComponent(domain)}&theme=${theme}`, {
        headers: { authorization: `Bearer ${member.token}` },
      });
    expect((await unsigned(domainOf(colourful))).status).toBe(200);
    expect((await unsigned(domainOf(colourful))).status).toBe(200);
    expect((await unsigned(domainOf(colourful), 'dark')).status).toBe(200);
    const another = await unsigned(domainOf(dark));
    expect({ status: another.status, code: another.json?.error.code }).toEqual({
      status: 429,
      code: 'rate_limited',
    });
    expect((await getLogo(server, signedPath(domainOf(dark)))).status).toBe(200);
  });
});

describe('what is refused', () => {
  it('refuses domains inside, and the canary sees no connection', async () => {
    const server = await logoServer();
    const member = await join(server, await createRoom(server), 'Ada');
    for (const domain of [
      `127.0.0.1:${canary.port}`,
      `localhost:${canary.port}`,
      `[::1]:${canary.port}`,
      `0x7f000001:${canary.port}`,
    ]) {
      const refused = await getLogo(
        server,
        `/api/logo?domain=${encodeURIComponent(domain)}&token=${member.token}`,
      );
      expect({ domain, status: refused.status, code: refused.json?.error.code }).toEqual({
        domain,
        status: 400,
        code: 'forbidden_address',
      });
    }
    expect(canary.connections()).toBe(0);
  });

  it('skips icons that point inside, and serves the site’s own favicon', async () => {
    const server = await logoServer();
    const logo = await getLogo(server, signedPath(domainOf(pointsInside)));
    expect(logo.status).toBe(200);
    expect((await sharp(logo.bytes).metadata()).width).toBe(48);
    expect(asked(pointsInside, '/favicon.ico')).toBe(1);
    expect(canary.connections()).toBe(0);
  });

  it('skips an icon of 50 MB and a pixel bomb, and serves the next', async () => {
    const server = await logoServer();
    const logo = await getLogo(server, signedPath(domainOf(hostile)));
    expect(logo.status).toBe(200);
    expect((await sharp(logo.bytes).metadata()).width).toBe(48);
    expect(asked(hostile, '/big/52428800')).toBe(1);
    expect(asked(hostile, '/bomb.png')).toBe(1);
    // Still answering.
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('refuses what is not a host or host:port', async () => {
    const server = await logoServer();
    const member = await join(server, await createRoom(server), 'Ada');
    for (const domain of ['a/b', 'user@host', '', 'a'.repeat(300), 'example.com:0', 'a:b:c']) {
      for (const path of [
        signedPath(domain),
        `/api/logo?domain=${encodeURIComponent(domain)}&token=${member.token}`,
      ]) {
        const refused = await getLogo(server, path);
        expect({ domain, status: refused.status, code: refused.json?.error.code }).toEqual({
          domain,
          status: 400,
          code: 'invalid_request',
        });
      }
    }
    const unknown = await getLogo(server, `${signedPath(domainOf(dark))}&size=64`);
    expect(unknown.status).toBe(400);
    const theme = await getLogo(server, signedPath(domainOf(dark), { theme: 'sepia' }));
    expect(theme.status).toBe(400);
  });
});
