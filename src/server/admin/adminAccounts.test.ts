/**
 * Administrator accounts: `roomkit admin grant|revoke|list` (a real process on the server's
 * SQLite database) gives an account the admin API as an operator or a viewer; the running server
 * honours the role at the account's next request, from the `rk_auth` cookie, under the same
 * origin rules as every cookie.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { adminCommand } from './adminCommand.js';
import {
  api,
  createRoom,
  spawnRoomkit,
  startServer,
  type ApiResponse,
} from '../../../test/helpers.js';

let dir: string;
let env: Record<string, string>;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'roomkit-admin-accounts-'));
  env = {
    DATABASE_URL: `sqlite:${join(dir, 'roomkit.db')}`,
    SESSION_SECRET: 'admin-accounts-test-secret-of-32-chars!',
  };
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PASSWORD = 'correct horse battery';

function cookieOf(response: ApiResponse): string {
  const set = response.headers.getSetCookie().find((c) => c.startsWith('rk_auth='));
  if (set === undefined) throw new Error(`no rk_auth cookie (status ${response.status})`);
  return set.split(';')[0]!;
}

/** `roomkit admin …` as a process of its own, as an operator runs it. */
async function roomkitAdmin(args: string[], extra: Record<string, string> = env) {
  const run = await spawnRoomkit(['admin', ...args], extra);
  const { code } = await run.exited;
  return { code, ...run.output };
}

/** The same command in this process (the process start is what the other runs test). */
async function adminHere(args: string[], extra: Record<string, string> = env) {
  const output = { stdout: '', stderr: '' };
  const code = await adminCommand(args, loadConfig({ LOG_LEVEL: 'silent', ...extra }), {
    out: (text) => (output.stdout += text),
    err: (text) => (output.stderr += text),
  });
  return { code, ...output };
}

describe('admin accounts', () => {
  // Each command is a process of its own (tsx compiles the server at each start).
  it(
    'are made with `roomkit admin grant`, act as operators or viewers, and lose it with revoke',
    { timeout: 120_000 },
    async () => {
      const server = await startServer(env);
      const cookies: Record<string, string> = {};
      for (const username of ['Ada', 'Grace', 'Linus']) {
        const registered = await api(server, 'POST', '/api/auth/register', {
          body: { username, password: PASSWORD },
        });
        cookies[username] = cookieOf(registered);
      }
      const as = (
        who: string,
        method: string,
        path: string,
        headers: Record<string, string> = {},
      ) => api(server, method, path, { headers: { cookie: cookies[who]!, ...headers } });
      const room = await createRoom(server, { persistent: false });

      // Nobody is an administrator until granted; there are no default credentials.
      expect((await as('Ada', 'GET', '/api/admin/stats')).status).toBe(403);
      expect(await roomkitAdmin(['list'])).toMatchObject({
        code: 0,
        stdout: 'No account has the admin API.\n',
      });

      expect(await roomkitAdmin(['grant', 'ada'])).toMatchObject({
        code: 0,
        stdout: 'Ada is now an admin operator.\n',
      });
      expect(await adminHere(['grant', 'Grace', '--role=viewer'])).toMatchObject({ code: 0 });
      expect((await roomkitAdmin(['list'])).stdout).toBe('Ada\toperator\nGrace\tviewer\n');

      expect((await as('Ada', 'GET', '/api/admin/stats')).status).toBe(200);
      expect((await as('Grace', 'GET', '/api/admin/rooms')).status).toBe(200);
      expect((await as('Ada', 'GET', '/api/admin/me')).body).toEqual({
        actor: 'Ada',
        role: 'operator',
        via: 'account',
      });
      expect((await as('Grace', 'GET', '/api/admin/me')).body).toEqual({
        actor: 'Grace',
        role: 'viewer',
        via: 'account',
      });
      expect((await as('Linus', 'GET', '/api/admin/me')).status).toBe(403);
      // A viewer reads; only an operator acts.
      const viewerDelete = await as('Grace', 'DELETE', `/api/admin/rooms/${room.id}?grace=0`);
      expect(viewerDelete.status).toBe(403);
      expect(viewerDelete.body.error.code).toBe('forbidden');
      expect((await as('Linus', 'GET', '/api/admin/stats')).status).toBe(403);
      // The account cookie does not act from another site.
      const foreign = await as('Ada', 'DELETE', `/api/admin/rooms/${room.id}?grace=0`, {
        origin: 'https://evil.example',
      });
      expect(foreign.status).toBe(403);
      const deleted = await as('Ada', 'DELETE', `/api/admin/rooms/${room.id}?grace=0`);
      expect(deleted.status).toBe(202);
      const audit = await as('Grace', 'GET', '/api/admin/audit');
      expect(audit.body.entries).toEqual([
        expect.objectContaining({
          actor: 'Ada',
          action: 'room.delete_now',
          target: `room:${room.id}`,
        }),
      ]);

      expect(await adminHere(['revoke', 'Ada'])).toMatchObject({
        code: 0,
        stdout: 'Ada no longer has the admin API.\n',
      });
      expect((await as('Ada', 'GET', '/api/admin/stats')).status).toBe(403);
      // Signed out, an account proves nothing.
      await as('Grace', 'POST', '/api/auth/logout');
      expect((await as('Grace', 'GET', '/api/admin/stats')).status).toBe(401);
    },
  );

  it(
    'refuses bad usage, unknown accounts and a server without a database',
    { timeout: 120_000 },
    async () => {
      await startServer(env);
      for (const args of [
        [],
        ['grant'],
        ['grant', 'Ada', '--role', 'root'],
        ['list', 'x'],
        ['nuke'],
      ]) {
        const run = await roomkitAdmin(args);
        expect(run.code, args.join(' ')).toBe(2);
        expect(run.stderr).toContain('usage: roomkit admin grant');
      }
      const unknown = await adminHere(['grant', 'Nobody']);
      expect(unknown).toMatchObject({ code: 1, stderr: 'roomkit: no account is named "Nobody"\n' });
      const memory = await adminHere(['grant', 'Ada'], {});
      expect(memory.code).toBe(2);
      expect(memory.stderr).toContain('DATABASE_URL');
    },
  );
});
