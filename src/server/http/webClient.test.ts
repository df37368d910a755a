/**
 * The web client as a browser gets it (docs/api.md, "As built", "Web client files"): each text
 * file in Brotli or gzip as Accept-Encoding asks, with `Vary`; hashed assets cached for a year,
 * everything else revalidated; no source map or build folder reachable. The web root is a
 * small build made here and finished by the build's own step (scripts/webBuildOutput.ts).
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { finishWebBuild } from '../../../scripts/webBuildOutput.js';
import { startServer } from '../../../test/helpers.js';
import { decoded, rawGet } from '../../../test/rawGet.js';

const SCRIPT = 'assets/index-B5c1zqFy.js';
const STYLE = 'assets/index-C0ffee42.css';

/** A built web client in miniature: what Vite writes, then the build's own finishing step. */
async function builtWebClient(): Promise<{ root: string; maps: string }> {
  const base = await mkdtemp(join(tmpdir(), 'roomkit-webclient-'));
  const root = join(base, 'web');
  const maps = join(base, 'web-sourcemaps');
  await mkdir(join(root, 'assets'), { recursive: true });
  await mkdir(join(root, '.vite'), { recursive: true });
  await mkdir(join(root, 'icons'), { recursive: true });
  const script = Array.from(
    { length: 400 },
    (_, i) => `export function f${i}(a){return a.map((x)=>x*${i}).join(",")}`,
  ).join('\n');
  const meta = ['description', 'theme-color', 'color-scheme', 'viewport', 'referrer']
    .map((name) => `<meta name="${name}" content="A room for ${name}, joined by a link.">`)
    .join('\n');
  await writeFile(
    join(root, 'index.html'),
    `<!doctype html><html lang="en"><head><title>Roomkit</title>\n${meta}\n` +
      `<script type="module" src="/${SCRIPT}"></script></head><body><div id="root"></div>`,
  );
  await writeFile(join(root, SCRIPT), script);
  await writeFile(join(root, `${SCRIPT}.map`), '{"version":3,"sources":["secret.ts"]}');
  await writeFile(join(root, STYLE), 'body{margin:0}\n'.repeat(200));
  await writeFile(join(root, 'sw.js'), `self.addEventListener('fetch', () => {});\n`.repeat(50));
  const icons = [192, 512].map((size) => ({
    src: `/icons/icon-${size}.png`,
    sizes: `${size}x${size}`,
  }));
  await writeFile(
    join(root, 'manifest.webmanifest'),
    JSON.stringify({ name: 'Roomkit', short_name: 'Roomkit', start_url: '/', icons }, null, 2),
  );
  await writeFile(
    join(root, 'favicon.svg'),
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${'<rect width="8" height="8"/>'.repeat(8)}</svg>`,
  );
  await writeFile(join(root, 'embed.js'), `var Roomkit=(function(e){return e})({});\n`.repeat(40));
  await writeFile(join(root, 'embed.d.ts'), 'declare namespace Roomkit {}\n');
  // Too small for a compressed copy to be smaller.
  await writeFile(join(root, 'robots.txt'), 'x');
  await writeFile(join(root, 'icons', 'icon-192.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  await writeFile(join(root, '.vite', 'manifest.json'), '{"index.html":{"file":"x"}}');
  await finishWebBuild(root, maps);
  return { root, maps };
}

describe('the build’s finishing step', () => {
  it('moves source maps out of the served folder and writes smaller .br and .gz copies', async () => {
    const { root, maps } = await builtWebClient();
    const original = await readFile(join(root, SCRIPT));
    expect(brotliDecompressSync(await readFile(join(root, `${SCRIPT}.br`)))).toEqual(original);
    expect(gunzipSync(await readFile(join(root, `${SCRIPT}.gz`)))).toEqual(original);
    expect((await readFile(join(root, `${SCRIPT}.br`))).byteLength).toBeLessThan(
      original.byteLength,
    );
    await expect(readFile(join(root, `${SCRIPT}.map`))).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(maps, `${SCRIPT}.map`), 'utf8')).toContain('secret.ts');
    // Images are compressed already: no copies.
    await expect(readFile(join(root, 'icons', 'icon-192.png.br'))).rejects.toThrow(/ENOENT/);
  });
});

describe('serving the web client', () => {
  it('sends each text file as Brotli or gzip as asked, the same bytes once decoded, with Vary', async () => {
    const { root } = await builtWebClient();
    const server = await startServer({}, { webRoot: root });
    for (const [path, file] of [
      [`/${SCRIPT}`, SCRIPT],
      [`/${STYLE}`, STYLE],
      ['/', 'index.html'],
      ['/share', 'index.html'],
      ['/sw.js', 'sw.js'],
      ['/manifest.webmanifest', 'manifest.webmanifest'],
      ['/favicon.svg', 'favicon.svg'],
    ] as const) {
      const original = await readFile(join(root, file));
      const br = await rawGet(server.url + path, { 'accept-encoding': 'gzip, deflate, br' });
      const gzip = await rawGet(server.url + path, { 'accept-encoding': 'gzip' });
      const plain = await rawGet(server.url + path);
      expect(br.status, path).toBe(200);
      expect(br.headers['content-encoding'], path).toBe('br');
      expect(gzip.headers['content-encoding'], path).toBe('gzip');
      expect(plain.headers['content-encoding'], path).toBeUndefined();
      expect(br.body.byteLength, path).toBeLessThan(original.byteLength);
      for (const response of [br, gzip, plain]) {
        expect(decoded(response), path).toEqual(original);
        expect(response.headers.vary, path).toMatch(/accept-encoding/i);
      }
      // The type is the file's, not the copy's.
      expect(br.headers['content-type'], path).toBe(plain.headers['content-type']);
    }
    const html = await rawGet(`${server.url}/`, { 'accept-encoding': 'br' });
    expect(html.headers['content-type']).toMatch(/^text\/html/);

    // A file without copies goes out as it is: never compressed per request, never grown.
    const tiny = await rawGet(`${server.url}/robots.txt`, { 'accept-encoding': 'br, gzip' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(tiny.body.toString()).toBe('x');
    // Images are sent as they are.
    const icon = await rawGet(`${server.url}/icons/icon-192.png`, { 'accept-encoding': 'br' });
    expect(icon.headers['content-encoding']).toBeUndefined();
    expect(icon.body).toEqual(await readFile(join(root, 'icons', 'icon-192.png')));
  });

  it('caches hashed assets for a year and revalidates everything else, the page fallback too', async () => {
    const { root } = await builtWebClient();
    const server = await startServer({}, { webRoot: root });
    for (const encoding of ['br', 'gzip', 'identity']) {
      const headers = { 'accept-encoding': encoding };
      for (const path of [`/${SCRIPT}`, `/${STYLE}`]) {
        const response = await rawGet(server.url + path, headers);
        expect(response.headers['cache-control'], path).toBe('public, max-age=31536000, immutable');
      }
      for (const path of [
        '/',
        '/r/some-room',
        '/share',
        '/sw.js',
        '/manifest.webmanifest',
        '/favicon.svg',
        '/icons/icon-192.png',
      ]) {
        const response = await rawGet(server.url + path, headers);
        expect(response.status, path).toBe(200);
        expect(response.headers['cache-control'], `${path} ${encoding}`).toBe('no-cache');
      }
    }
    // Revalidating costs a 304, not the file.
    const first = await rawGet(`${server.url}/`, { 'accept-encoding': 'br' });
    const again = await rawGet(`${server.url}/`, {
      'accept-encoding': 'br',
      'if-none-match': String(first.headers.etag),
    });
    expect(again.status).toBe(304);
  });

  it('lets other sites’ pages load /embed.js and /embed.d.ts, revalidated, under fixed names', async () => {
    const { root } = await builtWebClient();
    const server = await startServer({}, { webRoot: root });
    for (const encoding of ['br', 'identity']) {
      const script = await rawGet(`${server.url}/embed.js`, { 'accept-encoding': encoding });
      expect(script.status).toBe(200);
      expect(script.headers['content-type']).toMatch(/^application\/javascript/);
      expect(script.headers['cache-control']).toBe('no-cache');
      expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(decoded(script)).toEqual(await readFile(join(root, 'embed.js')));
    }
    expect(
      (await rawGet(`${server.url}/embed.js`, { 'accept-encoding': 'br' })).headers[
        'content-encoding'
      ],
    ).toBe('br');
    const types = await rawGet(`${server.url}/embed.d.ts`);
    expect(types.status).toBe(200);
    expect(types.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(types.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(types.body.toString()).toContain('declare namespace Roomkit');
    // Everything else stays the app's own.
    const other = await rawGet(`${server.url}/sw.js`);
    expect(other.headers['cross-origin-resource-policy']).toBe('same-origin');
  });

  it('serves no source map, no compressed copy by its own name and no build folder', async () => {
    const { root } = await builtWebClient();
    // A map left in the served folder (an older build) is still never served.
    await writeFile(join(root, `${SCRIPT}.map`), '{"version":3,"sources":["secret.ts"]}');
    const server = await startServer({}, { webRoot: root });
    for (const path of [
      `/${SCRIPT}.map`,
      `/${SCRIPT}.MAP`,
      `/${SCRIPT}.br`,
      `/${SCRIPT}.gz`,
      '/.vite/manifest.json',
    ]) {
      for (const encoding of ['br', 'identity']) {
        const response = await rawGet(server.url + path, { 'accept-encoding': encoding });
        expect(response.status, path).toBe(404);
        expect(decoded(response).toString(), path).not.toContain('secret.ts');
        expect(JSON.parse(decoded(response).toString()).error.code, path).toBe('not_found');
      }
    }
  });
});
