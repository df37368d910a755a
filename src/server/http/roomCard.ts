import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import sharp from 'sharp';
import { REVALIDATE } from './webClient.js';

/**
 * What a room's owner may choose to show on the room's card (not built yet): given a room id,
 * its title, or undefined to keep the generic card.
 */
export type RoomCardLookup = (roomId: string) => Promise<{ title: string } | undefined>;

export interface RoomCardOptions {
  /** The built web client; without it there is no room page to add tags to (the image stays). */
  root: string | undefined;
  /** PUBLIC_URL: the server's name on the card, and the origin of its absolute URLs. */
  publicUrl: string | undefined;
  /**
   * Off unless given: the generic card never looks anything up, so it tells nobody whether a
   * room exists.
   */
  roomCard?: RoomCardLookup | undefined;
}

export const CARD_WIDTH = 1200;
export const CARD_HEIGHT = 630;
export const CARD_PATH = '/api/cards/room.png';
/** Where "Join a room" is drawn, for whoever checks that it was. */
export const CARD_TITLE_AREA = { left: 360, top: 215, width: 780, height: 105 } as const;
/** Crawlers fetch the image again at most daily; it changes only with PUBLIC_URL. */
const CARD_CACHE = 'public, max-age=86400';
const DESCRIPTION =
  'Chat, share files, write code together and call, right in the browser. No account needed.';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for an HTML attribute or an SVG text node. */
function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** The host of PUBLIC_URL (with its port when not the default), else "Roomkit". */
export function serverName(publicUrl: string | undefined): string {
  return publicUrl ? new URL(publicUrl).host : 'Roomkit';
}

/**
 * A Host header we are willing to write into a page: a DNS name or an IP literal, an optional
 * port, nothing else. Whatever else a client sends (spaces, quotes, `@`, paths) is not echoed.
 */
const HOST =
  /^(?:(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?|\[[0-9a-f:.]{2,45}\])(?::[0-9]{1,5})?$/i;

/** The origin for the card's absolute URLs: PUBLIC_URL's, else the request's if it is sound. */
function cardOrigin(request: FastifyRequest, publicUrl: string | undefined): string | undefined {
  if (publicUrl) return publicUrl;
  const { protocol, host } = request;
  if (protocol !== 'http' && protocol !== 'https') return undefined;
  if (host.length > 260 || !HOST.test(host)) return undefined;
  const port = /:([0-9]+)$/.exec(host)?.[1];
  if (port !== undefined && Number(port) > 65_535) return undefined;
  return `${protocol}://${host.toLowerCase()}`;
}

/**
 * The head tags of a room link's card: Open Graph for Slack, Discord, WhatsApp, Telegram and
 * iMessage, plus `twitter:card`. The server's name and a generic line only — nothing of the
 * room, whose id is already in the link. The image is left out when there is no origin to
 * make its URL absolute with.
 */
export function cardTags(name: string, origin: string | undefined, title?: string): string {
  const cardTitle = title ?? `Join a room on ${name}`;
  const tags: [string, string, string][] = [
    ['property', 'og:site_name', name],
    ['property', 'og:type', 'website'],
    ['property', 'og:title', cardTitle],
    ['property', 'og:description', DESCRIPTION],
    ['name', 'twitter:card', origin ? 'summary_large_image' : 'summary'],
  ];
  if (origin) {
    tags.push(
      ['property', 'og:image', `${origin}${CARD_PATH}`],
      ['property', 'og:image:type', 'image/png'],
      ['property', 'og:image:width', String(CARD_WIDTH)],
      ['property', 'og:image:height', String(CARD_HEIGHT)],
      ['property', 'og:image:alt', `Join a room on ${name}`],
    );
  }
  return tags
    .map(([key, value, content]) => `<meta ${key}="${value}" content="${escape(content)}">`)
    .join('\n');
}

/** `html` with `tags` just before its `</head>` (or first, for a page without one). */
function withTags(html: string, tags: string): string {
  const end = html.search(/<\/head>/i);
  return end === -1 ? `${tags}\n${html}` : `${html.slice(0, end)}${tags}\n${html.slice(end)}`;
}

function etagOf(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('base64url').slice(0, 27);
}

/** Whether If-None-Match names this entity tag (weakly compared, as RFC 9110 has for GET). */
function matches(request: FastifyRequest, etag: string): boolean {
  const header = request.headers['if-none-match'];
  if (header === undefined) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const trimmed = tag.trim();
    return trimmed === '*' || trimmed.replace(/^W\//, '') === bare;
  });
}

