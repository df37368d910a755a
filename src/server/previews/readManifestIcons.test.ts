/**
 * A web app manifest's icons, read from the local "third-party" site through a real door. The
 * canary (reachable by the door as `reachable.test`) stands for the icons themselves: they are
 * listed, never fetched.
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
import { readManifestIcons } from './readManifestIcons.js';

let canary: Canary;
let site: ThirdPartySite;
let door: Outbound;

function manifest(body: string | ((canaryOrigin: string) => unknown), status = 200): SiteRoute {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/manifest+json' });
    const text =
      typeof body === 'string'
        ? body
        : JSON.stringify(body(`http://reachable.test:${canary.port}`));
    response.end(text);
  };
}

const routes: Record<string, SiteRoute> = {
  '/app/site.webmanifest': manifest((elsewhere) => ({
    name: 'An app',
    display: 'standalone',
    shortcuts: [{ name: 'ignored' }],
    icons: [
      { src: 'icons/192.png', sizes: '192x192', type: 'image/png' },
      { src: '/icons/512.png', sizes: '512x512', type: 'image/png', purpose: 'any maskable' },
      { src: `${elsewhere}/icon.svg`, type: 'image/svg+xml', sizes: 'any' },
      { sizes: '48x48' },
      { src: 42 },
      { src: 'javascript:alert(1)' },
      { src: 'data:image/png;base64,iVBORw0KGgo=' },
      { src: 'icons/odd.png', sizes: 7, purpose: ['any'], type: ' image/png\u202E ' },
      'not an entry',
      null,
    ],
  })),
  '/no-icons.json': manifest(() => ({ name: 'No icons', icons: 'nope' })),
  '/array.json': manifest(() => [{ src: '/a.png' }]),
  '/not-json.json': manifest('<html>a page, not a manifest</html>'),
  '/bom.json': manifest(`\uFEFF${JSON.stringify({ icons: [{ src: '/bom.png' }] })}`),
  '/huge.json': manifest(() => ({ icons: [], padding: 'x'.repeat(70 * 1024) })),
  '/gone.json': manifest('{}', 404),
};

let scene: FetchScene;

beforeAll(async () => {
  scene = await startFetchScene(routes);
  ({ canary, site, door } = scene);
});

afterAll(() => scene.close());

afterEach(() => {
  expect(canary.connections()).toBe(0);
});

describe('readManifestIcons', () => {
  it('lists the usable icons, resolved against where the manifest came from', async () => {
    const moved = `${site.origin}/redirect?to=${encodeURIComponent('/app/site.webmanifest')}`;
    expect(await readManifestIcons(door, moved)).toEqual([
      { url: `${site.origin}/app/icons/192.png`, sizes: '192x192', type: 'image/png' },
      {
        url: `${site.origin}/icons/512.png`,
        sizes: '512x512',
        type: 'image/png',
        purpose: 'any maskable',
      },
      { url: `http://reachable.test:${canary.port}/icon.svg`, sizes: 'any', type: 'image/svg+xml' },
      { url: `${site.origin}/app/icons/odd.png`, type: 'image/png' },
    ]);
  });

  it('finds no icons in a manifest without an icons array, or that is not JSON', async () => {
    for (const path of ['/no-icons.json', '/array.json', '/not-json.json']) {
      expect(await readManifestIcons(door, `${site.origin}${path}`), path).toEqual([]);
    }
    expect(await readManifestIcons(door, `${site.origin}/bom.json`)).toEqual([
      { url: `${site.origin}/bom.png` },
    ]);
  });

  it('fails with the door’s errors past 64 KiB, on an error status or a private address', async () => {
    await expect(readManifestIcons(door, `${site.origin}/huge.json`)).rejects.toMatchObject({
      code: 'upstream_failed',
      details: { reason: 'too_large' },
    });
    await expect(readManifestIcons(door, `${site.origin}/gone.json`)).rejects.toMatchObject({
      code: 'upstream_failed',
      details: { reason: 'status', status: 404 },
    });
    await expect(
      readManifestIcons(door, `http://127.0.0.1:${canary.port}/manifest.json`),
    ).rejects.toMatchObject({ code: 'forbidden_address', details: { reason: 'private' } });
  });
});
