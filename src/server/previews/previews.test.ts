/**
 * Link cards (API.md, "Link previews and images from the web"): a message with a link gets its
 * card as `message:updated`, stored with the message; the sender may take it off; the owner may
 * turn cards off; `GET /api/previews` reads a card by URL. Pages come from a local "third-party"
 * site; a canary stands for every address inside and must never be reached.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradient } from '../../../test/fileHelpers.js';
import {
  api,
  connectWithState,
  emitAck,
  onCleanup,
  roomWith,
  startServer,
  waitFor,
  type Collected,
} from '../../../test/helpers.js';
import {
  startCanary,
  startThirdPartySite,
  type Canary,
  type ThirdPartySite,
} from '../../../test/thirdPartySite.js';
import type { Message } from '../../protocol/schemas.js';

let site: ThirdPartySite;
let canary: Canary;

function html(head: string) {
  return (_request: unknown, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html><head>${head}</head><body><p>Body text</p></body></html>`);
  };
}

beforeAll(async () => {
  canary = await startCanary();
  const picture = await gradient(800, 400).jpeg().toBuffer();
  site = await startThirdPartySite({
    routes: {
      '/article': html(
        `<title>Fallback title</title>
         <meta property="og:title" content="Harbour trip &amp; more">
         <meta property="og:description" content="Boats, gulls and a very long pier.">
         <meta property="og:site_name" content="The Harbour Times">
         <meta property="og:image" content="/pictures/harbour.jpg">`,
      ),
      '/pictures/harbour.jpg': (_request, response) => {
        response.writeHead(200, { 'content-type': 'image/jpeg' }).end(picture);
      },
      '/plain': html('<meta name="description" content="no title, no image">'),
      '/challenge': (_request, response) => {
        response.writeHead(503, { 'content-type': 'text/html', server: 'cloudflare' });
        response.end('<html><head><title>Just a moment...</title></head></html>');
      },
      // A page pointing its image inside: the card may carry it, the proxy never fetches it.
      '/inside': html(
        `<title>Inside</title><meta property="og:image" content="http://127.0.0.1:${canary.port}/x.png">`,
      ),
    },
  });
});

afterAll(async () => {
  expect(canary.connections()).toBe(0);
  await site.close();
  await canary.close();
});

async function cardsServer(env: Record<string, string> = {}) {
  return startServer(
    { FETCH_ALLOW_HOSTS: `127.0.0.1:${site.port}`, ...env },
    { outbound: { ports: [80, 443, canary.port] } },
  );
}

function updated(client: Collected): Message[] {
  return client.events
    .filter((event) => event.name === 'message:updated')
    .map((event) => event.payload.message as Message);
}

describe('a message with a link', () => {
  it('gets the link’s card as message:updated, its pictures through this server', async () => {
    const server = await cardsServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const ada = await connectWithState(server, members[0]!.token);
    const grace = await connectWithState(server, members[1]!.token);
    const sent = await emitAck(ada.socket, 'message:send', {
      body: `Look: ${site.origin}/article — and more text`,
    });
    expect(sent).toMatchObject({ ok: true });
    const [message] = await waitFor(
      () => updated(grace).length > 0 && updated(grace),
      5000,
      'card',
    );
    expect(message!.seq).toBe(sent.message.seq);
    expect(message!.preview).toEqual({
      url: `${site.origin}/article`,
      title: 'Harbour trip & more',
      description: 'Boats, gulls and a very long pier.',
      siteName: 'The Harbour Times',
      image: expect.stringMatching(/^\/api\/images\?url=.+&sig=[\w-]{43}$/),
      icon: expect.stringMatching(/^\/api\/logo\?domain=127\.0\.0\.1%3A\d+&sig=[\w-]{43}$/),
    });
    expect(updated(ada)).toEqual([message]);

    // The picture comes from this server, re-encoded; no session needed for a signed URL.
    const image = await fetch(`${server.url}${message!.preview!.image}&w=320`, {
      headers: { accept: 'image/webp' },
    });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect((await sharp(Buffer.from(await image.arrayBuffer())).metadata()).width).toBe(320);

    // Stored with the message: the room's state and history show it.
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, {
      token: members[1]!.token,
    });
    expect(state.body.messages.at(-1).preview).toEqual(message!.preview);
  });

  it('stays a plain link for a bot challenge or a page with nothing to show', async () => {
    const server = await cardsServer();
    const { room, members } = await roomWith(server, 'Ada');
    const ada = await connectWithState(server, members[0]!.token);
    for (const path of ['/challenge', '/plain']) {
      await emitAck(ada.socket, 'message:send', { body: `${site.origin}${path}` });
    }
    await emitAck(ada.socket, 'message:send', { body: `${site.origin}/article` });
    await waitFor(() => updated(ada).length > 0, 5000, 'the article’s card');
    // The other two cards were read before or with it (each read once, then cached).
    const challenge = await api(
      server,
      'GET',
      `/api/previews?url=${encodeURIComponent(`${site.origin}/challenge`)}`,
      { token: members[0]!.token },
    );
    expect(challenge.body).toEqual({
      url: `${site.origin}/challenge`,
      title: null,
      description: null,
      siteName: null,
      image: null,
      icon: null,
    });
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: members[0]!.token });
    const withCards = state.body.messages.filter((m: Message) => m.preview !== undefined);
    expect(withCards.map((m: Message) => m.preview!.url)).toEqual([`${site.origin}/article`]);
    expect(updated(ada)).toHaveLength(1);
  });

  it('loses its card when its sender takes it off, and only then', async () => {
    const server = await cardsServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const ada = await connectWithState(server, members[0]!.token);
    const sent = await emitAck(ada.socket, 'message:send', { body: `${site.origin}/article` });
    await waitFor(() => updated(ada).length === 1, 5000, 'card');
    const path = `/api/rooms/${room.id}/messages/${sent.message.seq}/preview`;

    const byOther = await api(server, 'DELETE', path, { token: members[1]!.token });
    expect({ status: byOther.status, code: byOther.body.error.code }).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect((await api(server, 'DELETE', path)).status).toBe(401);
    const missing = await api(server, 'DELETE', `/api/rooms/${room.id}/messages/999/preview`, {
      token: members[0]!.token,
    });
    expect(missing.status).toBe(404);

    expect((await api(server, 'DELETE', path, { token: members[0]!.token })).status).toBe(204);
    await waitFor(() => updated(ada).length === 2, 5000, 'card removed');
    expect(updated(ada)[1]).not.toHaveProperty('preview');
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: members[0]!.token });
    expect(state.body.messages.at(-1)).not.toHaveProperty('preview');
  });

  it('gets no card in a room whose owner turned cards off', async () => {
    const server = await cardsServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const grace = await connectWithState(server, members[1]!.token);
    const settings = `/api/rooms/${room.id}/settings`;
    const refused = await api(server, 'POST', settings, {
      token: members[1]!.token,
      body: { linkPreviews: false },
    });
    expect(refused.status).toBe(403);
    const invalid = await api(server, 'POST', settings, { token: members[0]!.token, body: {} });
    expect(invalid.status).toBe(400);
    const changed = await api(server, 'POST', settings, {
      token: members[0]!.token,
      body: { linkPreviews: false },
    });
    expect(changed.body).toEqual({ settings: { linkPreviews: false, namedCard: false } });
    await waitFor(
      () =>
        grace.events.some((e) => e.name === 'room:settings' && !e.payload.settings.linkPreviews),
      5000,
      'room:settings',
    );
    const read = await api(server, 'GET', settings, { token: members[1]!.token });
    expect(read.body).toEqual({ settings: { linkPreviews: false, namedCard: false } });
    // The room itself keeps the contract's shape.
    expect(Object.keys(read.body.settings)).not.toContain('id');
    const state = await api(server, 'GET', `/api/rooms/${room.id}`, { token: members[1]!.token });
    expect(Object.keys(state.body.room).sort()).toEqual([
      'createdAt',
      'expiresAt',
      'id',
      'joinCode',
      'name',
      'persistent',
    ]);

    await emitAck(grace.socket, 'message:send', { body: `${site.origin}/article` });
    // The card is read for nobody: asking for it now reads the page once, for this request.
    await api(server, 'GET', `/api/previews?url=${encodeURIComponent(`${site.origin}/article`)}`, {
      token: members[1]!.token,
    });
    const after = await api(server, 'GET', `/api/rooms/${room.id}`, { token: members[1]!.token });
    expect(after.body.messages.at(-1)).not.toHaveProperty('preview');
    expect(updated(grace)).toEqual([]);
  });

  it('keeps its card across a restart with a database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-cards-'));
    onCleanup(() => rm(dir, { recursive: true, force: true }));
    const env = { DATABASE_URL: `sqlite:${dir}/roomkit.db`, SESSION_SECRET: 's'.repeat(40) };
    const first = await cardsServer(env);
    const created = await api(first, 'POST', '/api/rooms', { body: { persistent: true } });
    const joined = await api(first, 'POST', '/api/rooms/join', {
      body: { roomId: created.body.room.id, displayName: 'Ada' },
    });
    const ada = await connectWithState(first, joined.body.token);
    await emitAck(ada.socket, 'message:send', { body: `${site.origin}/article` });
    await waitFor(() => updated(ada).length === 1, 5000, 'card');
    ada.socket.disconnect();
    await first.close();
    const second = await cardsServer(env);
    const state = await api(second, 'GET', `/api/rooms/${created.body.room.id}`, {
      token: joined.body.token,
    });
    expect(state.body.messages.at(-1).preview.title).toBe('Harbour trip & more');
  });
});

describe('GET /api/previews', () => {
  it('needs a member’s session and an http(s) URL', async () => {
    const server = await cardsServer();
    const { members } = await roomWith(server, 'Ada');
    const url = encodeURIComponent(`${site.origin}/article`);
    expect((await api(server, 'GET', `/api/previews?url=${url}`)).status).toBe(401);
    for (const bad of ['', 'ftp://example.com/', 'javascript:alert(1)', `${'x'.repeat(3000)}`]) {
      const refused = await api(server, 'GET', `/api/previews?url=${encodeURIComponent(bad)}`, {
        token: members[0]!.token,
      });
      expect({ bad: bad.slice(0, 20), status: refused.status }).toEqual({
        bad: bad.slice(0, 20),
        status: 400,
      });
    }
    const card = await api(server, 'GET', `/api/previews?url=${url}`, { token: members[0]!.token });
    expect(card.body.title).toBe('Harbour trip & more');
  });

  it('never reaches inside: not for the page, nor for the image a page points at', async () => {
    const server = await cardsServer();
    const { members } = await roomWith(server, 'Ada');
    const token = members[0]!.token;
    for (const url of [
      `http://127.0.0.1:${canary.port}/`,
      `http://[::ffff:7f00:1]:${canary.port}/`,
      `http://0x7f.1:${canary.port}/`,
      `${site.origin}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${canary.port}/`)}`,
    ]) {
      const refused = await api(server, 'GET', `/api/previews?url=${encodeURIComponent(url)}`, {
        token,
      });
      expect({ url, status: refused.status, code: refused.body.error.code }).toEqual({
        url,
        status: 400,
        code: 'forbidden_address',
      });
    }
    // A page whose og:image points at the canary: the card's proxy URL refuses to fetch it.
    const page = `${site.origin}/inside`;
    const card = await api(server, 'GET', `/api/previews?url=${encodeURIComponent(page)}`, {
      token,
    });
    expect(card.body.image).toMatch(/^\/api\/images\?/);
    const image = await fetch(`${server.url}${card.body.image}`);
    expect(image.status).toBe(400);
    expect(((await image.json()) as { error: { code: string } }).error.code).toBe(
      'forbidden_address',
    );
  });

  it('spends the member’s web-fetch limit only on pages not read lately', async () => {
    const server = await startServer(
      { FETCH_ALLOW_HOSTS: `127.0.0.1:${site.port}` },
      { limits: { webFetches: { points: 1, seconds: 60 } } },
    );
    const { members } = await roomWith(server, 'Ada');
    const ask = (path: string) =>
      api(server, 'GET', `/api/previews?url=${encodeURIComponent(`${site.origin}${path}`)}`, {
        token: members[0]!.token,
      });
    expect((await ask('/article')).status).toBe(200);
    expect((await ask('/article')).status).toBe(200);
    const limited = await ask('/plain');
    expect({ status: limited.status, code: limited.body.error.code }).toEqual({
      status: 429,
      code: 'rate_limited',
    });
  });
});
