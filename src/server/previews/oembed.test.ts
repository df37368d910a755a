/**
 * oEmbed for the table's providers only. The real providers cannot be reached from a test, so
 * the table handed to readPage names the local site as a provider; the canary, reachable by the
 * door under `reachable.test`, stands for wherever a page's discovered oEmbed link points.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  startFetchScene,
  type Canary,
  type FetchScene,
  type SiteRoute,
  type ThirdPartySite,
} from '../../../test/thirdPartySite.js';
import type { Outbound } from '../outbound/Outbound.js';
import { OEMBED_PROVIDERS, oembedProvider, type OEmbedProvider } from './oembed.js';
import { readPage } from './readPage.js';

let canary: Canary;
let site: ThirdPartySite;
let door: Outbound;

const UTF8 = { 'content-type': 'text/html; charset=utf-8' };

function json(body: unknown, status = 200): SiteRoute {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(typeof body === 'string' ? body : JSON.stringify(body));
  };
}

function html(body: string, status = 200): SiteRoute {
  return (_request, response) => {
    response.writeHead(status, UTF8);
    response.end(body);
  };
}

const ANSWER = {
  type: 'video',
  version: '1.0',
  title: 'A video & its \u202Etitle',
  author_name: 'Someone',
  provider_name: 'Local Video',
  thumbnail_url: '/thumbs/42.jpg',
  html: '<iframe src="https://elsewhere.example/"></iframe>',
};

const routes: Record<string, SiteRoute> = {
  '/oembed': json(ANSWER),
  '/oembed-post': json({ type: 'rich', author_name: 'A poster', provider_name: 'Posts' }),
  '/oembed-missing': json({ error: 'not found' }, 404),
  '/oembed-huge': json({ title: 'x'.repeat(70 * 1024) }),
  '/oembed-odd': json({ title: 42, provider_name: ['no'], thumbnail_url: 'javascript:alert(1)' }),
  '/oembed-not-json': html('<html>not json</html>'),
  '/video/42': html('<html><head><title>The video page</title></head></html>'),
  '/gallery/7': html(`<html><head>
      <meta property="og:description" content="A gallery without a title or image.">
    </head></html>`),
  '/gallery/8': html(`<html><head>
      <meta property="og:title" content="The page's own title">
      <meta property="og:site_name" content="Its own site">
      <meta property="og:image" content="/own.png">
    </head></html>`),
  '/guarded/1': html('<html><head><title>Just a moment...</title></head></html>', 403),
  '/discovers': (_request, response, { origin }) => {
    response.writeHead(200, UTF8);
    response.end(`<html><head>
      <title>Has discoverable oEmbed</title>
      <link rel="alternate" type="application/json+oembed"
        href="http://reachable.test:${canary.port}/oembed?url=x">
      <link rel="alternate" type="text/xml+oembed" href="${origin}/discovered-oembed.xml">
      <link rel="alternate" type="application/json+oembed" href="${origin}/discovered-oembed">
    </head></html>`);
  },
};

/** A provider of the local site: its pages under `path`, its endpoint at `endpoint`. */
function localProvider(path: string, endpoint: string, pages: boolean): OEmbedProvider {
  return {
    name: 'Local',
    urls: [new RegExp(`^http://127\\.0\\.0\\.1:${site.port}${path}`)],
    endpoint: `${site.origin}${endpoint}`,
    pages,
  };
}

let scene: FetchScene;

beforeAll(async () => {
  scene = await startFetchScene(routes);
  ({ canary, site, door } = scene);
});

afterAll(() => scene.close());

afterEach(() => {
  expect(canary.connections()).toBe(0);
  site.requests.length = 0;
});

describe('the provider table', () => {
  it('matches page URLs on each provider’s own hosts', () => {
    const name = (url: string) => oembedProvider(url, OEMBED_PROVIDERS)?.name;
    expect(name('https://www.youtube.com/watch?v=dQw4w9WgXcQ')).toBe('YouTube');
    expect(name('https://youtu.be/dQw4w9WgXcQ')).toBe('YouTube');
    expect(name('https://YouTube.com/shorts/abc')).toBe('YouTube');
    expect(name('https://vimeo.com/76979871')).toBe('Vimeo');
    expect(name('https://soundcloud.com/artist/track')).toBe('SoundCloud');
    expect(name('https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC')).toBe('Spotify');
    expect(name('https://www.flickr.com/photos/someone/123')).toBe('Flickr');
    expect(name('https://x.com/someone/status/1234567890')).toBe('X');
    expect(name('https://twitter.com/someone/status/1234567890')).toBe('X');
    expect(name('https://www.tiktok.com/@someone/video/1234567890')).toBe('TikTok');
  });

  it('matches nothing that only looks like a provider’s URL', () => {
    const name = (url: string) => oembedProvider(url, OEMBED_PROVIDERS)?.name;
    expect(name('https://youtube.com.evil.test/watch?v=1')).toBeUndefined();
    expect(name('https://evil.test/?u=https://www.youtube.com/watch?v=1')).toBeUndefined();
    expect(name('https://www.youtube.com@evil.test/watch?v=1')).toBeUndefined();
    expect(name('https://user:pw@www.youtube.com/watch?v=1')).toBeUndefined();
    expect(name('https://www.youtube.com:8443/watch?v=1')).toBeUndefined();
    expect(name('https://notyoutube.com/watch?v=1')).toBeUndefined();
    expect(name('https://x.com/someone')).toBeUndefined();
    expect(name('not a url')).toBeUndefined();
  });

  it('sends every provider to its own https endpoint', () => {
    for (const provider of OEMBED_PROVIDERS) {
      expect(new URL(provider.endpoint).protocol, provider.name).toBe('https:');
    }
  });
});