/** index.html and a key of its version, read again only when it changed (a new build). */
function indexReader(root: string): () => Promise<{ version: string; html: string }> {
  const path = join(root, 'index.html');
  let cached: { version: string; html: string } | undefined;
  return async () => {
    const info = await stat(path);
    const version = `${info.mtimeMs}:${info.size}`;
    if (cached?.version !== version) cached = { version, html: await readFile(path, 'utf8') };
    return cached;
  };
}

/** The card's picture: the app's mark, "Join a room", the server's name and what a room has. */
function cardSvg(name: string, withText: boolean): string {
  // The mark of src/web/public/icon.svg (a 64 unit tile), 208 px wide.
  const mark = (x: number, y: number) =>
    `<g transform="translate(${x} ${y}) scale(3.25)"><rect width="64" height="64" rx="14" fill="#4f46e5"/>` +
    `<path d="M18 22a6 6 0 0 1 6-6h16a6 6 0 0 1 6 6v12a6 6 0 0 1-6 6H30l-8 7v-7h0a4 4 0 0 1-4-4z" fill="#ffffff"/></g>`;
  const head =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${CARD_WIDTH}" height="${CARD_HEIGHT}">` +
    `<rect width="${CARD_WIDTH}" height="${CARD_HEIGHT}" fill="#15171c"/>` +
    `<rect width="${CARD_WIDTH}" height="10" fill="#818cf8"/>`;
  if (!withText) return `${head}${mark((CARD_WIDTH - 208) / 2, (CARD_HEIGHT - 208) / 2)}</svg>`;
  // A long name gets smaller type, down to 32 px, and is cut with an ellipsis past that; the
  // widths are estimates (0.6 em a character), as the font is whatever sans-serif the host has.
  const room = CARD_TITLE_AREA.width;
  const size = Math.max(32, Math.min(52, Math.floor(room / (0.6 * name.length))));
  const fits = Math.floor(room / (0.6 * size));
  const shown = name.length > fits ? `${name.slice(0, fits - 1)}…` : name;
  const text = (y: number, px: number, fill: string, content: string, weight = 400) =>
    `<text x="${CARD_TITLE_AREA.left}" y="${y}" font-family="sans-serif" font-size="${px}" ` +
    `font-weight="${weight}" fill="${fill}">${escape(content)}</text>`;
  return (
    head +
    mark(96, 211) +
    text(300, 88, '#e8eaef', 'Join a room', 700) +
    text(385, size, '#a3aab7', shown) +
    text(470, 30, '#818cf8', 'Chat · files · code · calls — in the browser') +
    '</svg>'
  );
}

/**
 * Whether this host draws text: sharp's librsvg finds fonts through fontconfig, and on a host
 * without any it draws each letter as a small box of the same size whatever the font size. A
 * capital drawn at 100 px is about 70 px tall with a font, 12 without.
 */
let drawsText: Promise<boolean> | undefined;
export function textRenders(): Promise<boolean> {
  drawsText ??= (async () => {
    const probe = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="160"><rect width="200" height="160"/>' +
        '<text x="20" y="130" font-family="sans-serif" font-size="100" fill="#fff">H</text></svg>',
    );
    const { data, info } = await sharp(probe)
      .greyscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
    let top = info.height;
    let bottom = -1;
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        if (data[(y * info.width + x) * info.channels]! > 128) {
          top = Math.min(top, y);
          bottom = y;
        }
      }
    }
    return bottom - top + 1 >= 40;
  })();
  return drawsText;
}

