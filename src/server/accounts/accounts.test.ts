/**
 * Accounts over HTTP (API.md, "Accounts"), against a real server: registration and sign-in with
 * the `rk_auth` cookie, sessions and their revocation, and what an attacker tries — guessing
 * passwords, telling which usernames exist, planting a cookie, acting from another site.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, startServer, type ApiResponse } from '../../../test/helpers.js';
import { ManualClock } from '../core/Clock.js';

const EVIL = 'https://evil.example';
const PASSWORD = 'correct horse battery';

/** The `rk_auth` cookie a response set, as a request's Cookie header (`rk_auth=…`). */
function authCookie(response: ApiResponse): string {
  const set = response.headers.getSetCookie().find((c) => c.startsWith('rk_auth='));
  if (set === undefined) throw new Error(`no rk_auth cookie (status ${response.status})`);
  return set.split(';')[0]!;
}

function register(
  server: { url: string },
  username: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
) {
  return api(server, 'POST', '/api/auth/register', { body: { username, password }, headers });
}

function login(
  server: { url: string },
  username: string,
  password = PASSWORD,
  headers: Record<string, string> = {},
) {
  return api(server, 'POST', '/api/auth/login', { body: { username, password }, headers });
}

const me = (server: { url: string }, cookie: string) =>
  api(server, 'GET', '/api/auth/me', { headers: { cookie } });

