/**
 * Hostile programs: each is stopped by a limit, never sees the server, and the server keeps
 * answering while and after it runs.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, roomWith, startServer, type TestServer } from '../../../test/helpers.js';

const CANARY = 's3cr3t-canary-7f1c';

async function start(exec: { wallMs?: number; memoryBytes?: number } = {}) {
  const server = await startServer({}, { exec: { wallMs: 1000, ...exec } });
  const { room, members } = await roomWith(server, 'Mallory');
  const run = (code: string, language = 'javascript') =>
    api(server, 'POST', `/api/rooms/${room.id}/exec`, {
      token: members[0]!.token,
      body: { language, code },
    });
  return { server, run };
}

async function stillWorks(
  server: TestServer,
  run: (code: string) => Promise<{ status: number; body: any }>,
) {
  expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  const after = await run('console.log("still here")');
  expect(after.body).toMatchObject({ stdout: 'still here\n', exitCode: 0, timedOut: false });
}

// Each attack waits out a limit and then a fresh worker; a loaded CI machine needs room for both.
describe('hostile code', { timeout: 60_000 }, () => {
  beforeAll(() => {
    process.env.ROOMKIT_CANARY = CANARY;
  });

  it('stops an endless loop at the deadline while the server keeps answering', async () => {
    const { server, run } = await start();
    let finished = false;
    const running = run('while (true) {}').then((response) => {
      finished = true;
      return response;
    });
    // Ordering, not wall time: /healthz answers while the run is still going.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const health = await api(server, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(finished).toBe(false);
    const response = await running;
    expect(response.body).toMatchObject({ timedOut: true, exitCode: 137 });
    await stillWorks(server, run);
  });

  it('stops a program that eats memory', async () => {
    // Under the default 128 MiB QuickJS in wasm is slow to fill memory with 1 MB strings, so
    // either limit may stop this one first; both end the run and free the worker.
    const { server, run } = await start();
    const response = await run("const a = []; for (;;) a.push('x'.repeat(1e6));");
    expect(response.status).toBe(200);
    expect(response.body.exitCode).not.toBe(0);
    expect(response.body.stderr).toMatch(/out of memory|took longer/i);
    await stillWorks(server, run);
  });

  it('answers a program that outgrows the memory limit with an out-of-memory error', async () => {
    // A generous wall time: on a loaded machine (CI runs test files in parallel) the worker's
    // start and the allocations must not race the clock; the memory limit is what should stop it.
    const { server, run } = await start({ wallMs: 20_000, memoryBytes: 16 * 1024 * 1024 });
    const response = await run('const a = []; for (;;) a.push(new Array(1e6).fill(1.5));');
    expect(response.body).toMatchObject({ exitCode: 1, timedOut: false });
    expect(response.body.stderr).toMatch(/InternalError: out of memory/);
    await stillWorks(server, run);
  });

  it('cuts endless output at 64 KiB and stops the program', async () => {
    // Time enough that even a starved machine fills the output long before the deadline.
    const { server, run } = await start({ wallMs: 10_000 });
    const response = await run("for (;;) console.log('x'.repeat(1e4));");
    expect(response.body.truncated).toBe(true);
    expect(response.body.timedOut).toBe(false);
    expect(
      Buffer.byteLength(response.body.stdout) + Buffer.byteLength(response.body.stderr),
    ).toBeLessThanOrEqual(64 * 1024);
    await stillWorks(server, run);
  });

  it('prints a value larger than the output limit cut at the limit, from the program’s own memory', async () => {
    const { server, run } = await start({ wallMs: 20_000 });
    for (const code of [
      "console.log('x'.repeat(1e8))",
      "console.log({ big: 'y'.repeat(1e7) })",
      "throw new Error('z'.repeat(1e7))",
    ]) {
      const response = await run(code);
      expect(response.body.truncated, code).toBe(true);
      expect(
        Buffer.byteLength(response.body.stdout) + Buffer.byteLength(response.body.stderr),
      ).toBe(64 * 1024);
    }
    await stillWorks(server, run);
  });

  it('cannot reach process, require, the network, the file system or the environment', async () => {
    const { server, run } = await start();
    const probes = [
      'console.log(typeof process, typeof require, typeof module, typeof fetch, typeof globalThis.fetch)',
      'console.log(typeof XMLHttpRequest, typeof WebSocket, typeof Deno, typeof Bun, typeof std, typeof os)',
      `console.log(JSON.stringify(Object.getOwnPropertyNames(globalThis).filter((k) => k !== 'stdin' && /process|env|require|import|fetch|std|^os$/i.test(k))))`,
      `try { console.log(process.env.ROOMKIT_CANARY) } catch (e) { console.log(String(e)) }`,
      `import('fs').then((fs) => console.log(fs.readFileSync('/etc/passwd', 'utf8'))).catch((e) => console.log('no import:', String(e)))`,
      `import('std').then((std) => console.log(std.getenv('ROOMKIT_CANARY'))).catch((e) => console.log('no std:', String(e)))`,
      `console.log(this.constructor.constructor('return typeof process')())`,
    ];
    const outputs: string[] = [];
    for (const code of probes) {
      const response = await run(code);
      expect(response.status).toBe(200);
      outputs.push(response.body.stdout + response.body.stderr);
    }
    expect(outputs[0]).toBe('undefined undefined undefined undefined undefined\n');
    expect(outputs[1]).toBe('undefined undefined undefined undefined undefined undefined\n');
    expect(outputs[2]).toBe('[]\n');
    expect(outputs[3]).toMatch(/ReferenceError/);
    expect(outputs[4]).toMatch(/no import/);
    expect(outputs[5]).toMatch(/no std/);
    expect(outputs[6]).toBe('undefined\n');
    for (const output of outputs) {
      expect(output).not.toContain(CANARY);
      expect(output).not.toContain('root:');
    }
    await stillWorks(server, run);
  });

  it('runs several hostile programs at once and recovers', async () => {
    const { server, run } = await start();
    const results = await Promise.all([
      run('while (true) {}'),
      run("for (;;) console.log('y'.repeat(1e4));"),
      run('function f() { return f() + 1 } f()'),
    ]);
    expect(results[0].body.timedOut).toBe(true);
    expect(results[1].body.truncated).toBe(true);
    expect(results[2].body.exitCode).toBe(1);
    expect(results[2].body.stderr).toMatch(/stack/i);
    await stillWorks(server, run);
  });
});
