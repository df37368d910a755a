/**
 * A room link pasted into another chat app shows a card that gives nothing away: the server's
 * name, a generic line and a generic image, the same for every room id and every client, never
 * the room's name, members or messages. The image is 1200×630 with its text really drawn.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Parser } from 'htmlparser2';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { api, createRoom, join as joinRoom, roomWith, startServer } from '../../../test/helpers.js';
import { decoded, rawGet } from '../../../test/rawGet.js';
import { CARD_HEIGHT, CARD_TITLE_AREA, CARD_WIDTH } from './roomCard.js';

const run = promisify(execFile);

/** A built web client's index.html, as Vite writes it, in a folder of its own. */
async function webRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'roomkit-card-'));
  await writeFile(
    join(root, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="utf-8" />\n' +
      '<meta name="description" content="Real-time rooms." />\n<title>Roomkit</title>\n' +
      '<script type="module" src="/assets/index-B5c1zqFy.js"></script></head>' +
      `<body><div id="root"></div>${'<!-- filler so the page is worth compressing -->'.repeat(20)}</body></html>`,
  );
  return root;
}

/** The page's meta tags, `property` or `name` → `content`, as a crawler reads them. */
function metaTags(html: string): Record<string, string> {
  const tags: Record<string, string> = {};
  const parser = new Parser({
    onopentag(name, attributes) {
      const key = attributes.property ?? attributes.name;
      if (name === 'meta' && key !== undefined && attributes.content !== undefined) {
        expect(tags[key], `${key} given twice`).toBeUndefined();
        tags[key] = attributes.content;
      }
    },
  });
  parser.end(html);
  return tags;
}

async function page(url: string, headers: Record<string, string> = {}) {
  const response = await rawGet(url, headers);
  return { ...response, html: decoded(response).toString('utf8') };
}

const USER_AGENTS = {
  slack: 'Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)',
  discord: 'Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)',
  whatsapp: 'WhatsApp/2.23.20.0',
  telegram: 'TelegramBot (like TwitterBot)',
  imessage:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0',
  browser:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
};

/** Where the ink of light text on the dark card is, within an area: its rows, and the spread. */
async function ink(
  png: Buffer,
  area: { left: number; top: number; width: number; height: number },
) {
  const { data, info } = await sharp(png)
    .extract(area)
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let top = info.height;
  let bottom = -1;
  let sum = 0;
  let squares = 0;
  for (let y = 0; y < info.height; y++) {
    for (let x = 0; x < info.width; x++) {
      const value = data[(y * info.width + x) * info.channels]!;
      sum += value;
      squares += value * value;
      if (value > 128) {
        top = Math.min(top, y);
        bottom = y;
      }
    }
  }
  const count = info.width * info.height;
  return {
    height: bottom < 0 ? 0 : bottom - top + 1,
    deviation: Math.sqrt(squares / count - (sum / count) ** 2),
  };
}

