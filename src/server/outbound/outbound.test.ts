/**
 * The outbound door against real listeners: a "third-party" site on 127.0.0.1 admitted through
 * FETCH_ALLOW_HOSTS, and a canary on another loopback port that must see no connection at all
 * while hostile URLs are thrown at the door — literals in every spelling, names that resolve to
 * it, redirects to it. The canary's port is one the door may fetch (as 80 and 443 are), so each
 * refusal is the address policy's and not the port rule's. Limits are shortened through the
 * request's options where a test waits on them; assertions are on error codes, never on time.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, waitFor } from '../../../test/helpers.js';
import {
  startCanary,
  startThirdPartySite,
  testResolver,
  type Canary,
  type ThirdPartySite,
} from '../../../test/thirdPartySite.js';
import { Outbound, USER_AGENT } from './Outbound.js';

let canary: Canary;
let site: ThirdPartySite;
let door: Outbound;

/** What a request ended with: `ok <status> <body>` or `<code>:<reason>`. */
async function outcome(url: string, options: Parameters<Outbound['get']>[1] = {}) {
  try {
    const response = await door.get(url, options);
    return `ok ${response.status} ${response.body.toString()}`;
  } catch (error) {
    const { code, details } = error as { code?: string; details?: { reason?: string } };
    if (code === undefined) throw error;
    return `${code}:${details?.reason}`;
  }
}

beforeAll(async () => {
  canary = await startCanary();
  site = await startThirdPartySite();
  door = new Outbound({
    allowHosts: [`127.0.0.1:${site.port}`, `site.test:${site.port}`],
    ports: [80, 443, canary.port],
    resolve: testResolver({
      'canary.test': ['127.0.0.1'],
      'site.test': ['127.0.0.1'],
      'mixed.test': ['93.184.215.14', '127.0.0.1'],
      'mapped.test': ['::ffff:127.0.0.1'],
      'metadata.test': ['169.254.169.254'],
      'v6.test': ['::1'],
    }),
    timeouts: { connectMs: 5000, headersMs: 5000, totalMs: 5000 },
    maxBytes: 1024 * 1024,
  });
});

afterAll(async () => {
  await door.close();
  await site.close();
  await canary.close();
});

afterEach(() => {
  expect(canary.connections()).toBe(0);
});

describe('hostile URLs never reach the canary', () => {
  const spellings = (port: number) => [
    `http://127.0.0.1:${port}/`,
    `http://2130706433:${port}/`,
    `http://0177.0.0.1:${port}/`,
    `http://0x7f.0.0.1:${port}/`,
    `http://0x7f.1:${port}/`,
    `http://127.1:${port}/`,
    `http://127.0.0.1.:${port}/`,
    `http://0.0.0.0:${port}/`,
    `http://0:${port}/`,
    `http://[::]:${port}/`,
    `http://[::1]:${port}/`,
    `http://[::ffff:127.0.0.1]:${port}/`,
    `http://[::ffff:7f00:1]:${port}/`,
    `http://[::127.0.0.1]:${port}/`,
    `http://localhost:${port}/`,
    `http://canary.test:${port}/`,
    `http://mixed.test:${port}/`,
    `http://mapped.test:${port}/`,
    `http://v6.test:${port}/`,
  ];

  it('refuses private literals in every spelling, and names that resolve to one', async () => {
    for (const url of spellings(canary.port)) {
      expect(await outcome(url), url).toBe('forbidden_address:private');
    }
    expect(await outcome('http://169.254.169.254/latest/meta-data/')).toBe(
      'forbidden_address:private',
    );
    expect(await outcome('http://[fd00:ec2::254]/')).toBe('forbidden_address:private');
    expect(await outcome('http://metadata.test/')).toBe('forbidden_address:private');
  });

  it('refuses a redirect from an allowed site to the canary, however it is spelled', async () => {
    for (const target of spellings(canary.port)) {
      const url = `${site.origin}/redirect?to=${encodeURIComponent(target)}`;
      expect(await outcome(url), target).toBe('forbidden_address:private');
    }
    // Allowed is the host:port named: the same site under another name is not.
    const elsewhere = `${site.origin}/redirect?to=${encodeURIComponent(`http://localhost:${site.port}/ok`)}`;
    expect(await outcome(elsewhere)).toBe('forbidden_address:port');
  });

  it('refuses a redirect to another scheme, or with credentials', async () => {
    const to = (target: string) => `${site.origin}/redirect?to=${encodeURIComponent(target)}`;
    expect(await outcome(to('file:///etc/passwd'))).toBe('forbidden_address:scheme');
    expect(await outcome(to(`http://a:b@127.0.0.1:${site.port}/ok`))).toBe(
      'forbidden_address:credentials',
    );
    expect(await outcome(to('http://example.com:6379/'))).toBe('forbidden_address:port');
  });

  it('follows at most 5 redirects, each checked', async () => {
    expect(await outcome(`${site.origin}/chain/5`)).toBe('ok 200 end of chain');
    expect(await outcome(`${site.origin}/chain/6`)).toBe('forbidden_address:redirects');
    expect(await outcome(`${site.origin}/loop`)).toBe('forbidden_address:redirects');
    const hop = `${site.origin}/redirect?to=${encodeURIComponent('/chain/4')}`;
    const response = await door.get(hop);
    expect(response).toMatchObject({ status: 200, redirects: 5 });
    expect(response.url.href).toBe(`${site.origin}/chain/0`);
  });

  it('refuses other schemes, credentials and ports before anything else', async () => {
    expect(await outcome('ftp://example.com/')).toBe('forbidden_address:scheme');
    expect(await outcome(`http://user:pw@site.test:${site.port}/ok`)).toBe(
      'forbidden_address:credentials',
    );
    expect(await outcome('http://example.com:8080/')).toBe('forbidden_address:port');
    expect(await outcome('nothing')).toBe('forbidden_address:url');
  });

  it('counts each refusal by its reason', () => {
    expect(door.tally.refusals.private).toBeGreaterThan(0);
    expect(door.tally.refusals.redirects).toBeGreaterThan(0);
    expect(door.tally.requests.get('web')?.refused).toBeGreaterThan(0);
  });
});

