/**
 * What the outbound door's tests (and later the previews', the image proxy's and the logos')
 * fetch: a local "third-party" site on 127.0.0.1, admitted through FETCH_ALLOW_HOSTS, and a
 * canary on another loopback port that counts every connection it gets — it must get none while
 * the tests throw hostile URLs at the door. Both are real listeners; nothing is mocked.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Outbound, type OutboundOptions } from '../src/server/outbound/Outbound.js';
import { systemResolver, type Resolver } from '../src/server/outbound/pinnedLookup.js';

export interface Canary {
  port: number;
  /** Connections accepted since start. */
  connections(): number;
  close(): Promise<void>;
}

/** A TCP listener on 127.0.0.1 that counts connections and answers none of them. */
export async function startCanary(): Promise<Canary> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server: NetServer = createNetServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface ThirdPartySite {
  port: number;
  /** `http://127.0.0.1:<port>` (`https://` with `tls`) */
  origin: string;
  /** With `tls`: the site's self-signed certificate, for the door's `ca` option. */
  ca?: string;
  /** Requests received, by path (with the query). */
  requests: string[];
  close(): Promise<void>;
}

/** A test's own page on the third-party site. */
export type SiteRoute = (
  request: IncomingMessage,
  response: ServerResponse,
  site: { url: URL; origin: string },
) => void | Promise<void>;

/** Ten megabytes of zeros, gzipped to about ten kilobytes. */
const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));

/**
 * The "third-party" site. Paths:
 * - `/ok` → 200 `hello`; `/status/<n>` → that status;
 * - `/redirect?to=<url>` → 302 to `url`; `/chain/<n>` → n redirects, then 200 `end of chain`;
 *   `/loop` → a redirect to itself;
 * - `/big/<bytes>` → that many bytes with a Content-Length; `/stream/<bytes>` → the same,
 *   chunked, without one;
 * - `/trickle` → headers, then a byte every 50 ms, never ending; `/silent` → never answers;
 * - `/gzip` → `hello, compressed` gzipped; `/bomb` → 10 MB of zeros gzipped;
 *   `/odd-encoding` → a body in a Content-Encoding nobody knows;
 * - `/headers` → the request's headers as JSON.
 */
export async function startThirdPartySite(
  options: {
    /**
     * A test's own pages, by exact path (without the query); they win over the paths above.
     * `origin` is the site's own, for pages that link back to it.
     */
    routes?: Record<string, SiteRoute>;
    /** Serves https with a certificate for 127.0.0.1 of its own (`ca` says whose). */
    tls?: boolean;
  } = {},
): Promise<ThirdPartySite> {
  const requests: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let origin = '';
  const certificate = options.tls ? selfSignedCertificate() : undefined;
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://site');
    requests.push(`${url.pathname}${url.search}`);
    const own = options.routes?.[url.pathname];
    if (own) {
      Promise.resolve(own(request, response, { url, origin })).catch(() => response.destroy());
      return;
    }
    const [, first, arg] = url.pathname.split('/');
    switch (first) {
      case 'ok':
        response.end('hello');
        return;
      case 'status':
        response.writeHead(Number(arg)).end('status');
        return;
      case 'redirect':
        response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
        return;
      case 'chain': {
        const left = Number(arg);
        if (left === 0) response.end('end of chain');
        else response.writeHead(302, { location: `/chain/${left - 1}` }).end();
        return;
      }
      case 'loop':
        response.writeHead(301, { location: '/loop' }).end();
        return;
      case 'big':
        response.writeHead(200, { 'content-length': arg });
        response.end(Buffer.alloc(Number(arg), 'a'));
        return;
      case 'stream': {
        let left = Number(arg);
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const more = () => {
          while (left > 0 && !response.destroyed) {
            const piece = chunk.subarray(0, Math.min(left, chunk.length));
            left -= piece.length;
            if (!response.write(piece)) return void response.once('drain', more);
          }
          response.end();
        };
        more();
        return;
      }
      case 'trickle': {
        response.writeHead(200, { 'content-type': 'text/plain' });
        const timer = setInterval(() => response.write('.'), 50);
        timers.add(timer);
        response.on('close', () => {
          clearInterval(timer);
          timers.delete(timer);
        });
        return;
      }
      case 'silent':
        return;
      case 'gzip':
        response.writeHead(200, { 'content-encoding': 'gzip' });
        response.end(gzipSync('hello, compressed'));
        return;
      case 'bomb':
        response.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'text/html' });
        response.end(bomb);
        return;
      case 'odd-encoding':
        response.writeHead(200, { 'content-encoding': 'zstd' });
        response.end('not really zstd');
        return;
      case 'headers':
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(request.headers));
        return;
      default:
        response.writeHead(404).end();
    }
  };
  const server: Server = certificate
    ? createHttpsServer(certificate, handle)
    : createHttpServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `${certificate ? 'https' : 'http'}://127.0.0.1:${port}`;
  return {
    port,
    origin,
    ...(certificate && { ca: certificate.cert }),
    requests,
    close: async () => {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A key and a self-signed certificate for 127.0.0.1, made by openssl for this run (nothing
 * secret: it lives as long as the test's site).
 */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'roomkit-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A resolver that answers `names` itself (a hostname that resolves to a private address,
 * without touching /etc/hosts); other `.test` names do not exist, and anything else (localhost)
 * goes to the system's resolver.
 */
export function testResolver(names: Record<string, string[]>): Resolver {
  return async (hostname) => {
    const addresses = names[hostname];
    if (addresses) {
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    }
    if (hostname.endsWith('.test')) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return systemResolver(hostname);
  };
}

/** A third-party site, a canary, and an outbound door that reaches both as tests need. */
export interface FetchScene {
  site: ThirdPartySite;
  canary: Canary;
  /**
   * Reaches the site (through FETCH_ALLOW_HOSTS) and, as `reachable.test:<canary port>`, the
   * canary too: a test that must not fetch a URL it was given proves it with the canary's count.
   */
  door: Outbound;
  close(): Promise<void>;
}

export async function startFetchScene(
  routes: Record<string, SiteRoute>,
  options: Omit<OutboundOptions, 'allowHosts' | 'ports' | 'resolve'> = {},
): Promise<FetchScene> {
  const canary = await startCanary();
  const site = await startThirdPartySite({ routes });
  const door = new Outbound({
    allowHosts: [`127.0.0.1:${site.port}`, `reachable.test:${canary.port}`],
    ports: [80, 443, canary.port],
    resolve: testResolver({ 'reachable.test': ['127.0.0.1'] }),
    ...options,
  });
  return {
    site,
    canary,
    door,
    close: async () => {
      await door.close();
      await site.close();
      await canary.close();
    },
  };
}