describe('room link cards', () => {
  it('gives /r/<id> the card’s tags with the server’s name, and nothing of the room', async () => {
    const server = await startServer(
      { PUBLIC_URL: 'https://rooms.example.org/' },
      { webRoot: await webRoot() },
    );
    const { room } = await roomWith(server, 'Ada Lovelace');
    const named = await createRoom(server, { name: 'Secret launch' });
    const grace = await joinRoom(server, named, 'Grace Hopper');
    const sent = await api(server, 'POST', `/api/rooms/${named.id}/messages`, {
      token: grace.token,
      body: { body: 'the launch code is 4242' },
    });
    expect(sent.status).toBe(201);

    const real = await page(`${server.url}/r/${named.id}`);
    expect(real.status).toBe(200);
    expect(real.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(metaTags(real.html)).toEqual({
      description: 'Real-time rooms.',
      'og:site_name': 'rooms.example.org',
      'og:type': 'website',
      'og:title': 'Join a room on rooms.example.org',
      'og:description':
        'Chat, share files, write code together and call, right in the browser. No account needed.',
      'og:image': 'https://rooms.example.org/api/cards/room.png',
      'og:image:type': 'image/png',
      'og:image:width': '1200',
      'og:image:height': '630',
      'og:image:alt': 'Join a room on rooms.example.org',
      'twitter:card': 'summary_large_image',
    });
    for (const secret of [
      'Secret launch',
      'Grace Hopper',
      '4242',
      named.joinCode,
      'Ada Lovelace',
      room.joinCode,
    ]) {
      expect(real.html).not.toContain(secret);
    }
    // The page is the web client's, tags added: it still starts the app.
    expect(real.html).toContain('<script type="module" src="/assets/index-B5c1zqFy.js">');

    // A room that never existed, and one of another shape, get the very same page: no oracle.
    for (const id of ['AAAAAAAAAAAAAAAAAAAAAAAA', 'nothing-here', room.id]) {
      const other = await page(`${server.url}/r/${id}`);
      expect(other.status).toBe(200);
      expect(other.html, id).toBe(real.html);
      expect(other.headers.etag, id).toBe(real.headers.etag);
    }
  });

  it('answers crawlers and browsers alike', async () => {
    const server = await startServer(
      { PUBLIC_URL: 'https://rooms.example.org' },
      { webRoot: await webRoot() },
    );
    const pages = await Promise.all(
      Object.values(USER_AGENTS).map((agent) =>
        page(`${server.url}/r/some-room-id`, { 'user-agent': agent }),
      ),
    );
    for (const [i, name] of Object.keys(USER_AGENTS).entries()) {
      expect(pages[i]!.html, name).toBe(pages[0]!.html);
      expect(pages[i]!.headers.vary, name).toMatch(/accept-encoding/i);
      expect(pages[i]!.headers.vary, name).not.toMatch(/user-agent/i);
    }
    expect(metaTags(pages[0]!.html)['og:title']).toBe('Join a room on rooms.example.org');
  });

  it('names the server "Roomkit" without PUBLIC_URL, and takes the image’s origin from a sound Host', async () => {
    const server = await startServer({}, { webRoot: await webRoot() });
    const own = metaTags((await page(`${server.url}/r/x`)).html);
    expect(own['og:title']).toBe('Join a room on Roomkit');
    expect(own['og:site_name']).toBe('Roomkit');
    expect(own['og:image']).toBe(`${server.url}/api/cards/room.png`);

    const named = metaTags(
      (await page(`${server.url}/r/x`, { host: 'Rooms.Example.net:8443' })).html,
    );
    expect(named['og:image']).toBe('http://rooms.example.net:8443/api/cards/room.png');
    const literal = metaTags((await page(`${server.url}/r/x`, { host: '[::1]:8080' })).html);
    expect(literal['og:image']).toBe('http://[::1]:8080/api/cards/room.png');
  });

  it('never writes a hostile Host into the page: the image is left out instead', async () => {
    const server = await startServer({}, { webRoot: await webRoot() });
    const hostile = [
      'evil.example"><script>alert(1)</script>',
      "evil.example'onload='alert(1)",
      'evil.example/path',
      'user@evil.example',
      'evil.example:99999',
      'evil example',
      '-evil.example',
      'evil.example:80:80',
      '[::1',
      `${'a'.repeat(64)}.example`,
      `${'abc.'.repeat(70)}example`,
    ];
    for (const host of hostile) {
      const response = await page(`${server.url}/r/x`, { host });
      expect(response.status, host).toBe(200);
      const tags = metaTags(response.html);
      expect(tags['og:image'], host).toBeUndefined();
      expect(tags['og:image:width'], host).toBeUndefined();
      expect(tags['twitter:card'], host).toBe('summary');
      expect(tags['og:title'], host).toBe('Join a room on Roomkit');
      expect(response.html, host).not.toContain('evil');
      expect(response.html, host).not.toContain('<script>alert');
    }
  });

  it('keeps PUBLIC_URL’s origin whatever Host or forwarded host a client sends', async () => {
    const server = await startServer(
      { PUBLIC_URL: 'https://rooms.example.org', TRUST_PROXY: 'loopback' },
      { webRoot: await webRoot() },
    );
    const attempts: Record<string, string>[] = [
      { host: 'evil.example' },
      { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' },
    ];
    for (const headers of attempts) {
      const response = await page(`${server.url}/r/x`, headers);
      expect(metaTags(response.html)['og:image']).toBe(
        'https://rooms.example.org/api/cards/room.png',
      );
      expect(response.html).not.toContain('evil');
    }
  });

  it('is revalidated like index.html, compressed, with the page’s CSP intact', async () => {
    const server = await startServer({}, { webRoot: await webRoot() });
    const br = await page(`${server.url}/r/x`, { 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('no-cache');
    expect(br.headers.etag).toMatch(/^W\/"[\w-]+"$/);
    const plain = await page(`${server.url}/r/x`);
    expect(plain.html).toBe(br.html);
    expect(plain.headers.etag).toBe(br.headers.etag);

    const again = await rawGet(`${server.url}/r/x`, { 'if-none-match': String(br.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);
    const changed = await rawGet(`${server.url}/r/x`, { 'if-none-match': 'W/"something-else"' });
    expect(changed.status).toBe(200);

    const home = await rawGet(`${server.url}/`);
    const csp = String(br.headers['content-security-policy']);
    expect(csp).toBe(home.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(br.headers['x-content-type-options']).toBe('nosniff');

    // Only the room page is a card: its deeper paths and other pages stay the plain index.html.
    for (const path of ['/', '/r/x/y', '/account']) {
      const other = await page(server.url + path);
      expect(metaTags(other.html)['og:title'], path).toBeUndefined();
    }
  });

  it('shows an owner’s chosen title when the lookup gives one, escaped, else the generic card', async () => {
    const asked: string[] = [];
    const server = await startServer(
      { PUBLIC_URL: 'https://rooms.example.org' },
      {
        webRoot: await webRoot(),
        roomCard: async (roomId) => {
          asked.push(roomId);
          if (roomId === 'failing') throw new Error('the store is down');
          return roomId === 'shown' ? { title: 'Team "sync" <b>&</b> friends' } : undefined;
        },
      },
    );
    const shown = await page(`${server.url}/r/shown`);
    expect(metaTags(shown.html)['og:title']).toBe('Team "sync" <b>&</b> friends');
    expect(shown.html).not.toContain('<b>');
    expect(shown.html).toContain('Team &quot;sync&quot; &lt;b&gt;&amp;&lt;/b&gt; friends');
    // The image and its text stay generic.
    expect(metaTags(shown.html)['og:image:alt']).toBe('Join a room on rooms.example.org');

    const generic = await page(`${server.url}/r/other`);
    const failing = await page(`${server.url}/r/failing`);
    expect(failing.status).toBe(200);
    expect(metaTags(generic.html)['og:title']).toBe('Join a room on rooms.example.org');
    expect(failing.html).toBe(generic.html);
    expect(asked).toEqual(['shown', 'other', 'failing']);
  });

  it('names a room only once its owner lets it', async () => {
    const server = await startServer({}, { webRoot: await webRoot() });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const created = await api(server, 'POST', '/api/rooms', { body: { name: 'Harbour trip' } });
    const owner = await api(server, 'POST', '/api/rooms/join', {
      body: { roomId: created.body.room.id, displayName: 'Ada' },
    });
    const path = `${server.url}/r/${created.body.room.id}`;
    expect(metaTags((await page(path)).html)['og:title']).toBe('Join a room on Roomkit');
    const changed = await api(server, 'POST', `/api/rooms/${created.body.room.id}/settings`, {
      token: owner.body.token,
      body: { namedCard: true },
    });
    expect(changed.body.settings.namedCard).toBe(true);
    expect(metaTags((await page(path)).html)['og:title']).toBe('Join “Harbour trip”');
    // Another room's member cannot name a room; a guest of the room cannot either.
    expect(
      (
        await api(server, 'POST', `/api/rooms/${room.id}/settings`, {
          token: members[1]!.token,
          body: { namedCard: true },
        })
      ).status,
    ).toBe(403);
    expect(metaTags((await page(`${server.url}/r/${room.id}`)).html)['og:title']).toBe(
      'Join a room on Roomkit',
    );
  });
});

describe('the room card image', () => {
  it('is a 1200×630 PNG with its title drawn, cached a day, 304 on its ETag, without a web build', async () => {
    const server = await startServer(
      { PUBLIC_URL: 'https://rooms.example.org' },
      { webRoot: false },
    );
    const response = await rawGet(`${server.url}/api/cards/room.png`, { 'accept-encoding': 'br' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.headers['cache-control']).toBe('public, max-age=86400');
    expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const metadata = await sharp(response.body).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual([
      'png',
      CARD_WIDTH,
      CARD_HEIGHT,
    ]);

    // "Join a room" at 88 px: glyphs about 60 px from the top of "J" to the foot of "o", not
    // the 12 px boxes librsvg draws when no font is found, and not an empty area.
    const title = await ink(response.body, CARD_TITLE_AREA);
    expect(title.deviation).toBeGreaterThan(20);
    expect(title.height).toBeGreaterThan(44);

    const again = await rawGet(`${server.url}/api/cards/room.png`);
    expect(again.body).toEqual(response.body);
    expect(again.headers.etag).toBe(response.headers.etag);
    const cached = await rawGet(`${server.url}/api/cards/room.png`, {
      'if-none-match': String(response.headers.etag),
    });
    expect(cached.status).toBe(304);
    expect(cached.body.byteLength).toBe(0);
    const head = await rawGet(`${server.url}/api/cards/room.png`, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('image/png');

    // No web build: no page to add tags to, the address stays a JSON 404.
    const room = await rawGet(`${server.url}/r/x`);
    expect(room.status).toBe(404);
    expect(JSON.parse(room.body.toString()).error.code).toBe('not_found');
  });

  it('draws the server’s name, and a different one for a different server', async () => {
    const one = await startServer({ PUBLIC_URL: 'https://one.example' });
    const two = await startServer({ PUBLIC_URL: 'https://a-second-server.example' });
    const first = await rawGet(`${one.url}/api/cards/room.png`);
    const second = await rawGet(`${two.url}/api/cards/room.png`);
    expect(first.headers.etag).not.toBe(second.headers.etag);
    const nameArea = { ...CARD_TITLE_AREA, top: 335, height: 65 };
    const [a, b] = await Promise.all([
      sharp(first.body).extract(nameArea).raw().toBuffer(),
      sharp(second.body).extract(nameArea).raw().toBuffer(),
    ]);
    expect(a.equals(b)).toBe(false);
    // The title is the same on both.
    const titleOf = (png: Buffer) => sharp(png).extract(CARD_TITLE_AREA).raw().toBuffer();
    expect((await titleOf(first.body)).equals(await titleOf(second.body))).toBe(true);
  });

  it('shows the mark alone, not rows of boxes, on a host without fonts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-nofonts-'));
    await mkdir(join(dir, 'fonts'));
    await writeFile(
      join(dir, 'fonts.conf'),
      `<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">` +
        `<fontconfig><dir>${join(dir, 'fonts')}</dir><cachedir>${join(dir, 'cache')}</cachedir></fontconfig>`,
    );
    const script = `
      const { renderCardImage } = await import(${JSON.stringify(new URL('./roomCard.ts', import.meta.url).href)});
      const { png, withText } = await renderCardImage('rooms.example.org');
      process.stdout.write(JSON.stringify({ withText, png: png.toString('base64') }));
    `;
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '--eval', script],
      { env: { ...process.env, FONTCONFIG_FILE: join(dir, 'fonts.conf') }, timeout: 60_000 },
    );
    const { withText, png } = JSON.parse(stdout) as { withText: boolean; png: string };
    expect(withText).toBe(false);
    const bytes = Buffer.from(png, 'base64');
    // Plain background either side of the mark, where text would have been.
    for (const left of [40, 740]) {
      const side = { left, top: 150, width: 420, height: 330 };
      expect((await ink(bytes, side)).deviation, `from ${left}`).toBe(0);
    }
    // The mark, centred: its white bubble at the middle of the card.
    const { data } = await sharp(bytes)
      .extract({ left: CARD_WIDTH / 2 - 5, top: CARD_HEIGHT / 2 - 20, width: 10, height: 10 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(Math.min(...data)).toBeGreaterThan(240);
  }, 60_000);
});
