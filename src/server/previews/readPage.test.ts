/**
 * Reading pages for link previews, against a real "third-party" site on 127.0.0.1 serving this
 * file's own pages, through a real outbound door. The canary stands for everything a page may
 * point to: the door could reach it (`reachable.test` on the canary's port is allowed), so a
 * reader that fetched an image, an icon or a discovered link would be counted there — and it
 * must count no connection at all.
 */
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startFetchScene,
  type Canary,
  type FetchScene,
  type SiteRoute,
  type ThirdPartySite,
} from '../../../test/thirdPartySite.js';
import { Outbound } from '../outbound/Outbound.js';
import { PAGE_MAX_BYTES, readPage } from './readPage.js';

let canary: Canary;
let site: ThirdPartySite;
let door: Outbound;

const UTF8 = { 'content-type': 'text/html; charset=utf-8' };

/** A page whose HTML may name the site's origin. */
function page(
  html: string | Buffer | ((origin: string) => string),
  headers: Record<string, string> = UTF8,
  status = 200,
): SiteRoute {
  return (_request, response, { origin }) => {
    response.writeHead(status, headers);
    response.end(typeof html === 'function' ? html(origin) : html);
  };
}

/** Writes `piece` to `response` every `ms` until the reader goes away; never ends. */
function dribble(response: ServerResponse, piece: string, ms: number): void {
  const timer = setInterval(() => response.write(piece), ms);
  response.on('close', () => clearInterval(timer));
}

/** How many bytes of the 5 MB body were written before the reader closed the connection. */
let longBodyWritten: Promise<number>;
let tallyBefore: Record<string, number>;

const latin1 = (text: string) => Buffer.from(text, 'latin1');
const TITLED_BOMB = gzipSync(
  Buffer.concat([
    Buffer.from('<html><head><title>A bomb with a title</title>'),
    Buffer.alloc(10 * 1024 * 1024, ' '),
  ]),
);