describe('the allowed site', () => {
  it('is fetched by address or by name, with the door’s User-Agent', async () => {
    expect(await outcome(`${site.origin}/ok`)).toBe('ok 200 hello');
    expect(await outcome(`http://site.test:${site.port}/ok`)).toBe('ok 200 hello');
    const { body } = await door.get(`${site.origin}/headers`);
    const headers = JSON.parse(body.toString()) as Record<string, string>;
    expect(headers['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^Roomkit\/\d+\.\d+\.\d+ \(\+link previews\)$/);
  });

  it('decodes a gzipped body', async () => {
    expect(await outcome(`${site.origin}/gzip`)).toBe('ok 200 hello, compressed');
  });

  it('answers with the status, or fails `status` when the caller wants success only', async () => {
    expect(await outcome(`${site.origin}/status/404`)).toBe('ok 404 status');
    expect(await outcome(`${site.origin}/status/500`, { requireOk: true })).toBe(
      'upstream_failed:status',
    );
  });

  it('hands the body out as it arrives, and stops when the reader stops', async () => {
    const response = await door.open(`${site.origin}/stream/${512 * 1024}`);
    let read = 0;
    for await (const chunk of response.body) {
      read += chunk.length;
      if (read >= 64 * 1024) break;
    }
    expect(read).toBeGreaterThanOrEqual(64 * 1024);
    expect(read).toBeLessThan(512 * 1024);
  });
});

describe('size and time caps', () => {
  it('fails a body past the cap, with or without a Content-Length', async () => {
    expect(await outcome(`${site.origin}/big/${2 * 1024 * 1024}`)).toBe(
      'upstream_failed:too_large',
    );
    expect(await outcome(`${site.origin}/stream/${2 * 1024 * 1024}`)).toBe(
      'upstream_failed:too_large',
    );
    expect(await outcome(`${site.origin}/stream/1000`, { maxBytes: 999 })).toBe(
      'upstream_failed:too_large',
    );
    expect(await outcome(`${site.origin}/stream/1000`, { maxBytes: 1000 })).toMatch(/^ok 200/);
  });

  it('stops a gzip bomb at the cap on decoded bytes', async () => {
    const response = await door.open(`${site.origin}/bomb`);
    let decoded = 0;
    const failure = await (async () => {
      for await (const chunk of response.body) decoded += chunk.length;
    })().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'upstream_failed', details: { reason: 'too_large' } });
    // Stopped within a zlib chunk of the cap, never near the 10 MB it would have become.
    expect(decoded).toBeLessThanOrEqual(1024 * 1024);
  });

  it('fails a Content-Encoding it cannot decode', async () => {
    expect(await outcome(`${site.origin}/odd-encoding`)).toBe('upstream_failed:encoding');
  });

  it('stops a body that trickles in forever at the total timeout', async () => {
    expect(await outcome(`${site.origin}/trickle`, { timeouts: { totalMs: 300 } })).toBe(
      'upstream_failed:timeout',
    );
  });

  it('ends a body nobody reads at the total timeout, quietly', async () => {
    const before = door.tally.requests.get('web')?.timeout ?? 0;
    const response = await door.open(`${site.origin}/trickle`, { timeouts: { totalMs: 200 } });
    expect(response.status).toBe(200);
    await waitFor(() => (door.tally.requests.get('web')?.timeout ?? 0) > before);
    await expect(
      (async () => {
        for await (const _ of response.body);
      })(),
    ).rejects.toMatchObject({ details: { reason: 'timeout' } });
  });

  it('stops waiting for headers that never come', async () => {
    expect(await outcome(`${site.origin}/silent`, { timeouts: { headersMs: 300 } })).toBe(
      'upstream_failed:timeout',
    );
    expect(await outcome(`${site.origin}/silent`, { timeouts: { totalMs: 300 } })).toBe(
      'upstream_failed:timeout',
    );
  });

  it('rejects with the caller’s reason when the caller stops the request', async () => {
    const stop = new AbortController();
    const pending = door.get(`${site.origin}/silent`, { signal: stop.signal });
    setTimeout(() => stop.abort(new Error('no longer needed')), 50);
    await expect(pending).rejects.toThrow('no longer needed');
    expect(door.tally.requests.get('web')?.aborted).toBe(1);
  });

  it('tells a name that does not resolve and a closed port apart', async () => {
    expect(await outcome('http://nowhere.test/')).toBe('upstream_failed:dns');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const allowing = new Outbound({ allowHosts: [`127.0.0.1:${port}`] });
    try {
      await expect(allowing.get(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({
        code: 'upstream_failed',
        details: { reason: 'connect' },
      });
    } finally {
      await allowing.close();
    }
  });
});

describe('proxy variables in the environment', () => {
  it('are ignored: a listener posing as the proxy sees nothing', async () => {
    let proxied = 0;
    const sockets = new Set<Socket>();
    const proxy = createServer((socket) => {
      proxied++;
      sockets.add(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy'];
    const saved = names.map((name) => [name, process.env[name]] as const);
    for (const name of names) process.env[name] = proxyUrl;
    process.env.NO_PROXY = '';
    // A door made while they are set, as a server started with them would.
    const started = new Outbound({ allowHosts: [`127.0.0.1:${site.port}`] });
    try {
      expect((await started.get(`${site.origin}/ok`)).body.toString()).toBe('hello');
      expect((await door.get(`${site.origin}/ok`)).body.toString()).toBe('hello');
      expect(proxied).toBe(0);
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      delete process.env.NO_PROXY;
      await started.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});

describe('trusted destinations (Piston, Janus)', () => {
  it('reach their own private origin, and only that', async () => {
    const outbound = new Outbound();
    const piston = outbound.trusted('piston', `${site.origin}/api/v2`);
    try {
      const answer = await piston.request(`${site.origin}/ok`);
      expect(answer.status).toBe(200);
      expect(answer.body.toString()).toBe('hello');
      await expect(piston.request(`http://127.0.0.1:${canary.port}/`)).rejects.toMatchObject({
        code: 'forbidden_address',
        details: { reason: 'destination' },
      });
    } finally {
      await outbound.close();
    }
  });

  it('follow no redirect and keep the caps and timeouts', async () => {
    const outbound = new Outbound();
    const janus = outbound.trusted('janus', site.origin, {
      timeouts: { totalMs: 500 },
      maxBytes: 1000,
    });
    try {
      const to = encodeURIComponent(`http://127.0.0.1:${canary.port}/`);
      const redirect = await janus.request(`${site.origin}/redirect?to=${to}`);
      expect(redirect.status).toBe(302);
      await expect(janus.request(`${site.origin}/big/2000`)).rejects.toMatchObject({
        details: { reason: 'too_large' },
      });
      await expect(janus.request(`${site.origin}/trickle`)).rejects.toMatchObject({
        details: { reason: 'timeout' },
      });
      expect(outbound.tally.requests.get('janus')).toMatchObject({ ok: 1, too_large: 1 });
    } finally {
      await outbound.close();
    }
  });
});

describe('in the server', () => {
  it('is the core’s one door, counted in /metrics', async () => {
    const server = await startServer({ FETCH_ALLOW_HOSTS: `127.0.0.1:${site.port}` });
    expect((await server.ctx.outbound.get(`${site.origin}/ok`)).body.toString()).toBe('hello');
    await expect(server.ctx.outbound.get('http://127.0.0.1/')).rejects.toMatchObject({
      code: 'forbidden_address',
    });
    const metrics = await api(server, 'GET', '/metrics');
    expect(metrics.body).toContain('roomkit_outbound_refusals_total{reason="private"} 1');
    expect(metrics.body).toContain(
      'roomkit_outbound_requests_total{destination="web",outcome="ok"} 1',
    );
  });
});
