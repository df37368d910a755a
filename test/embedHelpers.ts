/** Integrators and tickets for the embedding tests, signed as docs/embedding.md shows. */
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbedTicket } from '../src/protocol/embed.js';
import { onCleanup } from './helpers.js';

export const SHOP_SECRET = 'shop-secret-0123456789-abcdefghijklmnop';
export const SHOP_OLD_SECRET = 'shop-old-secret-0123456789-abcdefghijkl';
export const BLOG_SECRET = 'blog-secret-0123456789-abcdefghijklmnop';
export const SHOP_ORIGIN = 'https://shop.example';

/** Two integrators: "shop" (two secrets, diagnostics on) and "blog" (the single-secret form). */
export const INTEGRATORS = [
  {
    id: 'shop',
    secrets: [SHOP_SECRET, SHOP_OLD_SECRET],
    allowedOrigins: [SHOP_ORIGIN, 'http://127.0.0.1:5173'],
    diagnostics: true,
  },
  { id: 'blog', secret: BLOG_SECRET, allowedOrigins: ['https://blog.example'] },
];

/** Writes `integrators` to a temporary INTEGRATORS_FILE and returns its path. */
export async function integratorsFile(integrators: unknown = INTEGRATORS): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'roomkit-embed-'));
  const file = join(dir, 'integrators.json');
  await writeFile(file, JSON.stringify(integrators));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return file;
}

/** A ticket's fields for shop's user "u-1" in room "order-1", good for 60 s from `now`. */
export function ticketFields(now: number, overrides: Partial<EmbedTicket> = {}): EmbedTicket {
  return {
    integratorId: 'shop',
    roomId: 'order-1',
    userId: 'u-1',
    displayName: 'Ada',
    role: 'member',
    origin: SHOP_ORIGIN,
    issuedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 60_000).toISOString(),
    nonce: randomBytes(16).toString('base64url'),
    ...overrides,
  };
}

export function encodeTicket(fields: object): string {
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

export function sign(secret: string, ticket: string): string {
  return createHmac('sha256', secret).update(ticket).digest('hex');
}

/** `{ ticket, sig }` for `fields`, signed with `secret` (shop's current one by default). */
export function signed(fields: object, secret = SHOP_SECRET): { ticket: string; sig: string } {
  const ticket = encodeTicket(fields);
  return { ticket, sig: sign(secret, ticket) };
}
