/**
 * The piston driver when Piston misbehaves: out of reach, hanging, answering with something that
 * is not its API, too much, an error, or in the shape of older versions. These Pistons are small
 * HTTP servers written for each case (the real one needs Docker and isolate); Roomkit itself runs
 * for real, and each failure is checked through its HTTP API where a user would see it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { api, freePort, onCleanup, roomWith, startServer } from '../../../../test/helpers.js';
import { listen } from '../../../../test/pistonStandIn.js';
import { Outbound } from '../../outbound/Outbound.js';
import type { ExecLimits } from '../ExecDriver.js';
import { PistonDriver } from './PistonDriver.js';

const limits: ExecLimits = { wallMs: 5000, memoryBytes: 128 * 1024 * 1024, outputBytes: 65_536 };

const runtimes = [
  { language: 'bash', version: '5.2.0', aliases: ['sh'] },
  { language: 'python', version: '3.10.0', aliases: ['py', 'py3', 'python3'] },
  { language: 'python', version: '3.12.0', aliases: ['py', 'py3', 'python3'] },
  { language: 'python2', version: '2.7.18', aliases: ['py2', 'python2'] },
  { language: 'javascript', version: '1.32.3', aliases: ['deno-js', 'deno'], runtime: 'deno' },
  {
    language: 'javascript',
    version: '20.11.1',
    aliases: ['node-javascript', 'node-js', 'javascript', 'js'],
    runtime: 'node',
  },
  { language: 'typescript', version: '5.0.3', aliases: ['ts', 'node-ts', 'tsc'] },
  { language: 'c++', version: '10.2.0', aliases: ['cpp', 'g++'], runtime: 'gcc' },
  { language: 'rust', version: '1.68.2', aliases: ['rs'] },
];

const stage = (fields: object) => ({
  stdout: '',
  stderr: '',
  output: '',
  code: 0,
  signal: null,
  ...fields,
});

/** A Piston that lists `runtimes` and answers executions with `execute`; closed after the test. */
async function fakePiston(
  execute: (response: ServerResponse, request: IncomingMessage) => void,
): Promise<{ url: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/api/v2/runtimes') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(runtimes));
    } else if (request.url === '/api/v2/execute') {
      request.resume();
      request.on('end', () => execute(response, request));
    } else {
      response.writeHead(404).end();
    }
  });
  await listen(server);
  onCleanup(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const json = (status: number, body: unknown) => (response: ServerResponse) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** Roomkit with EXEC_DRIVER=piston:<url>, and a member's run of `code` through its HTTP API. */
async function roomkitWith(url: string) {
  const server = await startServer({ EXEC_DRIVER: `piston:${url}` });
  const { room, members } = await roomWith(server, 'Ada');
  const run = (body: object = { language: 'bash', code: 'echo hi' }) =>
    api(server, 'POST', `/api/rooms/${room.id}/exec`, { token: members[0]!.token, body });
  return { server, run };
}

/** The door a server would reach Piston through. */
const outbound = new Outbound();
afterAll(() => outbound.close());

function driverFor(url: string): PistonDriver {
  const driver = new PistonDriver(outbound, url);
  onCleanup(() => driver.close());
  return driver;
}

describe('piston driver: the languages it offers', () => {
  it("maps Piston's runtimes to Roomkit's languages, newest and preferred runtime first", async () => {
    const piston = await fakePiston(json(500, {}));
    const server = await startServer({ EXEC_DRIVER: `piston:${piston.url}` });
    const languages = await api(server, 'GET', '/api/exec/languages');
    expect(languages.status).toBe(200);
    expect(languages.body).toEqual([
      { id: 'javascript', name: 'JavaScript', version: '20.11.1', driver: 'piston' },
      { id: 'typescript', name: 'TypeScript', version: '20.11.1', driver: 'piston' },
      { id: 'python', name: 'Python', version: '3.12.0', driver: 'piston' },
      { id: 'bash', name: 'Bash', version: '5.2.0', driver: 'piston' },
      { id: 'cpp', name: 'C++', version: '10.2.0', driver: 'piston' },
    ]);
  });
});

describe('piston driver: a Piston that fails', () => {
  it('answers 502 upstream_failed when Piston cannot be reached, and keeps serving', async () => {
    const { server, run } = await roomkitWith(`http://127.0.0.1:${await freePort()}`);
    const languages = await api(server, 'GET', '/api/exec/languages');
    expect(languages.status).toBe(502);
    expect(languages.body.error.code).toBe('upstream_failed');
    const response = await run();
    expect(response.status).toBe(502);
    expect(response.body.error).toMatchObject({ code: 'upstream_failed' });
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('keeps the languages it knew when Piston goes away; runs then fail with upstream_failed', async () => {
    const server = createServer((request, response) => json(200, runtimes)(response));
    await listen(server);
    const driver = driverFor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const before = await driver.languages();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect(await driver.languages()).toEqual(before);
    await expect(
      driver.run({ language: 'bash', code: 'echo hi', stdin: '' }, limits),
    ).rejects.toMatchObject({ code: 'upstream_failed', status: 502 });
  });

  it('ends a run that Piston never answers as timed out', async () => {
    const piston = await fakePiston(() => {});
    const result = await driverFor(piston.url).run(
      { language: 'bash', code: 'echo hi', stdin: '' },
      { ...limits, wallMs: 1000 },
    );
    expect(result).toMatchObject({ stdout: '', exitCode: 137, timedOut: true, truncated: false });
    expect(result.stderr).toMatch(/^Stopped: the run took longer than 1000 ms/);
  });

  it('ends a run whose answer never finishes arriving as timed out', async () => {
    const piston = await fakePiston((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"language":"bash","version":"5.2.0","run":{"stdout":"');
    });
    const result = await driverFor(piston.url).run(
      { language: 'bash', code: 'echo hi', stdin: '' },
      { ...limits, wallMs: 1000 },
    );
    expect(result).toMatchObject({ exitCode: 137, timedOut: true });
  });

  it('stops waiting for Piston when the driver closes', async () => {
    const piston = await fakePiston(() => {});
    const driver = new PistonDriver(outbound, piston.url);
    await driver.languages();
    const running = driver.run({ language: 'bash', code: 'echo hi', stdin: '' }, limits);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await driver.close();
    expect(await running).toMatchObject({ exitCode: 137, timedOut: false });
  });

  it.each([
    ['text that is not JSON', 'Internal <b>oops</b>'],
    ['JSON that is not an execution', { language: 'bash', version: '5.2.0' }],
    ['a stage without output', { language: 'bash', version: '5.2.0', run: { code: 0 } }],
  ])('answers 502 upstream_failed when Piston answers %s', async (_, body) => {
    const piston = await fakePiston(json(200, body));
    const { server, run } = await roomkitWith(piston.url);
    const response = await run();
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_failed');
    expect(JSON.stringify(response.body)).not.toContain('oops');
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it.each([
    [500, undefined],
    [400, { message: 'run_timeout cannot exceed the configured limit of 3000' }],
  ])('answers 502 upstream_failed when Piston answers %i', async (status, body) => {
    const piston = await fakePiston(json(status, body ?? ''));
    const response = await (await roomkitWith(piston.url)).run();
    expect(response.status).toBe(502);
    expect(response.body.error.code).toBe('upstream_failed');
  });

  it('answers 503 overloaded with Retry-After when Piston is rate limiting', async () => {
    const piston = await fakePiston(json(429, { message: 'Requests are limited to 5 per second' }));
    const response = await (await roomkitWith(piston.url)).run();
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('overloaded');
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('reports a huge answer as output cut short, without reading it all', async () => {
    const piston = await fakePiston((response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"language":"bash","version":"5.2.0","run":{"stdout":"');
      const chunk = 'x'.repeat(1 << 20);
      let sent = 0;
      const more = () => {
        // 64 MiB at most, as fast as the reader takes it; a reader that stops ends the response.
        while (sent < 64 && !response.destroyed) {
          sent++;
          if (!response.write(chunk)) return void response.once('drain', more);
        }
        response.end('","stderr":"","code":0,"signal":null}}');
      };
      more();
    });
    const { server, run } = await roomkitWith(piston.url);
    const response = await run();
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ stdout: '', exitCode: 137, truncated: true });
    expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  });

  it('cuts output that Piston did not cut at the output limit', async () => {
    const stdout = 'é'.repeat(40_000);
    const piston = await fakePiston(
      json(200, { language: 'bash', version: '5.2.0', run: stage({ stdout, stderr: 'late' }) }),
    );
    const response = await (await roomkitWith(piston.url)).run();
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ exitCode: 137, truncated: true, stderr: '' });
    expect(response.body.stdout).toBe('é'.repeat(32_768));
  });
});

describe("piston driver: Piston's answers as results", () => {
  const answering = async (body: unknown, code = 'echo hi') => {
    const piston = await fakePiston(json(200, body));
    return (await roomkitWith(piston.url)).run({ language: 'bash', code });
  };

  it("gives the program's exit code, or 128 + the signal that ended it", async () => {
    const exited = await answering({
      language: 'bash',
      version: '5.2.0',
      run: stage({ stdout: 'out\n', stderr: 'err\n', code: 3, status: 'RE' }),
    });
    expect(exited.body).toMatchObject({
      stdout: 'out\n',
      stderr: 'err\n',
      exitCode: 3,
      timedOut: false,
      truncated: false,
      durationMs: expect.any(Number),
    });
    const signalled = await answering({
      language: 'bash',
      version: '5.2.0',
      run: stage({ code: null, signal: 'SIGSEGV', status: 'SG' }),
    });
    expect(signalled.body).toMatchObject({ exitCode: 139, timedOut: false, truncated: false });
  });

  it("takes Piston's TO as timed out and its OL and EL as output cut", async () => {
    const timedOut = await answering({
      language: 'bash',
      version: '5.2.0',
      run: stage({ stdout: 'so far\n', code: null, signal: 'SIGKILL', status: 'TO' }),
    });
    expect(timedOut.body).toMatchObject({ stdout: 'so far\n', exitCode: 137, timedOut: true });
    expect(timedOut.body.stderr).toMatch(/Stopped: the run took longer than 5000 ms/);
    for (const status of ['OL', 'EL']) {
      const cut = await answering({
        language: 'bash',
        version: '5.2.0',
        run: stage({ stdout: 'xxxx', code: null, signal: 'SIGKILL', status }),
      });
      expect(cut.body).toMatchObject({ stdout: 'xxxx', exitCode: 137, truncated: true });
    }
  });

  it("answers 502 upstream_failed for Piston's own failure (XX)", async () => {
    const failed = await answering({
      language: 'bash',
      version: '5.2.0',
      run: stage({ code: null, signal: null, status: 'XX', stderr: 'isolate: box busy' }),
    });
    expect(failed.status).toBe(502);
    expect(failed.body.error.code).toBe('upstream_failed');
  });

  it('reads the answers of older Pistons: no status, no run stage after a failed compile', async () => {
    const piston = await fakePiston(
      json(200, {
        language: 'c++',
        version: '10.2.0',
        compile: stage({ stderr: 'main.cpp:1:1: error: nope\n', code: 1 }),
      }),
    );
    const response = await (await roomkitWith(piston.url)).run({ language: 'cpp', code: 'nope' });
    expect(response.body).toMatchObject({
      stdout: '',
      stderr: 'main.cpp:1:1: error: nope\n',
      exitCode: 1,
      timedOut: false,
    });
    // Without `status`, a SIGKILL before the wall time is the program's own end (e.g. memory).
    const killed = await answering({
      language: 'bash',
      version: '5.2.0',
      run: stage({ code: null, signal: 'SIGKILL' }),
    });
    expect(killed.body).toMatchObject({ exitCode: 137, timedOut: false, truncated: false });
  });
});