const routes: Record<string, SiteRoute> = {
  '/og': page(
    (origin) => `<!doctype html><html><head>
      <title>The plain title</title>
      <meta name="description" content="The plain description">
      <meta name="twitter:title" content="The Twitter title">
      <meta property="og:title" content="The OpenGraph title">
      <meta property="og:description" content="What the page is about.">
      <meta property="og:site_name" content="Example Site">
      <meta property="og:image" content="${origin}/images/card.png">
      <link rel="icon" href="/favicon.ico">
      <link rel="shortcut icon" href="/icon-32.png" sizes="32x32" type="image/png">
      <link rel="apple-touch-icon" href="/apple.png" sizes="180x180">
      <link rel="manifest" href="/site.webmanifest">
    </head><body><h1>Hello</h1></body></html>`,
  ),
  '/twitter-only': page(`<html><head>
      <meta name="twitter:card" content="summary_large_image">
      <meta name="twitter:title" content="Only Twitter">
      <meta property="twitter:description" content="Said with property=, not name=.">
      <meta name="twitter:image:src" content="https://images.example/t.jpg">
    </head></html>`),
  '/plain': page(`<html><head><TITLE>Just HTML</TITLE>
      <META NAME="Description" CONTENT="An old-fashioned page.">
    </head><body></body></html>`),
  '/pages/relative/': page(`<html><head>
      <title>Relative</title>
      <meta property="og:image" content="card.png">
      <link rel="icon" href="../favicon.ico">
    </head></html>`),
  '/based': page(`<html><head>
      <base href="/assets/v2/">
      <title>Based</title>
      <meta property="og:image" content="img/card.png">
      <link rel="apple-touch-icon" href="touch.png">
      <link rel="manifest" href="/manifest.json">
    </head></html>`),
  '/latin1-header': page(latin1('<html><head><meta charset="utf-8"><title>Café crème</title>'), {
    'content-type': 'text/html; charset=ISO-8859-1',
  }),
  '/latin1-meta': page(latin1('<html><head><meta charset="iso-8859-1"><title>Café crème</title>'), {
    'content-type': 'text/html',
  }),
  '/latin1-bytes-meta-utf8': page(latin1('<html><head><meta charset="utf-8"><title>Café</title>'), {
    'content-type': 'text/html',
  }),
  '/shift-jis': page(
    Buffer.concat([
      Buffer.from(
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><title>',
      ),
      Buffer.from([0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea]), // 日本語
      Buffer.from('</title></head>'),
    ]),
    { 'content-type': 'text/html' },
  ),
  '/windows-1251': page(
    Buffer.concat([
      Buffer.from('<html><head><meta charset="windows-1251"><title>'),
      Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]), // Привет
      Buffer.from('</title></head>'),
    ]),
    { 'content-type': 'text/html' },
  ),
  '/in-pieces': (_request, response) => {
    // The <meta> after the first piece, a character split between the last two.
    const pieces = [
      Buffer.from('<html><head>'),
      Buffer.concat([Buffer.from('<meta charset="shift_jis"><title>'), Buffer.from([0x93])]),
      Buffer.concat([Buffer.from([0xfa, 0x96, 0x7b, 0x8c, 0xea]), Buffer.from('</title></head>')]),
    ];
    response.writeHead(200, { 'content-type': 'text/html' });
    const next = () => {
      const piece = pieces.shift();
      if (piece === undefined) return void response.end();
      response.write(piece);
      setTimeout(next, 20);
    };
    next();
  },
  '/utf16': page(
    Buffer.from('\uFEFF<html><head><title>Ünïcödé ✓ 16</title></head></html>', 'utf16le'),
    { 'content-type': 'text/html' },
  ),
  '/utf8-bom': page(
    Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('<html><head><title>Café with a BOM</title></head>'),
    ]),
    { 'content-type': 'text/html; charset=iso-8859-1' },
  ),
  '/long-body': (_request, response) => {
    // The body comes in 64 KiB pieces 10 ms apart, so what was written before the reader hung
    // up says how far it read, whatever the socket buffers hold.
    let written = 0;
    longBodyWritten = new Promise((resolve) => response.on('close', () => resolve(written)));
    response.writeHead(200, UTF8);
    response.write('<html><head><title>A short head</title></head><body>');
    const piece = Buffer.alloc(64 * 1024, 'a');
    const timer = setInterval(() => {
      if (written >= 5 * 1024 * 1024) {
        clearInterval(timer);
        response.end('</body></html>');
        return;
      }
      written += piece.length;
      response.write(piece);
    }, 10);
    response.on('close', () => clearInterval(timer));
  },
  '/endless-head': (_request, response) => {
    response.writeHead(200, UTF8);
    response.write('<html><head><title>Endless</title>');
    const filler = '<meta name="filler" content="x">'.repeat(512);
    const more = () => {
      while (!response.destroyed) {
        if (!response.write(filler)) return void response.once('drain', more);
      }
    };
    more();
  },
  '/trickle-head': (_request, response) => {
    // No charset anywhere: the bytes wait for the encoding until the prescan's 1024 bytes.
    response.writeHead(200, { 'content-type': 'text/html' });
    response.write('<html><head><title>Slow but titled</title>');
    dribble(response, ' ', 20);
  },
  '/trickle-nothing': (_request, response) => {
    response.writeHead(200, UTF8);
    response.write('<html>');
    dribble(response, ' ', 20);
  },
  '/titled-bomb': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
    response.end(TITLED_BOMB);
  },
  '/photo.png': page(Buffer.from([0x89, 0x50, 0x4e, 0x47]), { 'content-type': 'image/png' }),
  '/paper.pdf': page('%PDF-1.7', { 'content-type': 'application/pdf' }),
  '/missing': page('<html><head><title>Not Found</title></head></html>', UTF8, 404),
  '/challenge-title': (_request, response, { url }) => {
    response.writeHead(Number(url.searchParams.get('status')), UTF8);
    response.end(`<html><head><title>${url.searchParams.get('title')}</title></head></html>`);
  },
  '/challenge-header': (_request, response, { url }) => {
    const status = Number(url.searchParams.get('status'));
    const header = url.searchParams.get('header')!;
    response.writeHead(status, { ...UTF8, [header]: url.searchParams.get('value')! });
    response.end('<html><head><title>Hello</title></head></html>');
  },
  '/long-text': page(
    `<html><head>
      <title>${'t'.repeat(300)}</title>
      <meta name="description" content="${'d'.repeat(600)}">
      <meta property="og:site_name" content="${'s'.repeat(150)}">
    </head></html>`,
  ),
  '/emoji-title': page(`<html><head><title>${'👍🏽'.repeat(250)}</title></head></html>`),
  '/dirty-text': page(
    `<html><head>
      <title>
        Tom &amp; Jerry\u0007 &mdash;\t\u202Egniht\u202C the&nbsp;movie\u2066!\u2069
      </title>
      <meta property="og:description" content="  Line one
        line two &lt;b&gt;not bold&lt;/b&gt;\u0001 ">
    </head></html>`,
  ),
  '/bad-images': page(`<html><head>
      <title>Bad images</title>
      <meta property="og:image:secure_url" content="javascript:alert(1)">
      <meta property="og:image" content="data:image/png;base64,iVBORw0KGgo=">
      <meta name="twitter:image" content="https://images.example/${'x'.repeat(2100)}.png">
      <meta name="twitter:image:src" content="https://images.example/fine.png">
      <link rel="icon" href="javascript:alert(2)">
      <link rel="icon" href="data:image/x-icon;base64,AAAB">
    </head></html>`),
  '/only-bad-images': page(`<html><head>
      <title>No image</title>
      <meta property="og:image" content="javascript:alert(1)">
      <meta name="twitter:image" content="data:text/html,<script>alert(1)</script>">
    </head></html>`),
  '/points-at-canary': (_request, response) => {
    const elsewhere = `http://reachable.test:${canary.port}`;
    response.writeHead(200, UTF8);
    response.end(`<html><head>
      <title>Look over there</title>
      <meta property="og:image" content="${elsewhere}/spy.png">
      <link rel="icon" href="${elsewhere}/favicon.ico">
      <link rel="manifest" href="${elsewhere}/manifest.json">
      <link rel="stylesheet" href="${elsewhere}/style.css">
      <link rel="preload" as="image" href="${elsewhere}/preload.png">
      <link rel="alternate" type="application/json+oembed" href="${elsewhere}/oembed">
    </head></html>`);
  },
  '/body-meta': page(`<html><head><title>Head title</title></head>
    <body><meta property="og:title" content="From the body"><title>Body title</title></body>`),
  '/svg-title': page(`<html><head>
      <svg><title>Icon title</title></svg>
      <title>Document title</title>
    </head></html>`),
  '/no-head': page('<!doctype html><title>Bare</title><p>Text</p>', UTF8),
};

