#!/usr/bin/env node
/**
 * An integrator's site: a page with two Roomkit rooms (a support chat of one's own and a team
 * room everyone shares), and `POST /ticket`, which signs a ticket for the page's user. Plain
 * Node, no dependencies. The "user" is whoever the `?as=<name>` link named last (a cookie of
 * this site): a stand-in for a real site's sign-in.
 *
 *   node examples/embed/site.mjs        # ROOMKIT_URL, PORT, HOST, INTEGRATORS_FILE, TICKET_SECONDS
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The integrator entry this site signs as: the first of `integratorsFile`. */
export function readIntegrator(integratorsFile = join(here, 'integrators.json')) {
  const [entry] = JSON.parse(readFileSync(integratorsFile, 'utf8'));
  const secret = entry.secrets?.[0] ?? entry.secret;
  if (!entry?.id || !secret) throw new Error(`${integratorsFile}: no integrator with a secret`);
  return { id: entry.id, secret };
}

/** `ticket = base64url(JSON)`, `sig = hex(HMAC-SHA256(secret, ticket))` (Roomkit's API.md). */
export function signTicket(secret, payload) {
  const ticket = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const sig = createHmac('sha256', secret).update(ticket).digest('hex');
  return { ticket, sig };
}

const ROOMS = {
  support: (user) => ({ roomId: `support-${user.id}`, roomName: `Support for ${user.name}` }),
  team: () => ({ roomId: 'team', roomName: 'Team room' }),
};

function userFrom(request) {
  const cookie = /(?:^|;\s*)demo_user=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
  if (!cookie) return null;
  const name = decodeURIComponent(cookie).slice(0, 60);
  const id =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'someone';
  return { id: `user-${id}`, name };
}

function send(response, status, type, body, headers = {}) {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  response.end(body);
}

/**
 * Starts the site; resolves with `{ server, origin, ticketsIssued() }`. `origin` is the address
 * the page must be opened at: it is the ticket's `origin`, which Roomkit checks.
 */
export async function startSite({
  port = 8090,
  host = '127.0.0.1',
  roomkitUrl = 'http://localhost:8080',
  integrator = readIntegrator(),
  ticketSeconds = 60,
} = {}) {
  const page = readFileSync(join(here, 'public', 'index.html'), 'utf8');
  const script = readFileSync(join(here, 'public', 'page.js'), 'utf8');
  let origin = `http://${host}:${port}`;
  let issued = 0;

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (request.method === 'GET' && url.pathname === '/') {
      const as = url.searchParams.get('as');
      if (as) {
        // Signs in as `as` and comes back without it in the address.
        return send(response, 303, 'text/plain', '', {
          location: '/',
          'set-cookie': `demo_user=${encodeURIComponent(as.slice(0, 60))}; Path=/; HttpOnly; SameSite=Lax`,
        });
      }
      const user = userFrom(request);
      if (!user)
        return send(response, 303, 'text/plain', '', {
          location: `/?as=Visitor ${randomBytes(2).toString('hex')}`,
        });
      const html = page
        .replaceAll('{{ROOMKIT_URL}}', roomkitUrl.replace(/\/+$/, ''))
        .replaceAll('{{USER}}', user.name.replace(/[<>&"]/g, ''));
      return send(response, 200, 'text/html; charset=utf-8', html);
    }
    if (request.method === 'GET' && url.pathname === '/page.js') {
      return send(response, 200, 'text/javascript; charset=utf-8', script);
    }
    if (request.method === 'POST' && url.pathname === '/ticket') {
      // Only this site's own pages may ask (a form on another site would carry the cookie too).
      if (request.headers.origin !== origin)
        return send(response, 403, 'application/json', '{"error":"forbidden"}');
      const user = userFrom(request);
      if (!user) return send(response, 401, 'application/json', '{"error":"signed out"}');
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk) => {
        body += chunk;
        if (body.length > 1000) request.destroy();
      });
      request.on('end', () => {
        let room;
        try {
          room = ROOMS[JSON.parse(body).room]?.(user);
        } catch {
          room = undefined;
        }
        if (!room) return send(response, 400, 'application/json', '{"error":"which room?"}');
        const now = Date.now();
        issued++;
        const pair = signTicket(integrator.secret, {
          integratorId: integrator.id,
          ...room,
          userId: user.id,
          displayName: user.name,
          role: 'member',
          origin,
          issuedAt: new Date(now).toISOString(),
          expiresAt: new Date(now + ticketSeconds * 1000).toISOString(),
          nonce: randomBytes(18).toString('base64url'),
        });
        send(response, 200, 'application/json', JSON.stringify(pair));
      });
      return;
    }
    send(response, 404, 'text/plain; charset=utf-8', 'Not found');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  origin = `http://${host}:${server.address().port}`;
  return { server, origin, ticketsIssued: () => issued };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const site = await startSite({
    port: Number(process.env.PORT ?? 8090),
    host: process.env.HOST ?? '127.0.0.1',
    roomkitUrl: process.env.ROOMKIT_URL ?? 'http://localhost:8080',
    integrator: readIntegrator(process.env.INTEGRATORS_FILE),
    ticketSeconds: Number(process.env.TICKET_SECONDS ?? 60),
  });
  console.log(`example site: ${site.origin}/?as=Ana`);
}