describe('registration, sign-in and sign-out', () => {
  it('registers and signs in at once; the cookie is httpOnly, SameSite=Lax, for the whole site', async () => {
    const server = await startServer();
    const registered = await register(server, '  Ada   Lovelace ');
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({
      account: { id: expect.any(String), username: 'Ada Lovelace', createdAt: expect.any(String) },
    });
    expect(JSON.stringify(registered.body)).not.toMatch(/argon2|password/i);
    const [setCookie] = registered.headers.getSetCookie();
    expect(setCookie).toMatch(/^rk_auth=[^;]{40,};/);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Lax/);
    expect(setCookie).toMatch(/; Path=\//);
    // Plain http here: a Secure cookie would never come back.
    expect(setCookie).not.toMatch(/; Secure/);

    const cookie = authCookie(registered);
    expect((await me(server, cookie)).body).toEqual(registered.body);
  });

  it('marks the cookie Secure when PUBLIC_URL is https', async () => {
    const server = await startServer({ PUBLIC_URL: 'https://rooms.example' });
    const registered = await register(server, 'Ada');
    expect(registered.headers.getSetCookie()[0]).toMatch(/; Secure/);
  });

  it('signs in with the username in any case, and signs out for good', async () => {
    const server = await startServer();
    await register(server, 'Grace');
    const signedIn = await login(server, 'GRACE');
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.account.username).toBe('Grace');
    const cookie = authCookie(signedIn);

    const out = await api(server, 'POST', '/api/auth/logout', { headers: { cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie()[0]).toMatch(/^rk_auth=;.*Expires=Thu, 01 Jan 1970/);
    // The browser dropped it; a copy someone kept is worth nothing now.
    const reused = await me(server, cookie);
    expect(reused.status).toBe(401);
    expect(reused.body.error.code).toBe('unauthorized');
    // Signing out again clears the cookie all the same.
    expect((await api(server, 'POST', '/api/auth/logout', { headers: { cookie } })).status).toBe(
      204,
    );
  });

  it('answers 401 without a cookie, and for a forged or mangled one', async () => {
    const server = await startServer();
    const cookie = authCookie(await register(server, 'Ada'));
    expect((await api(server, 'GET', '/api/auth/me')).status).toBe(401);
    const [token, signature] = cookie.slice('rk_auth='.length).split('.');
    for (const forged of [
      `rk_auth=${token}`,
      `rk_auth=${token}.${signature!.slice(1)}`,
      `rk_auth=${token!.slice(1)}.${signature}`,
      'rk_auth=.',
      'rk_auth=x'.repeat(500),
    ]) {
      const response = await me(server, forged);
      expect(response.status, forged).toBe(401);
    }
  });

  it('does not take a cookie signed by another server (another SESSION_SECRET)', async () => {
    const first = await startServer({ SESSION_SECRET: 'a'.repeat(32) });
    const second = await startServer({ SESSION_SECRET: 'b'.repeat(32) });
    const cookie = authCookie(await register(first, 'Ada'));
    expect((await me(second, cookie)).status).toBe(401);
  });

  it('gives a new session at every sign-in: a cookie from before is not the one after', async () => {
    const server = await startServer();
    const before = authCookie(await register(server, 'Ada'));
    // A cookie an attacker planted in the browser before the victim signs in…
    const planted = 'rk_auth=planted-by-an-attacker.signature';
    const signedIn = await login(server, 'Ada', PASSWORD, { cookie: planted });
    const after = authCookie(signedIn);
    expect(after).not.toBe(before);
    expect(after).not.toBe(planted);
    // …proves nothing afterwards; both real sessions stand on their own.
    expect((await me(server, planted)).status).toBe(401);
    expect((await me(server, before)).status).toBe(200);
    expect((await me(server, after)).status).toBe(200);
  });
});

describe('guessing passwords', () => {
  it('gives a wrong password and an unknown username the same 401', async () => {
    const server = await startServer();
    await register(server, 'Ada');
    const wrong = await login(server, 'Ada', 'not the password');
    const unknown = await login(server, 'Nobody', 'not the password');
    const invalid = await login(server, 'no\u202Ebody', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(invalid.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(invalid.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('unauthorized');
    expect(wrong.headers.getSetCookie()).toEqual([]);
  });

  it('limits sign-in attempts per address', async () => {
    const server = await startServer(
      {},
      { limits: { loginPerAddress: { points: 3, seconds: 60 } } },
    );
    await register(server, 'Ada');
    for (const name of ['Ada', 'Bob', 'Cy'])
      expect((await login(server, name, 'guess')).status).toBe(401);
    // The right password does not get through the limit either.
    const limited = await login(server, 'Ada');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('limits sign-in attempts per username, existing or not, in any spelling', async () => {
    const server = await startServer(
      {},
      { limits: { loginPerUsername: { points: 2, seconds: 60 } } },
    );
    await register(server, 'Ada');
    await register(server, 'Grace');
    expect((await login(server, 'Ada', 'guess 1')).status).toBe(401);
    expect((await login(server, 'ADA', 'guess 2')).status).toBe(401);
    const limited = await login(server, 'ada');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    // Another account is not locked with it…
    expect((await login(server, 'Grace')).status).toBe(200);
    // …and a username with no account is limited the same way, so the limit tells nothing.
    expect((await login(server, 'Nobody', 'guess 1')).status).toBe(401);
    expect((await login(server, 'Nobody', 'guess 2')).status).toBe(401);
    const ghost = await login(server, 'Nobody', 'guess 3');
    expect(ghost.status).toBe(429);
    expect(ghost.body.error.code).toBe('rate_limited');
  });

  it('refuses hashing beyond its capacity with 503 overloaded, and serves the rest', async () => {
    const server = await startServer(
      {},
      { accounts: { hashCapacity: { concurrent: 1, queued: 0 } } },
    );
    const answers = await Promise.all(
      ['Ada', 'Bob', 'Cy', 'Dee', 'Eve', 'Fay'].map((name) => register(server, name)),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses).toContain(201);
    expect(statuses).toContain(503);
    const refused = answers.find((a) => a.status === 503)!;
    expect(refused.body.error.code).toBe('overloaded');
    expect(refused.headers.get('retry-after')).toBe('1');
  });
});

describe('password and username rules', () => {
  it('refuses short, long and common passwords, and the username as password', async () => {
    const server = await startServer();
    const cases: [string, string][] = [
      ['Ada', 'short'],
      ['Ada', 'x'.repeat(257)],
      ['Ada', 'password1'],
      ['Ada', 'IloveYou'],
      ['Ada Lovelace', 'ADA LOVELACE'],
    ];
    for (const [username, password] of cases) {
      const response = await register(server, username, password);
      expect(response.status, password).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.details[0].path).toBe('password');
    }
    expect((await register(server, 'Ada', 'eight ok')).status).toBe(201);
  });

  it('holds usernames to the display-name rules', async () => {
    const server = await startServer();
    for (const username of ['', '   ', 'x'.repeat(41), 'evil\u202Egnp.exe', 'A\u200Bda', 'a\nb']) {
      const response = await register(server, username);
      expect(response.status, JSON.stringify(username)).toBe(400);
      expect(response.body.error.details[0].path).toBe('username');
    }
  });

  it('gives a username once: not again in another case or with look-alike letters', async () => {
    const server = await startServer();
    expect((await register(server, 'Ada')).status).toBe(201);
    for (const clash of ['ADA', ' ada ', '\u0410da']) {
      const response = await register(server, clash);
      expect(response.status, clash).toBe(409);
      expect(response.body.error.code).toBe('name_taken');
    }
  });

  it('refuses unknown fields and wrong types', async () => {
    const server = await startServer();
    const extra = await api(server, 'POST', '/api/auth/register', {
      body: { username: 'Ada', password: PASSWORD, role: 'admin' },
    });
    expect(extra.status).toBe(400);
    const wrongType = await api(server, 'POST', '/api/auth/login', {
      body: { username: ['Ada'], password: PASSWORD },
    });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.code).toBe('invalid_request');
  });
});

describe('sessions', () => {
  it("lists the account's sessions with the current one marked, and revokes one", async () => {
    const server = await startServer();
    const laptop = authCookie(
      await register(server, 'Ada', PASSWORD, { 'user-agent': 'Laptop Firefox' }),
    );
    const phone = authCookie(
      await login(server, 'Ada', PASSWORD, { 'user-agent': 'Phone Safari' }),
    );
    const other = authCookie(
      await register(server, 'Grace', PASSWORD, { 'user-agent': 'x'.repeat(1000) }),
    );
    const long = await api(server, 'GET', '/api/auth/sessions', { headers: { cookie: other } });
    expect(long.body.sessions[0].userAgent).toBe('x'.repeat(256));

    const listed = await api(server, 'GET', '/api/auth/sessions', { headers: { cookie: laptop } });
    expect(listed.status).toBe(200);
    expect(listed.body.sessions).toEqual([
      {
        id: expect.any(String),
        current: true,
        createdAt: expect.any(String),
        lastSeenAt: expect.any(String),
        userAgent: 'Laptop Firefox',
      },
      expect.objectContaining({ current: false, userAgent: 'Phone Safari' }),
    ]);
    const phoneId = listed.body.sessions[1].id as string;

    // Another account cannot end it: as if it did not exist.
    const foreign = await api(server, 'DELETE', `/api/auth/sessions/${phoneId}`, {
      headers: { cookie: other },
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    expect((await me(server, phone)).status).toBe(200);

    const revoked = await api(server, 'DELETE', `/api/auth/sessions/${phoneId}`, {
      headers: { cookie: laptop },
    });
    expect(revoked.status).toBe(204);
    expect((await me(server, phone)).status).toBe(401);
    expect((await me(server, laptop)).status).toBe(200);
    const again = await api(server, 'DELETE', `/api/auth/sessions/${phoneId}`, {
      headers: { cookie: laptop },
    });
    expect(again.status).toBe(404);
    const bad = await api(server, 'DELETE', '/api/auth/sessions/not%20an%20id', {
      headers: { cookie: laptop },
    });
    expect(bad.status).toBe(400);
  });

  it('revokes every other session', async () => {
    const server = await startServer();
    const first = authCookie(await register(server, 'Ada'));
    const second = authCookie(await login(server, 'Ada'));
    const third = authCookie(await login(server, 'Ada'));
    const response = await api(server, 'POST', '/api/auth/sessions/revoke-others', {
      headers: { cookie: second },
    });
    expect(response.status).toBe(204);
    expect((await me(server, first)).status).toBe(401);
    expect((await me(server, third)).status).toBe(401);
    expect((await me(server, second)).status).toBe(200);
    const left = await api(server, 'GET', '/api/auth/sessions', { headers: { cookie: second } });
    expect(left.body.sessions).toHaveLength(1);
  });

  it('ends a session left unused for 30 days, and notes use at most once a minute', async () => {
    const clock = new ManualClock();
    const server = await startServer({}, { clock });
    const cookie = authCookie(await register(server, 'Ada'));
    const lastSeen = async () =>
      (await api(server, 'GET', '/api/auth/sessions', { headers: { cookie } })).body.sessions[0]
        .lastSeenAt as string;
    const start = await lastSeen();
    await clock.advance(30_000);
    expect(await lastSeen()).toBe(start);
    await clock.advance(31_000);
    expect(await lastSeen()).toBe(new Date(clock.now()).toISOString());

    const other = authCookie(await login(server, 'Ada'));
    await clock.advance(29 * 24 * 60 * 60 * 1000);
    expect((await me(server, other)).status).toBe(200);
    await clock.advance(24 * 60 * 60 * 1000 + 1);
    expect((await me(server, cookie)).status).toBe(401);
    // The one left unused is not listed either.
    const listed = await api(server, 'GET', '/api/auth/sessions', { headers: { cookie: other } });
    expect(listed.body.sessions).toHaveLength(1);
    expect(listed.body.sessions[0].current).toBe(true);
  });
});

describe('changing the password', () => {
  it('needs the current password, then ends every other session', async () => {
    const server = await startServer();
    const here = authCookie(await register(server, 'Ada'));
    const elsewhere = authCookie(await login(server, 'Ada'));
    const change = (currentPassword: string, newPassword: string) =>
      api(server, 'POST', '/api/auth/password', {
        body: { currentPassword, newPassword },
        headers: { cookie: here },
      });

    const wrong = await change('not it at all', 'a new long secret');
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('forbidden');
    const common = await change(PASSWORD, 'baseball');
    expect(common.status).toBe(400);
    expect(common.body.error.details[0].path).toBe('newPassword');
    expect((await me(server, elsewhere)).status).toBe(200);

    expect((await change(PASSWORD, 'a new long secret')).status).toBe(204);
    expect((await me(server, elsewhere)).status).toBe(401);
    expect((await me(server, here)).status).toBe(200);
    expect((await login(server, 'Ada')).status).toBe(401);
    expect((await login(server, 'Ada', 'a new long secret')).status).toBe(200);
  });

  it('needs a session', async () => {
    const server = await startServer();
    const response = await api(server, 'POST', '/api/auth/password', {
      body: { currentPassword: PASSWORD, newPassword: 'a new long secret' },
    });
    expect(response.status).toBe(401);
  });
});

describe('requests from another site', () => {
  it('refuses a cookie-authenticated state change from a foreign Origin or Referer', async () => {
    const server = await startServer();
    const cookie = authCookie(await register(server, 'Ada'));
    const other = authCookie(await login(server, 'Ada'));
    const routes: [string, string, object?][] = [
      ['POST', '/api/auth/sessions/revoke-others'],
      ['POST', '/api/auth/logout'],
      ['POST', '/api/auth/password', { currentPassword: PASSWORD, newPassword: 'stolen secret' }],
    ];
    for (const [method, path, body] of routes) {
      const foreign: Record<string, string>[] = [
        { origin: EVIL },
        { referer: `${EVIL}/page` },
        { origin: 'null' },
      ];
      for (const headers of foreign) {
        const response = await api(server, method, path, { body, headers: { cookie, ...headers } });
        expect(response.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(response.body.error.code).toBe('forbidden');
      }
    }
    // Nothing happened: both sessions stand, the password is the same.
    expect((await me(server, cookie)).status).toBe(200);
    expect((await me(server, other)).status).toBe(200);
    // From this server's own origin the same request goes through.
    const own = await api(server, 'POST', '/api/auth/sessions/revoke-others', {
      headers: { cookie, origin: server.url },
    });
    expect(own.status).toBe(204);
    expect((await me(server, other)).status).toBe(401);
  });

  it('refuses sign-in and registration from a foreign Origin (no signing a browser in)', async () => {
    const server = await startServer();
    await register(server, 'Ada');
    const signIn = await login(server, 'Ada', PASSWORD, { origin: EVIL });
    expect(signIn.status).toBe(403);
    expect(signIn.headers.getSetCookie()).toEqual([]);
    const signUp = await register(server, 'Mallory', PASSWORD, { origin: EVIL });
    expect(signUp.status).toBe(403);
    expect((await register(server, 'Mallory', PASSWORD, { origin: server.url })).status).toBe(201);
  });

  it("accepts only PUBLIC_URL's origin when it is set", async () => {
    const server = await startServer({ PUBLIC_URL: 'https://rooms.example' });
    const cookie = authCookie(await register(server, 'Ada'));
    const fromServerUrl = await api(server, 'POST', '/api/auth/sessions/revoke-others', {
      headers: { cookie, origin: server.url },
    });
    expect(fromServerUrl.status).toBe(403);
    const fromPublic = await api(server, 'POST', '/api/auth/sessions/revoke-others', {
      headers: { cookie, origin: 'https://rooms.example' },
    });
    expect(fromPublic.status).toBe(204);
  });
});

describe('accounts in a database', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('outlive a restart, and a hash made with older parameters is renewed at sign-in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'roomkit-accounts-'));
    dirs.push(dir);
    const env = {
      DATABASE_URL: `sqlite:${join(dir, 'roomkit.db')}`,
      SESSION_SECRET: 's'.repeat(32),
    };
    const before = await startServer(env, { accounts: { hashing: { timeCost: 3 } } });
    const cookie = authCookie(await register(before, 'Ada'));
    const stored = async (server: typeof before) =>
      (await server.ctx.stores.accounts.findAccountByNameKey('ada'))!.passwordHash;
    expect(await stored(before)).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
    await before.close();

    const after = await startServer(env);
    expect((await me(after, cookie)).body.account.username).toBe('Ada');
    expect((await login(after, 'Ada')).status).toBe(200);
    expect(await stored(after)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect((await login(after, 'Ada')).status).toBe(200);
    expect((await login(after, 'Ada', 'wrong password')).status).toBe(401);
  });
});