let scene: FetchScene;

beforeAll(async () => {
  scene = await startFetchScene(routes, {
    timeouts: { connectMs: 5000, headersMs: 5000, totalMs: 5000 },
  });
  ({ canary, site, door } = scene);
});

afterAll(() => scene.close());

afterEach(() => {
  expect(canary.connections()).toBe(0);
});

/** What readPage rejected with, as `code:reason`. */
async function failure(url: string, outbound = door): Promise<string> {
  try {
    await readPage(outbound, url);
  } catch (error) {
    const { code, details } = error as { code?: string; details?: { reason?: string } };
    if (code === undefined) throw error;
    return `${code}:${details?.reason}`;
  }
  throw new Error(`${url} was read`);
}

/** The door's counts of outcomes since the last call. */
function outcomesSince(): Record<string, number> {
  const now = { ...door.tally.requests.get('web') };
  const since = Object.fromEntries(
    Object.entries(now)
      .map(([outcome, count]) => [outcome, count - (tallyBefore?.[outcome] ?? 0)])
      .filter(([, count]) => count !== 0),
  );
  tallyBefore = now;
  return since;
}

describe('metadata from the head', () => {
  it('prefers OpenGraph, and lists icons and the manifest as absolute URLs', async () => {
    const url = `${site.origin}/og`;
    expect(await readPage(door, url)).toEqual({
      url,
      title: 'The OpenGraph title',
      description: 'What the page is about.',
      siteName: 'Example Site',
      image: `${site.origin}/images/card.png`,
      icons: [
        { url: `${site.origin}/favicon.ico`, rel: 'icon' },
        { url: `${site.origin}/icon-32.png`, rel: 'icon', sizes: '32x32', type: 'image/png' },
        { url: `${site.origin}/apple.png`, rel: 'apple-touch-icon', sizes: '180x180' },
      ],
      manifest: `${site.origin}/site.webmanifest`,
    });
  });

  it('falls back to Twitter cards, by name= or property=', async () => {
    const url = `${site.origin}/twitter-only`;
    expect(await readPage(door, url)).toEqual({
      url,
      title: 'Only Twitter',
      description: 'Said with property=, not name=.',
      image: 'https://images.example/t.jpg',
      icons: [],
    });
  });

  it('falls back to <title> and <meta name="description">, whatever their case', async () => {
    const url = `${site.origin}/plain`;
    expect(await readPage(door, url)).toEqual({
      url,
      title: 'Just HTML',
      description: 'An old-fashioned page.',
      icons: [],
    });
  });

  it('resolves relative URLs against the final URL, after redirects', async () => {
    const url = `${site.origin}/redirect?to=${encodeURIComponent('/pages/relative/')}`;
    expect(await readPage(door, url)).toEqual({
      url: `${site.origin}/pages/relative/`,
      title: 'Relative',
      image: `${site.origin}/pages/relative/card.png`,
      icons: [{ url: `${site.origin}/pages/favicon.ico`, rel: 'icon' }],
    });
  });

  it('resolves relative URLs against <base href>', async () => {
    expect(await readPage(door, `${site.origin}/based`)).toMatchObject({
      image: `${site.origin}/assets/v2/img/card.png`,
      icons: [{ url: `${site.origin}/assets/v2/touch.png`, rel: 'apple-touch-icon' }],
      manifest: `${site.origin}/manifest.json`,
    });
  });

  it('reads nothing of the body, and no <title> of an inline SVG', async () => {
    expect(await readPage(door, `${site.origin}/body-meta`)).toMatchObject({
      title: 'Head title',
    });
    expect(await readPage(door, `${site.origin}/svg-title`)).toMatchObject({
      title: 'Document title',
    });
  });

  it('reads a page without <head> or </head> to its end', async () => {
    expect(await readPage(door, `${site.origin}/no-head`)).toMatchObject({ title: 'Bare' });
  });
});