/**
 * The room card image, 1200×630 PNG: with text when this host draws text (`textRenders`),
 * else the mark alone, centred — a plain card rather than rows of boxes.
 */
export async function renderCardImage(name: string): Promise<{ png: Buffer; withText: boolean }> {
  const withText = await textRenders();
  const png = await sharp(Buffer.from(cardSvg(name, withText)))
    .png({ compressionLevel: 9 })
    .toBuffer();
  return { png, withText };
}

/**
 * Room links as cards in other chat apps. `/r/<roomId>` is the web client's index.html with
 * the card's head tags (`cardTags`), the same for every id and every client — browser or
 * crawler — so the page says nothing of the room and whether it exists; `no-cache` with an
 * ETag like index.html itself, compressed per request. `GET /api/cards/room.png` is the card's
 * image, rendered once, cached a day, with an ETag; it is served with or without a web build.
 */
export const roomCards = fp(registerRoomCards, { name: 'room-cards' });

async function registerRoomCards(app: FastifyInstance, options: RoomCardOptions): Promise<void> {
  const name = serverName(options.publicUrl);
  let image: Promise<{ png: Buffer; etag: string }> | undefined;
  const cardImage = (log: FastifyBaseLogger) => {
    image ??= renderCardImage(name).then(
      ({ png, withText }) => {
        if (!withText) log.warn('no font draws text here: the room card image shows the mark only');
        return { png, etag: `"${etagOf(png)}"` };
      },
      (error: unknown) => {
        image = undefined;
        throw error;
      },
    );
    return image;
  };

  app.get(CARD_PATH, { compress: false }, async (request, reply) => {
    const { png, etag } = await cardImage(request.log);
    void reply
      .header('Cache-Control', CARD_CACHE)
      .header('ETag', etag)
      // Shown by other sites and apps: a generic picture, nothing to keep to this origin.
      .header('Cross-Origin-Resource-Policy', 'cross-origin');
    if (matches(request, etag)) return reply.code(304).send();
    return reply.type('image/png').send(png);
  });

  const { root } = options;
  if (!root) return;
  const index = indexReader(root);
  // Pages are built once per origin (PUBLIC_URL's, or each sound Host clients name) and per
  // build of index.html; past 32 the oldest is dropped, so odd Host headers cannot fill memory.
  const pages = new Map<string, { html: string; etag: string }>();
  const page = (html: string, tags: string) => {
    const body = withTags(html, tags);
    return { html: body, etag: `W/"${etagOf(body)}"` };
  };

  app.get<{ Params: { roomId: string } }>('/r/:roomId', async (request, reply) => {
    const { version, html } = await index();
    const origin = cardOrigin(request, options.publicUrl);
    const title = options.roomCard ? await ownerTitle(options.roomCard, request) : undefined;
    let answer: { html: string; etag: string } | undefined;
    if (title) {
      answer = page(html, cardTags(name, origin, title));
    } else {
      const key = `${version}\n${origin ?? ''}`;
      answer = pages.get(key);
      if (answer === undefined) {
        answer = page(html, cardTags(name, origin));
        if (pages.size >= 32) pages.delete(pages.keys().next().value!);
        pages.set(key, answer);
      }
    }
    void reply
      .header('Cache-Control', REVALIDATE)
      .header('ETag', answer.etag)
      .header('Vary', 'accept-encoding');
    if (matches(request, answer.etag)) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(answer.html);
  });
}

/** The owner's title for the card, if the lookup gives one; a failed lookup keeps it generic. */
async function ownerTitle(
  lookup: RoomCardLookup,
  request: FastifyRequest<{ Params: { roomId: string } }>,
): Promise<string | undefined> {
  try {
    return (await lookup(request.params.roomId))?.title;
  } catch (error) {
    request.log.warn({ err: error }, 'room card lookup failed');
    return undefined;
  }
}