describe('readPage with oEmbed', () => {
  it('asks a provider whose pages say nothing, instead of reading the page', async () => {
    const providers = [localProvider('/video/', '/oembed', false)];
    const url = `${site.origin}/video/42`;
    expect(await readPage(door, url, { oembedProviders: providers })).toEqual({
      url,
      title: 'A video & its title',
      siteName: 'Local Video',
      image: `${site.origin}/thumbs/42.jpg`,
      icons: [],
    });
    expect(site.requests).toEqual([`/oembed?url=${encodeURIComponent(url)}&format=json`]);
  });

  it('takes the author as the title of a post without one', async () => {
    const providers = [localProvider('/video/', '/oembed-post', false)];
    expect(
      await readPage(door, `${site.origin}/video/42`, { oembedProviders: providers }),
    ).toMatchObject({ title: 'A poster', siteName: 'Posts' });
  });

  it('reads the page when the provider fails, is too large or is not JSON', async () => {
    for (const endpoint of ['/oembed-missing', '/oembed-huge', '/oembed-not-json']) {
      const providers = [localProvider('/video/', endpoint, false)];
      expect(
        await readPage(door, `${site.origin}/video/42`, { oembedProviders: providers }),
        endpoint,
      ).toMatchObject({ title: 'The video page' });
    }
  });

  it('ignores fields of the wrong type and thumbnails that are not http(s)', async () => {
    const providers = [localProvider('/video/', '/oembed-odd', false)];
    const read = await readPage(door, `${site.origin}/video/42`, { oembedProviders: providers });
    // Nothing usable came back: the page was read after all.
    expect(read).toEqual({ url: `${site.origin}/video/42`, title: 'The video page', icons: [] });
  });

  it('fills what a readable page lacks, and leaves what it has', async () => {
    const providers = [localProvider('/gallery/', '/oembed', true)];
    expect(
      await readPage(door, `${site.origin}/gallery/7`, { oembedProviders: providers }),
    ).toEqual({
      url: `${site.origin}/gallery/7`,
      title: 'A video & its title',
      description: 'A gallery without a title or image.',
      siteName: 'Local Video',
      image: `${site.origin}/thumbs/42.jpg`,
      icons: [],
    });
    site.requests.length = 0;
    expect(
      await readPage(door, `${site.origin}/gallery/8`, { oembedProviders: providers }),
    ).toEqual({
      url: `${site.origin}/gallery/8`,
      title: "The page's own title",
      siteName: 'Its own site',
      image: `${site.origin}/own.png`,
      icons: [],
    });
    // A page that says it all costs no second request.
    expect(site.requests).toEqual(['/gallery/8']);
  });

  it('asks the provider a short link redirected to', async () => {
    const providers = [localProvider('/gallery/', '/oembed', true)];
    const short = `${site.origin}/redirect?to=${encodeURIComponent('/gallery/7')}`;
    expect(await readPage(door, short, { oembedProviders: providers })).toMatchObject({
      url: `${site.origin}/gallery/7`,
      title: 'A video & its title',
    });
  });

  it('answers for a provider’s page behind a bot challenge', async () => {
    const providers = [localProvider('/guarded/', '/oembed', true)];
    expect(
      await readPage(door, `${site.origin}/guarded/1`, { oembedProviders: providers }),
    ).toEqual({
      url: `${site.origin}/guarded/1`,
      title: 'A video & its title',
      siteName: 'Local Video',
      image: `${site.origin}/thumbs/42.jpg`,
      icons: [],
    });
    expect(await readPage(door, `${site.origin}/guarded/1`)).toMatchObject({ challenge: true });
  });

  it('never follows an oEmbed link a page declares', async () => {
    expect(await readPage(door, `${site.origin}/discovers`)).toEqual({
      url: `${site.origin}/discovers`,
      title: 'Has discoverable oEmbed',
      icons: [],
    });
    expect(site.requests).toEqual(['/discovers']);
    // afterEach: nor did the canary see a connection.
  });
});