describe('character encodings', () => {
  it('takes Latin-1 from the Content-Type, over a <meta> that says otherwise', async () => {
    expect((await readPage(door, `${site.origin}/latin1-header`)).title).toBe('Café crème');
  });

  it('takes Latin-1 from <meta charset>, and UTF-8 when the <meta> says so', async () => {
    expect((await readPage(door, `${site.origin}/latin1-meta`)).title).toBe('Café crème');
    // The same Latin-1 bytes under a <meta> saying UTF-8: decoded as UTF-8, so the <meta> counts.
    expect((await readPage(door, `${site.origin}/latin1-bytes-meta-utf8`)).title).toBe('Caf\uFFFD');
  });

  it('decodes Shift_JIS and Windows-1251 named by <meta>', async () => {
    expect((await readPage(door, `${site.origin}/shift-jis`)).title).toBe('日本語');
    expect((await readPage(door, `${site.origin}/windows-1251`)).title).toBe('Привет');
  });

  it('waits for the encoding before decoding, and joins a character split between pieces', async () => {
    expect((await readPage(door, `${site.origin}/in-pieces`)).title).toBe('日本語');
  });

  it('follows a byte order mark, over the Content-Type', async () => {
    expect((await readPage(door, `${site.origin}/utf16`)).title).toBe('Ünïcödé ✓ 16');
    expect((await readPage(door, `${site.origin}/utf8-bom`)).title).toBe('Café with a BOM');
  });
});

