/**
 * Embedding (API.md, "Embedding"): tickets exchanged for members of the integrator's room, the
 * query form's redirect, the framed page, and every hostile ticket refused with its code and
 * nothing else disturbed.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/Clock.js';
import {
  BLOG_SECRET,
  encodeTicket,
  integratorsFile,
  SHOP_OLD_SECRET,
  SHOP_ORIGIN,
  sign,
  signed,
  ticketFields,
} from '../../../test/embedHelpers.js';
import {
  api,
  connectWithState,
  onCleanup,
  startServer,
  waitFor,
  type ApiResponse,
} from '../../../test/helpers.js';

const ADMIN_TOKEN = 'admin-token-of-the-embed-tests-42';

async function embedServer(options: { webRoot?: string } = {}) {
  const clock = new ManualClock(Date.now());
  const server = await startServer(
    { INTEGRATORS_FILE: await integratorsFile(), ADMIN_TOKEN },
    { clock, ...(options.webRoot !== undefined && { webRoot: options.webRoot }) },
  );
  const exchange = (pair: { ticket: string; sig: string } | object) =>
    api(server, 'POST', '/embed/exchange', { body: pair });
  return { server, clock, exchange };
}

function refusedWith(response: ApiResponse, status: number, code: string) {
  expect({ status: response.status, code: response.body?.error?.code }).toEqual({ status, code });
}

describe('exchanging a ticket', () => {
  it('enters the integrator’s room as the ticket’s person, and the same person comes back', async () => {
    const { server, clock, exchange } = await embedServer();
    const first = await exchange(signed(ticketFields(clock.now(), { roomName: 'Order #1' })));
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    expect(first.body).toEqual({
      token: expect.any(String),
      member: { id: expect.any(String), displayName: 'Ada', role: 'member' },
      room: expect.objectContaining({ name: 'Order #1', persistent: false }),
      integratorId: 'shop',
      origin: SHOP_ORIGIN,
    });
    // The token is a member token: it reads the room and connects a socket.
    const state = await api(server, 'GET', `/api/rooms/${first.body.room.id}`, {
      token: first.body.token,
    });
    expect(state.status).toBe(200);
    const socket = await connectWithState(server, first.body.token);
    expect(socket.state.member.displayName).toBe('Ada');

    const again = await exchange(signed(ticketFields(clock.now())));
    expect(again.status).toBe(200);
    expect(again.body.member).toEqual(first.body.member);
    expect(again.body.room.id).toBe(first.body.room.id);

    // Someone else of the same name is told apart; another room name is another room.
    const namesake = await exchange(signed(ticketFields(clock.now(), { userId: 'u-2' })));
    expect(namesake.body.member.displayName).toBe('Ada (2)');
    const other = await exchange(signed(ticketFields(clock.now(), { roomId: 'order-2' })));
    expect(other.body.room.id).not.toBe(first.body.room.id);
    // Another integrator's room of the same name is another room too.
    const blog = await exchange(
      signed(
        ticketFields(clock.now(), { integratorId: 'blog', origin: 'https://blog.example' }),
        BLOG_SECRET,
      ),
    );
    expect(blog.status).toBe(200);
    expect(blog.body.room.id).not.toBe(first.body.room.id);
  });

  it('takes the role from the ticket, and a later ticket’s role from then on', async () => {
    const { server, clock, exchange } = await embedServer();
    const member = await exchange(signed(ticketFields(clock.now())));
    expect(member.body.member.role).toBe('member');
    const agent = await exchange(
      signed(ticketFields(clock.now(), { userId: 'agent', displayName: 'Support', role: 'owner' })),
    );
    expect(agent.body.member.role).toBe('owner');
    const promoted = await exchange(signed(ticketFields(clock.now(), { role: 'owner' })));
    expect(promoted.body.member.role).toBe('owner');
    const state = await api(server, 'GET', `/api/rooms/${member.body.room.id}`, {
      token: member.body.token,
    });
    expect(state.body.members.map((m: { role: string }) => m.role)).toEqual(['owner', 'owner']);
  });

  it('sets a partitioned SameSite=None cookie behind HTTPS only; the token is what counts', async () => {
    const { clock, exchange } = await embedServer();
    const plain = await exchange(signed(ticketFields(clock.now())));
    expect(plain.headers.getSetCookie()).toEqual([]);

    const secure = await startServer({
      INTEGRATORS_FILE: await integratorsFile(),
      PUBLIC_URL: 'https://rooms.example',
    });
    const answer = await api(secure, 'POST', '/embed/exchange', {
      body: signed(ticketFields(Date.now())),
    });
    const [cookie] = answer.headers.getSetCookie();
    expect(cookie?.split('; ')).toEqual([
      `rk_session=${answer.body.token}`,
      'Path=/',
      'HttpOnly',
      'Secure',
      'SameSite=None',
      'Partitioned',
    ]);
  });

  it('accepts either secret during a rotation, and the single-secret form', async () => {
    const { clock, exchange } = await embedServer();
    expect((await exchange(signed(ticketFields(clock.now()), SHOP_OLD_SECRET))).status).toBe(200);
    const blog = ticketFields(clock.now(), {
      integratorId: 'blog',
      origin: 'https://blog.example',
    });
    expect((await exchange(signed(blog, BLOG_SECRET))).status).toBe(200);
  });

  it('keeps an embedded room closed to its link and join code', async () => {
    const { server, clock, exchange } = await embedServer();
    const { body } = await exchange(signed(ticketFields(clock.now())));
    for (const joining of [{ roomId: body.room.id }, { joinCode: body.room.joinCode }]) {
      const response = await api(server, 'POST', '/api/rooms/join', {
        body: { ...joining, displayName: 'Mallory' },
      });
      refusedWith(response, 403, 'forbidden');
    }
  });

  it('makes the room again after it ended, and the old members’ tokens stay dead', async () => {
    const { server, clock, exchange } = await embedServer();
    const before = await exchange(signed(ticketFields(clock.now())));
    const deleted = await api(server, 'DELETE', `/api/admin/rooms/${before.body.room.id}?grace=0`, {
      token: ADMIN_TOKEN,
    });
    expect(deleted.status).toBe(202);
    const old = () =>
      api(server, 'GET', `/api/rooms/${before.body.room.id}`, { token: before.body.token });
    await waitFor(async () => (await old()).status !== 200);

    const after = await exchange(signed(ticketFields(clock.now())));
    expect(after.status).toBe(200);
    expect(after.body.room.id).toBe(before.body.room.id);
    expect(after.body.room.joinCode).not.toBe(before.body.room.joinCode);
    expect(after.body.member.id).not.toBe(before.body.member.id);
    expect((await old()).status).toBe(401);
    const fresh = await api(server, 'GET', `/api/rooms/${after.body.room.id}`, {
      token: after.body.token,
    });
    expect(fresh.body.members).toHaveLength(1);
  });

  it('leaves keeping an embedded room to the integrator, not its owner', async () => {
    const { server, clock, exchange } = await embedServer();
    const { body } = await exchange(signed(ticketFields(clock.now(), { role: 'owner' })));
    const kept = await api(server, 'POST', `/api/rooms/${body.room.id}/keep`, {
      token: body.token,
    });
    refusedWith(kept, 403, 'forbidden');
    expect(kept.body.error.message).toMatch(/embedded room/);
  });

  it('lets no account claim an embedded member', async () => {
    const { server, clock, exchange } = await embedServer();
    const { body } = await exchange(signed(ticketFields(clock.now())));
    const registered = await api(server, 'POST', '/api/auth/register', {
      body: { username: 'mallory', password: 'correct horse battery' },
    });
    const cookie = registered.headers.getSetCookie()[0]?.split(';')[0] ?? '';
    const claim = await api(server, 'POST', '/api/auth/claim', {
      token: body.token,
      headers: { cookie },
      body: { roomId: body.room.id },
    });
    refusedWith(claim, 403, 'forbidden');
    expect(claim.body.error.message).toMatch(/embedded room/);
  });

  it('refuses, after a kick with a ban, the same person’s next ticket', async () => {
    const { server, clock, exchange } = await embedServer();
    const { body } = await exchange(signed(ticketFields(clock.now())));
    const kicked = await api(
      server,
      'POST',
      `/api/admin/rooms/${body.room.id}/members/${body.member.id}/kick`,
      { token: ADMIN_TOKEN, body: { banSeconds: 600 } },
    );
    expect(kicked.status).toBe(204);
    refusedWith(await exchange(signed(ticketFields(clock.now()))), 403, 'forbidden');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('roomkit_embed_tickets_total{result="accepted"} 1');
    expect(metrics).toContain('roomkit_embed_tickets_total{result="forbidden"} 1');
    // Another person of the integrator still enters.
    expect((await exchange(signed(ticketFields(clock.now(), { userId: 'u-2' })))).status).toBe(200);
  });

  it('names the integrator in the admin rooms list and counts tickets by result', async () => {
    const { server, clock, exchange } = await embedServer();
    await exchange(signed(ticketFields(clock.now())));
    await exchange(signed(ticketFields(clock.now()), BLOG_SECRET));
    await exchange({ ticket: signed(ticketFields(clock.now())).ticket });
    const rooms = await api(server, 'GET', '/api/admin/rooms', { token: ADMIN_TOKEN });
    expect(rooms.body.rooms.map((room: { integrator: string | null }) => room.integrator)).toEqual([
      'shop',
    ]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('roomkit_embed_tickets_total{result="accepted"} 1');
    expect(metrics).toContain('roomkit_embed_tickets_total{result="bad_signature"} 1');
    expect(metrics).toContain('roomkit_embed_tickets_total{result="invalid_request"} 1');
  });
});

describe('hostile tickets', () => {
  it('refuses each with its code, never a 5xx, and the server carries on', async () => {
    const { clock, exchange } = await embedServer();
    const now = clock.now();
    const good = ticketFields(now);
    const goodPair = signed(good);
    const cases: [string, object, number, string][] = [
      ['expired by one second', signed(ticketFields(now - 61_000, {})), 401, 'ticket_expired'],
      [
        'issued 31 s in the future',
        signed(
          ticketFields(now, {
            issuedAt: new Date(now + 31_000).toISOString(),
            expiresAt: new Date(now + 61_000).toISOString(),
          }),
        ),
        401,
        'ticket_expired',
      ],
      [
        'a lifetime of 61 s',
        signed(ticketFields(now, { expiresAt: new Date(now + 61_000).toISOString() })),
        401,
        'ticket_expired',
      ],
      [
        'expiring before it was issued',
        signed(ticketFields(now, { expiresAt: new Date(now - 1_000).toISOString() })),
        401,
        'ticket_expired',
      ],
      ['a forged signature', { ...goodPair, sig: flipLast(goodPair.sig) }, 401, 'bad_signature'],
      [
        'a truncated signature',
        { ...goodPair, sig: goodPair.sig.slice(0, 63) },
        401,
        'bad_signature',
      ],
      ['an empty signature', { ...goodPair, sig: '' }, 401, 'bad_signature'],
      [
        'a non-hex signature',
        { ...goodPair, sig: `${goodPair.sig.slice(0, 63)}g` },
        401,
        'bad_signature',
      ],
      ['an overlong signature', { ...goodPair, sig: `${goodPair.sig}00` }, 401, 'bad_signature'],
      ['a doubled signature', { ...goodPair, sig: goodPair.sig.repeat(2) }, 401, 'bad_signature'],
      [
        'a base64 signature',
        { ...goodPair, sig: Buffer.from(goodPair.sig, 'hex').toString('base64') },
        401,
        'bad_signature',
      ],
      ['the other integrator’s secret', signed(good, BLOG_SECRET), 401, 'bad_signature'],
      [
        'an unknown integrator',
        signed(ticketFields(now, { integratorId: 'nobody' })),
        401,
        'bad_signature',
      ],
      [
        'a changed field under the old signature',
        { ticket: encodeTicket({ ...good, role: 'owner' }), sig: goodPair.sig },
        401,
        'bad_signature',
      ],
      [
        'a wrong origin',
        signed(ticketFields(now, { origin: 'https://evil.example' })),
        403,
        'origin_not_allowed',
      ],
      [
        'a look-alike origin',
        signed(ticketFields(now, { origin: 'https://shop.example.evil.com' })),
        403,
        'origin_not_allowed',
      ],
      [
        'an origin with another scheme',
        signed(ticketFields(now, { origin: 'http://shop.example' })),
        403,
        'origin_not_allowed',
      ],
      [
        'an origin with a path',
        signed(ticketFields(now, { origin: 'https://shop.example/' })),
        400,
        'invalid_request',
      ],
      ['a missing nonce', signed(omit(good, 'nonce')), 400, 'invalid_request'],
      ['a missing userId', signed(omit(good, 'userId')), 400, 'invalid_request'],
      ['a missing integratorId', signed(omit(good, 'integratorId')), 400, 'invalid_request'],
      ['a short nonce', signed(ticketFields(now, { nonce: 'abc' })), 400, 'invalid_request'],
      ['a role that does not exist', signed({ ...good, role: 'admin' }), 400, 'invalid_request'],
      [
        'a display name too long',
        signed(ticketFields(now, { displayName: 'x'.repeat(41) })),
        400,
        'invalid_request',
      ],
      [
        'an empty display name',
        signed(ticketFields(now, { displayName: '   ' })),
        400,
        'invalid_request',
      ],
      [
        'a display name with control characters',
        signed(ticketFields(now, { displayName: 'Ada\u0000\u202e' })),
        400,
        'invalid_request',
      ],
      [
        'a room id with a slash',
        signed(ticketFields(now, { roomId: '../admin' })),
        400,
        'invalid_request',
      ],
      [
        'a room id with spaces',
        signed(ticketFields(now, { roomId: 'order 1' })),
        400,
        'invalid_request',
      ],
      [
        'a room id of 129 characters',
        signed(ticketFields(now, { roomId: 'r'.repeat(129) })),
        400,
        'invalid_request',
      ],
      [
        'an http avatar',
        signed(ticketFields(now, { avatarUrl: 'http://cdn.example/a.png' })),
        400,
        'invalid_request',
      ],
      [
        'an oversized ticket',
        signed({ ...good, padding: 'x'.repeat(5_000) }),
        400,
        'invalid_request',
      ],
      [
        'a ticket that is not base64url',
        { ticket: 'not a ticket!', sig: goodPair.sig },
        400,
        'invalid_request',
      ],
      [
        'a ticket that is base64url of no JSON',
        { ticket: 'AAAA', sig: goodPair.sig },
        400,
        'invalid_request',
      ],
      ['a JSON list', signed([good]), 400, 'invalid_request'],
      ['no signature field', { ticket: goodPair.ticket }, 400, 'invalid_request'],
      ['extra body fields', { ...goodPair, admin: true }, 400, 'invalid_request'],
    ];
    for (const [name, body, status, code] of cases) {
      const response = await exchange(body);
      expect({ name, status: response.status, code: response.body?.error?.code }).toEqual({
        name,
        status,
        code,
      });
    }
    // None of that used up the good ticket's nonce, or anything else.
    expect((await exchange(goodPair)).status).toBe(200);
  });

  it('refuses a ticket used before: again, and several times at once, one wins', async () => {
    const { clock, exchange } = await embedServer();
    const pair = signed(ticketFields(clock.now()));
    expect((await exchange(pair)).status).toBe(200);
    refusedWith(await exchange(pair), 401, 'ticket_replayed');

    const racing = signed(ticketFields(clock.now(), { userId: 'u-2' }));
    const answers = await Promise.all(Array.from({ length: 8 }, () => exchange(racing)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
    for (const answer of answers.filter((a) => a.status !== 200))
      expect(answer.body.error.code).toBe('ticket_replayed');
  });

  it('expires a ticket at its end, by the server’s clock', async () => {
    const { clock, exchange } = await embedServer();
    const pair = signed(
      ticketFields(clock.now(), { expiresAt: new Date(clock.now() + 10_000).toISOString() }),
    );
    await clock.advance(10_001);
    refusedWith(await exchange(pair), 401, 'ticket_expired');
  });
});

describe('the query form and the frame page', () => {
  it('moves a good ticket into the fragment of the frame’s URL, without using it up', async () => {
    const { server, clock, exchange } = await embedServer();
    const pair = signed(ticketFields(clock.now()));
    const answer = await fetch(`${server.url}/embed?${new URLSearchParams(pair)}`, {
      redirect: 'manual',
    });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const location = new URL(answer.headers.get('location') ?? '', server.url);
    expect(location.pathname).toBe('/embed');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      integrator: 'shop',
      origin: SHOP_ORIGIN,
    });
    expect(Object.fromEntries(new URLSearchParams(location.hash.slice(1)))).toEqual(pair);
    expect((await exchange(pair)).status).toBe(200);
    // Used now: the query form refuses it too, with a page a person can read.
    const again = await fetch(`${server.url}/embed?${new URLSearchParams(pair)}`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    expect(again.status).toBe(401);
    expect(again.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await again.text();
    expect(page).toContain('ticket_replayed');
    expect(page).not.toContain('<script');
  });

  it('answers JSON refusals to API clients', async () => {
    const { server, clock } = await embedServer();
    const forged = signed(ticketFields(clock.now()), BLOG_SECRET);
    const answer = await api(server, 'GET', `/embed?${new URLSearchParams(forged)}`);
    refusedWith(answer, 401, 'bad_signature');
  });

  it('lets the integrator’s origins, and only them, frame the page', async () => {
    const webRoot = await mkdtemp(join(tmpdir(), 'roomkit-web-'));
    onCleanup(() => rm(webRoot, { recursive: true, force: true }));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>Roomkit</title>');
    const { server } = await embedServer({ webRoot });
    const frame = await fetch(
      `${server.url}/embed?${new URLSearchParams({ integrator: 'shop', origin: SHOP_ORIGIN })}`,
    );
    expect(frame.status).toBe(200);
    expect(await frame.text()).toContain('<title>Roomkit</title>');
    const policy = frame.headers.get('content-security-policy') ?? '';
    expect(policy).toContain(`frame-ancestors ${SHOP_ORIGIN} http://127.0.0.1:5173`);
    expect(policy).toContain("script-src 'self'");
    expect(frame.headers.get('x-frame-options')).toBeNull();

    // Any other page stays unframeable; so does the frame for an origin not allowed.
    const home = await fetch(`${server.url}/`);
    expect(home.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    for (const query of [
      { integrator: 'shop', origin: 'https://evil.example' },
      { integrator: 'nobody', origin: SHOP_ORIGIN },
    ]) {
      const refused = await fetch(`${server.url}/embed?${new URLSearchParams(query)}`);
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-security-policy')).toContain("frame-ancestors 'self'");
    }
  });
});

describe('ticket diagnostics', () => {
  it('explains a refusal step by step for an integrator that turned them on', async () => {
    const { server, clock } = await embedServer();
    const fields = ticketFields(clock.now());
    // Signed over the JSON instead of the base64url string: the usual mistake.
    const ticket = encodeTicket(fields);
    const wrong = {
      ticket,
      sig: sign('shop-secret-0123456789-abcdefghijklmnop', JSON.stringify(fields)),
    };
    const answer = await api(server, 'GET', `/embed/diagnostics?${new URLSearchParams(wrong)}`);
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('bad_signature');
    const signature = answer.body.steps.find((s: { check: string }) => s.check === 'signature');
    expect(signature.detail).toMatch(/covers the JSON/);

    const fine = signed(ticketFields(clock.now()));
    const passed = await api(server, 'GET', `/embed/diagnostics?${new URLSearchParams(fine)}`);
    expect(passed.body.verdict).toBe('accepted');
    expect(passed.body.steps.map((s: { check: string }) => s.check)).toEqual([
      'format',
      'integrator',
      'signature',
      'fields',
      'time',
      'origin',
      'nonce',
    ]);
    // Looking did not use it.
    const exchanged = await api(server, 'POST', '/embed/exchange', { body: fine });
    expect(exchanged.status).toBe(200);
    const used = await api(server, 'GET', `/embed/diagnostics?${new URLSearchParams(fine)}`);
    expect(used.body.verdict).toBe('ticket_replayed');

    const html = await fetch(`${server.url}/embed/diagnostics?${new URLSearchParams(wrong)}`, {
      headers: { accept: 'text/html' },
    });
    const page = await html.text();
    expect(page).toContain('Verdict: bad_signature');
    expect(page).not.toContain(sign('shop-secret-0123456789-abcdefghijklmnop', ticket));
  });

  it('recognises a ticket encoded as standard base64', async () => {
    const { server, clock } = await embedServer();
    // A display name whose JSON encodes with "+" and "/" in base64.
    const fields = ticketFields(clock.now(), { displayName: 'Zoë ~~~ ???>>>' });
    const ticket = Buffer.from(JSON.stringify(fields)).toString('base64');
    expect(ticket).toMatch(/[+/]/);
    const pair = { ticket, sig: sign('shop-secret-0123456789-abcdefghijklmnop', ticket) };
    const answer = await api(server, 'GET', `/embed/diagnostics?${new URLSearchParams(pair)}`);
    expect(answer.status).toBe(200);
    expect(answer.body.verdict).toBe('invalid_request');
    expect(answer.body.steps[0].detail).toMatch(/standard base64/);
  });

  it('does not exist where no integrator turned them on', async () => {
    const server = await startServer({
      INTEGRATORS_FILE: await integratorsFile([
        { id: 'blog', secret: BLOG_SECRET, allowedOrigins: ['https://blog.example'] },
      ]),
    });
    refusedWith(await api(server, 'GET', '/embed/diagnostics'), 404, 'not_found');
  });

  it('tells nothing about an integrator that did not turn them on', async () => {
    const { server, clock } = await embedServer();
    const blog = signed(
      ticketFields(clock.now(), { integratorId: 'blog', origin: 'https://blog.example' }),
      'not-the-blog-secret-0123456789-abcdefgh',
    );
    const answer = await api(server, 'GET', `/embed/diagnostics?${new URLSearchParams(blog)}`);
    refusedWith(answer, 404, 'not_found');
    expect(JSON.stringify(answer.body)).not.toContain('secret');
  });
});

function flipLast(hex: string): string {
  return hex.slice(0, -1) + (hex.endsWith('0') ? '1' : '0');
}

function omit<T extends object>(value: T, key: keyof T & string): object {
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  delete copy[key];
  return copy;
}
