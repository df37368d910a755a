/**
 * The behaviour every exec driver promises (ExecDriver.ts, API.md "Code execution"), written
 * once. A driver's test file calls `describeExecContract('sandbox', factory)`; the suite runs for
 * each language the driver offers, with the programs of `execSnippets.ts`. A language the driver
 * does not offer is skipped; one it offers without programs here fails.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, roomWith, type TestServer } from '../../../test/helpers.js';
import type { ExecDriver, ExecLimits, ExecResult } from './ExecDriver.js';
import { execSnippets } from './execSnippets.js';

/** For programs that should finish: room for a loaded machine, never reached by a good run. */
const relaxed: ExecLimits = { wallMs: 20_000, memoryBytes: 128 * 1024 * 1024, outputBytes: 65_536 };
/** For programs that never finish by themselves. */
const runaway: ExecLimits = { ...relaxed, wallMs: 2000 };
/** Files a driver might write a program to; an attacker plants symlinks on all of them. */
const sourceNames = ['main', 'main.js', 'main.ts', 'main.py', 'main.sh', 'main.c', 'main.cpp'];

const nonce = () => randomBytes(5).toString('hex');

/**
 * Registers the contract suite. `makeDriver` is called once, when the suite is collected, after
 * `process.env.ROOMKIT_CANARY` is set to a fresh secret that no program may see.
 */
export function describeExecContract(
  name: string,
  makeDriver: () => ExecDriver | Promise<ExecDriver>,
): void {
  describe(`exec driver contract: ${name}`, { timeout: 60_000 }, async () => {
    const canary = `canary-${nonce()}`;
    process.env.ROOMKIT_CANARY = canary;
    const driver = await makeDriver();
    const offered = await driver.languages();
    afterAll(() => driver.close());

    const run = (language: string, code: string, limits = relaxed, stdin = '') =>
      driver.run({ language, code, stdin }, limits);
    const text = (result: ExecResult) => result.stdout + result.stderr;

    it('offers languages under its own id, each with a name, a version and programs to test it', () => {
      expect(offered.length).toBeGreaterThan(0);
      for (const language of offered) {
        expect(language.driver).toBe(driver.id);
        expect(language.name.trim()).not.toBe('');
        expect(language.version.trim()).not.toBe('');
        expect(Object.keys(execSnippets)).toContain(language.id);
      }
    });

    for (const [language, snippets] of Object.entries(execSnippets)) {
      describe.skipIf(!offered.some((info) => info.id === language))(language, () => {
        it('runs hello world', async () => {
          const result = await run(language, snippets.hello);
          expect(result).toMatchObject({
            stdout: 'hello\n',
            stderr: '',
            exitCode: 0,
            timedOut: false,
            truncated: false,
          });
          expect(result.durationMs).toEqual(expect.any(Number));
        });

        it('gives the program its stdin', async () => {
          const result = await run(language, snippets.echo, relaxed, 'one\ntwo\n');
          expect(result).toMatchObject({ stdout: 'ONE\nTWO\n', exitCode: 0 });
        });

        it("reports the program's own non-zero exit code", async () => {
          const result = await run(language, snippets.exit.code);
          expect(result).toMatchObject({ exitCode: snippets.exit.exitCode, timedOut: false });
        });

        it('stops an endless loop at the deadline while the event loop keeps ticking', async () => {
          let ticks = 0;
          const ticker = setInterval(() => ticks++, 50);
          try {
            const result = await run(language, snippets.infiniteLoop, runaway);
            expect(result.timedOut).toBe(true);
            expect(result.exitCode).not.toBe(0);
          } finally {
            clearInterval(ticker);
          }
          // 2 s of runaway leave room for ~40 ticks; a blocked event loop would show 0 or 1.
          expect(ticks).toBeGreaterThanOrEqual(5);
        });

        it('ends an endless loop promptly when its signal is aborted', async () => {
          const controller = new AbortController();
          setTimeout(() => controller.abort(), 300);
          const result = await driver.run(
            { language, code: snippets.infiniteLoop, stdin: '' },
            { ...relaxed, wallMs: 10_000 },
            controller.signal,
          );
          // Ended by the signal, not by the 10 s deadline.
          expect(result.timedOut).toBe(false);
        });

        it('stops a program that sleeps forever', async () => {
          const result = await run(language, snippets.sleepLoop, runaway);
          expect(result).toMatchObject({ timedOut: true });
          expect(result.exitCode).not.toBe(0);
        });

        it('stops a program that eats memory', async () => {
          const result = await run(language, snippets.memoryHog, runaway);
          expect(result.exitCode).not.toBe(0);
          expect(result.stdout).not.toContain('survived');
        });

        it('contains a fork bomb and leaves no process behind', async () => {
          const marker = `rkb${nonce()}`;
          const result = await run(language, snippets.forkBomb(marker), runaway);
          expect(result.timedOut || result.truncated || result.exitCode !== 0).toBe(true);
          await expectNoProcess(marker);
          expect((await run(language, snippets.hello)).stdout).toBe('hello\n');
        });

        it('cuts 1 GiB of output at the output limit', async () => {
          const result = await run(language, snippets.flood, runaway);
          expect(result.truncated).toBe(true);
          expect(Buffer.byteLength(text(result))).toBeLessThanOrEqual(runaway.outputBytes);
        });

        it("cannot read the host's users, the server's files or its environment", async () => {
          const result = await run(
            language,
            snippets.readFiles([
              '/etc/passwd',
              '/etc/shadow',
              '/proc/self/environ',
              '/proc/1/environ',
              join(process.cwd(), 'package.json'),
            ]),
          );
          expect(text(result)).not.toMatch(/^root:/m);
          expect(text(result)).not.toContain(canary);
          expect(text(result)).not.toContain('"devDependencies"');
        });

        it("does not see the server's environment variables", async () => {
          const result = await run(language, snippets.printEnv);
          expect(text(result)).not.toContain(canary);
          expect(text(result)).not.toContain('ROOMKIT_CANARY');
        });

        it('cannot write outside its own temporary directory', async () => {
          const id = nonce();
          const paths = [
            join(tmpdir(), `roomkit-escape-${id}`),
            join(process.cwd(), `roomkit-escape-${id}`),
            `/etc/roomkit-escape-${id}`,
            `/roomkit-escape-${id}`,
          ];
          try {
            await run(language, snippets.writeFiles(paths));
            for (const path of paths) expect(existsSync(path), path).toBe(false);
          } finally {
            await Promise.all(paths.map((path) => rm(path, { force: true })));
          }
        });

        it('cannot open a connection to the loopback interface', async () => {
          const { server, port, accepted } = await listener();
          try {
            const result = await run(language, snippets.connect(port));
            expect(result.stdout).not.toContain('connected');
            expect(accepted()).toBe(0);
          } finally {
            await new Promise((resolve) => server.close(resolve));
          }
        });

        it('leaves no process behind once a run ends, even a daemon', async () => {
          const marker = `rkd${nonce()}`;
          await run(language, snippets.daemon(marker));
          await expectNoProcess(marker);
        });

        it('gives every run its own files: a planted symlink reaches nothing', async () => {
          const target = join(tmpdir(), `roomkit-target-${nonce()}`);
          await writeFile(target, 'original');
          try {
            await run(language, snippets.plantSymlinks(sourceNames, target));
            const next = await run(language, snippets.hello);
            expect(next.stdout).toBe('hello\n');
            expect(await readFile(target, 'utf8')).toBe('original');
          } finally {
            await rm(target, { force: true });
          }
        });
      });
    }
  });
}