describe('how much is read', () => {
  it('stops at the end of the head, far short of a 5 MB body', async () => {
    outcomesSince();
    const url = `${site.origin}/long-body`;
    expect(await readPage(door, url)).toEqual({ url, title: 'A short head', icons: [] });
    const written = await longBodyWritten;
    expect(written).toBeLessThan(PAGE_MAX_BYTES);
    // Ended by the reader, not by the door's cap or clock.
    expect(outcomesSince()).toEqual({ ok: 1 });
  });

  it('keeps what it read of a head that never ends, cut off at 512 KiB', async () => {
    outcomesSince();
    expect(await readPage(door, `${site.origin}/endless-head`)).toMatchObject({
      title: 'Endless',
    });
    expect(outcomesSince()).toEqual({ too_large: 1 });
  });

  it('keeps what it read of a head that trickles, cut off by the timeout', async () => {
    const hasty = new Outbound({
      allowHosts: [`127.0.0.1:${site.port}`],
      timeouts: { totalMs: 500 },
    });
    try {
      expect(await readPage(hasty, `${site.origin}/trickle-head`)).toMatchObject({
        title: 'Slow but titled',
      });
      expect(await failure(`${site.origin}/trickle-nothing`, hasty)).toBe(
        'upstream_failed:timeout',
      );
    } finally {
      await hasty.close();
    }
  });

  it('stops when the caller stops it, with the caller’s reason and nothing kept', async () => {
    const stop = new AbortController();
    const pending = readPage(door, `${site.origin}/trickle-head`, { signal: stop.signal });
    setTimeout(() => stop.abort(new Error('no longer needed')), 100);
    await expect(pending).rejects.toThrow('no longer needed');
  });

  it('stops a gzip bomb at the cap, keeping a title read before it', async () => {
    expect(await failure(`${site.origin}/bomb`)).toBe('upstream_failed:too_large');
    outcomesSince();
    expect(await readPage(door, `${site.origin}/titled-bomb`)).toMatchObject({
      title: 'A bomb with a title',
    });
    expect(outcomesSince()).toEqual({ too_large: 1 });
  });
});

describe('what is not an HTML page', () => {
  it('an image is its own image', async () => {
    const url = `${site.origin}/photo.png`;
    expect(await readPage(door, url)).toEqual({ url, image: url, icons: [] });
  });

  it('any other type is a plain link', async () => {
    const url = `${site.origin}/paper.pdf`;
    expect(await readPage(door, url)).toEqual({ url, icons: [] });
  });

  it('an answer that is not 2xx fails `status`, whatever its body says', async () => {
    await expect(readPage(door, `${site.origin}/missing`)).rejects.toMatchObject({
      code: 'upstream_failed',
      details: { reason: 'status', status: 404 },
    });
    await expect(readPage(door, `${site.origin}/status/500`)).rejects.toMatchObject({
      details: { reason: 'status', status: 500 },
    });
    const forbidden = `${site.origin}/challenge-title?status=403&title=Forbidden`;
    await expect(readPage(door, forbidden)).rejects.toMatchObject({
      details: { reason: 'status', status: 403 },
    });
  });
});

describe('bot challenges', () => {
  const challenge = (url: string) => ({ url, icons: [], challenge: true });

  it('are recognised by their titles, at any status', async () => {
    const titles = [
      'Just a moment...',
      'Just a moment…',
      'Attention Required! | Cloudflare',
      'DDoS-Guard',
      'Pardon Our Interruption',
      'Sucuri WebSite Firewall - Access Denied',
      'Checking your browser before accessing example.com',
      'Verifying you are human',
      'Access denied',
      'Access Denied',
      'Access denied | example.com used Cloudflare to restrict access',
    ];
    for (const title of titles) {
      for (const status of [200, 403, 429, 503]) {
        const url = `${site.origin}/challenge-title?status=${status}&title=${encodeURIComponent(title)}`;
        expect(await readPage(door, url), `${title} (${status})`).toEqual(challenge(url));
      }
    }
  });

  it('are recognised by their headers, with the statuses they come with', async () => {
    const cases: [header: string, value: string, status: number][] = [
      ['cf-mitigated', 'challenge', 200],
      ['cf-mitigated', 'challenge', 403],
      ['server', 'cloudflare', 403],
      ['server', 'cloudflare', 429],
      ['server', 'cloudflare', 503],
      ['server', 'ddos-guard', 403],
      ['x-iinfo', '10-123-456 NNNN CT(0 0 0) RT(1 2) q(0 0 0 -1) r(0 0) U5', 403],
      ['x-cdn', 'Imperva', 429],
      ['x-sucuri-id', '11005', 403],
      ['x-vercel-mitigated', 'challenge', 429],
      ['x-datadome', 'protected', 403],
    ];
    for (const [header, value, status] of cases) {
      const query = new URLSearchParams({ header, value, status: String(status) });
      const url = `${site.origin}/challenge-header?${query}`;
      expect(await readPage(door, url), `${header}: ${value} (${status})`).toEqual(challenge(url));
    }
  });

  it('are not seen in ordinary pages of those servers, nor in titles that merely mention them', async () => {
    const query = new URLSearchParams({ header: 'server', value: 'cloudflare', status: '200' });
    expect(await readPage(door, `${site.origin}/challenge-header?${query}`)).toMatchObject({
      title: 'Hello',
    });
    query.set('status', '404');
    await expect(readPage(door, `${site.origin}/challenge-header?${query}`)).rejects.toMatchObject({
      details: { reason: 'status', status: 404 },
    });
    for (const title of [
      'Just a moment of silence',
      'Why access denied errors happen',
      'Access denied for the third time, court says',
    ]) {
      const url = `${site.origin}/challenge-title?status=200&title=${encodeURIComponent(title)}`;
      expect((await readPage(door, url)).title).toBe(title);
    }
  });
});

describe('what a page may not do', () => {
  it('have an overlong title, description or site name', async () => {
    const read = await readPage(door, `${site.origin}/long-text`);
    expect(read.title).toBe(`${'t'.repeat(199)}…`);
    expect(read.description).toBe(`${'d'.repeat(499)}…`);
    expect(read.siteName).toBe(`${'s'.repeat(99)}…`);
  });

  it('have a title cut inside a character', async () => {
    const { title } = await readPage(door, `${site.origin}/emoji-title`);
    expect(title).toBe(`${'👍🏽'.repeat(199)}…`);
  });

  it('slip controls or bidi overrides into text, or spread it over lines', async () => {
    expect(await readPage(door, `${site.origin}/dirty-text`)).toMatchObject({
      title: 'Tom & Jerry — gniht the movie!',
      description: 'Line one line two <b>not bold</b>',
    });
  });

  it('give an image or icon that is not an http(s) URL of at most 2048 characters', async () => {
    expect(await readPage(door, `${site.origin}/bad-images`)).toMatchObject({
      image: 'https://images.example/fine.png',
      icons: [],
    });
    const read = await readPage(door, `${site.origin}/only-bad-images`);
    expect(read).not.toHaveProperty('image');
  });

  it('make the reader fetch what it points to: those stay strings', async () => {
    const elsewhere = `http://reachable.test:${canary.port}`;
    expect(await readPage(door, `${site.origin}/points-at-canary`)).toEqual({
      url: `${site.origin}/points-at-canary`,
      title: 'Look over there',
      image: `${elsewhere}/spy.png`,
      icons: [{ url: `${elsewhere}/favicon.ico`, rel: 'icon' }],
      manifest: `${elsewhere}/manifest.json`,
    });
    // afterEach: the canary saw no connection.
  });

  it('redirect the reader to a private address', async () => {
    const to = encodeURIComponent(`http://127.0.0.1:${canary.port}/`);
    expect(await failure(`${site.origin}/redirect?to=${to}`)).toBe('forbidden_address:private');
  });
});