/** A TCP listener on 127.0.0.1 that counts the connections it accepts. */
async function listener(): Promise<{ server: Server; port: number; accepted: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, accepted: () => count };
}

/** Fails unless, within a short while, no process on the host has `marker` in its name or command line. */
async function expectNoProcess(marker: string): Promise<void> {
  let found: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    found = await processesWith(marker);
    if (found.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(found, `processes left behind with ${marker}`).toEqual([]);
}

/** Pids whose /proc comm or cmdline contains `marker` (processes that vanish meanwhile are skipped). */
export async function processesWith(marker: string): Promise<string[]> {
  const pids = (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry));
  const found: string[] = [];
  await Promise.all(
    pids.map(async (pid) => {
      const [comm, cmdline] = await Promise.all(
        ['comm', 'cmdline'].map((file) => readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '')),
      );
      if (comm?.includes(marker) || cmdline?.includes(marker)) found.push(pid);
    }),
  );
  return found;
}

/**
 * Through the real app with `server`'s driver (which offers bash): a room's member runs a bash
 * program with stdin and a non-zero exit, and an unknown language is refused.
 */
export async function expectRunsInARoom(server: TestServer): Promise<void> {
  const { room, members } = await roomWith(server, 'Ada');
  const response = await api<ExecResult>(server, 'POST', `/api/rooms/${room.id}/exec`, {
    token: members[0]!.token,
    body: {
      language: 'bash',
      code: 'read -r name; echo "hello $name"; exit 2',
      stdin: 'Ada\n',
    },
  });
  expect(response.status).toBe(200);
  expect(response.body).toMatchObject({
    stdout: 'hello Ada\n',
    stderr: '',
    exitCode: 2,
    timedOut: false,
    truncated: false,
  });
  const unknown = await api<{ error: { code: string } }>(
    server,
    'POST',
    `/api/rooms/${room.id}/exec`,
    { token: members[0]!.token, body: { language: 'cobol', code: 'DISPLAY "HI"' } },
  );
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.code).toBe('invalid_request');
}
