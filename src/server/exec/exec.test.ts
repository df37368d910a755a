import { describe, expect, it } from 'vitest';
import {
  api,
  connectWithState,
  emitAck,
  roomWith,
  startServer,
  waitFor,
  type TestServer,
} from '../../../test/helpers.js';
import { exampleFor } from '../../web/features/code/languages.js';

async function run(
  server: TestServer,
  roomId: string,
  token: string,
  body: { language: string; code: string; stdin?: string },
) {
  return api(server, 'POST', `/api/rooms/${roomId}/exec`, { token, body });
}

describe('code execution (API.md, "Code execution")', () => {
  it('lists the languages it runs, without a session', async () => {
    const server = await startServer();
    const response = await api(server, 'GET', '/api/exec/languages');
    expect(response.status).toBe(200);
    expect(response.body.map((l: { id: string }) => l.id)).toEqual([
      'javascript',
      'typescript',
      'python',
    ]);
    for (const language of response.body) {
      expect(language).toMatchObject({ driver: 'wasm', name: expect.any(String) });
      expect(language.version).toMatch(language.id === 'python' ? /Pyodide/ : /QuickJS/);
    }
  });

  it('runs hello world in JavaScript and TypeScript', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const js = await run(server, room.id, members[0]!.token, {
      language: 'javascript',
      code: 'console.log("hello", 1 + 1)',
    });
    expect(js.status).toBe(200);
    expect(js.body).toMatchObject({
      stdout: 'hello 2\n',
      stderr: '',
      exitCode: 0,
      timedOut: false,
      truncated: false,
    });
    expect(js.body.durationMs).toEqual(expect.any(Number));
    const ts = await run(server, room.id, members[0]!.token, {
      language: 'typescript',
      code: 'const greet = (name: string): string => `hello ${name}`;\nconsole.log(greet("ts"));',
    });
    expect(ts.body).toMatchObject({ stdout: 'hello ts\n', exitCode: 0 });
  });

  it('gives the program its stdin, as a string and line by line', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await run(server, room.id, members[0]!.token, {
      language: 'javascript',
      code: 'console.log(stdin.length); let l; while ((l = readline()) !== null) console.log(l.toUpperCase());',
      stdin: 'one\ntwo\n',
    });
    expect(response.body).toMatchObject({ stdout: '8\nONE\nTWO\n', exitCode: 0 });
  });

  it('reports an uncaught error on stderr with exit code 1; console.error goes to stderr', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await run(server, room.id, members[0]!.token, {
      language: 'javascript',
      code: 'console.log("before"); console.warn("careful"); function f() { throw new TypeError("boom"); }\nf();',
    });
    expect(response.body.exitCode).toBe(1);
    expect(response.body.stdout).toBe('before\n');
    expect(response.body.stderr).toContain('careful\n');
    expect(response.body.stderr).toContain('TypeError: boom');
    expect(response.body.stderr).toMatch(/at f/);
  });

  it('prints BigInts with their n, alone and inside objects, with every console method', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await run(server, room.id, members[0]!.token, {
      language: 'javascript',
      code: [
        'console.log(1n, 2 ** 64 === Number(2n ** 64n));',
        'console.log({ a: 1n, b: [2n, -3n], c: "4n" });',
        'console.info(5n); console.debug([6n]);',
        'console.error(7n); console.warn({ d: 8n });',
        'throw 9n;',
      ].join('\n'),
    });
    expect(response.body).toMatchObject({
      stdout: '1n true\n{"a":1n,"b":[2n,-3n],"c":"4n"}\n5n\n[6n]\n',
      stderr: '7n\n{"d":8n}\nUncaught 9n\n',
      exitCode: 1,
      timedOut: false,
    });
  });

  it('answers a TypeScript syntax error with the compiler message and exit code 1', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const response = await run(server, room.id, members[0]!.token, {
      language: 'typescript',
      code: 'const x: number = ;',
    });
    expect(response.status).toBe(200);
    expect(response.body.exitCode).toBe(1);
    expect(response.body.stderr).toMatch(/main\.ts:1:\d+: error: /);
  });

  // A Python run may wait seconds for its process to load on a busy machine.
  it.each([
    ['javascript', 'console.log(6 * 7)', 'JavaScript'],
    ['python', 'print(6 * 7)', 'Python'],
  ])(
    'shows a %s run to everyone: exec:result and a compact chat message',
    { timeout: 120_000 },
    async (language, code, name) => {
      const server = await startServer();
      const { members } = await roomWith(server, 'Ada', 'Grace');
      const grace = await connectWithState(server, members[1]!.token);
      const ada = await connectWithState(server, members[0]!.token);
      const ack = await emitAck(ada.socket, 'exec:run', {
        language,
        code,
      });
      expect(ack).toMatchObject({ ok: true, result: { stdout: '42\n', exitCode: 0 } });
      const seen = await waitFor(
        () => grace.events.find((e) => e.name === 'exec:result')?.payload,
        5000,
        'exec:result',
      );
      expect(seen).toMatchObject({
        memberId: members[0]!.member.id,
        language,
        result: { stdout: '42\n', exitCode: 0 },
      });
      const message = await waitFor(
        () =>
          grace.events.find(
            (e) => e.name === 'message:new' && e.payload.message.body.startsWith('Ada ran'),
          )?.payload.message,
        5000,
        'the run in chat',
      );
      expect(message).toMatchObject({ type: 'system', sender: null });
      expect(message.body).toMatch(new RegExp(`^Ada ran ${name}: exit 0 in \\d+ ms$`));
    },
  );

  it(
    "answers with exactly the contract's fields, over HTTP, in the ack and in exec:result",
    { timeout: 120_000 },
    async () => {
      const server = await startServer();
      const { room, members } = await roomWith(server, 'Ada', 'Grace');
      const fields = ['durationMs', 'exitCode', 'stderr', 'stdout', 'timedOut', 'truncated'];
      const keys = (result: object) => Object.keys(result).sort();
      for (const body of [
        { language: 'javascript', code: 'console.log(1)' },
        { language: 'javascript', code: 'throw new Error("no")' },
        { language: 'javascript', code: 'const a = []; for (;;) a.push(new Float64Array(1e6));' },
        { language: 'typescript', code: 'const x: number = 1;\nconsole.log(x);' },
        { language: 'python', code: 'print(1)' },
      ]) {
        const response = await run(server, room.id, members[0]!.token, body);
        expect(keys(response.body), body.code).toEqual(fields);
      }
      const grace = await connectWithState(server, members[1]!.token);
      const ada = await connectWithState(server, members[0]!.token);
      const ack = await emitAck(ada.socket, 'exec:run', {
        language: 'javascript',
        code: 'console.log("socket")',
      });
      expect(keys(ack.result)).toEqual(fields);
      const seen = await waitFor(
        () =>
          grace.events.find(
            (e) => e.name === 'exec:result' && e.payload.result.stdout === 'socket\n',
          )?.payload,
        5000,
        'exec:result',
      );
      expect(keys(seen.result)).toEqual(fields);
    },
  );

  it('logs every run for the admin panel: who, where, the language and how it ended, never the code', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const secret = 'secret-source-marker';
    await run(server, room.id, members[0]!.token, {
      language: 'javascript',
      code: `console.log("${secret}")`,
    });
    await run(server, room.id, members[1]!.token, {
      language: 'typescript',
      code: `const x: number = 1; throw new Error("${secret}" + x)`,
    });
    const runs = await server.use('exec').recentRuns({ roomId: room.id, limit: 10 });
    expect(runs).toEqual([
      expect.objectContaining({
        memberId: members[1]!.member.id,
        language: 'typescript',
        exitCode: 1,
      }),
      expect.objectContaining({
        memberId: members[0]!.member.id,
        language: 'javascript',
        exitCode: 0,
      }),
    ]);
    expect(JSON.stringify(runs)).not.toContain(secret);
    expect(runs[0]).toMatchObject({ roomId: room.id, timedOut: false, truncated: false });
    expect(runs[0]!.durationMs).toEqual(expect.any(Number));

    await server.ctx.rooms.close(room.id, 'deleted');
    expect(await server.use('exec').recentRuns({ roomId: room.id, limit: 10 })).toEqual([]);
  });

  it('refuses an unknown language, a bad body and a missing session', async () => {
    const server = await startServer();
    const { room, members } = await roomWith(server, 'Ada');
    const unknown = await run(server, room.id, members[0]!.token, {
      language: 'cobol',
      code: 'DISPLAY "HI"',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_request');
    const bad = await api(server, 'POST', `/api/rooms/${room.id}/exec`, {
      token: members[0]!.token,
      body: { language: 'javascript', code: 1 },
    });
    expect(bad.status).toBe(400);
    const tooMuchInput = await run(server, room.id, members[0]!.token, {
      language: 'javascript',
      code: '',
      stdin: 'x'.repeat(65_537),
    });
    expect(tooMuchInput.status).toBe(400);
    const anonymous = await api(server, 'POST', `/api/rooms/${room.id}/exec`, {
      body: { language: 'javascript', code: '1' },
    });
    expect(anonymous.status).toBe(401);
  });

  it('rate-limits runs per member with 429 and Retry-After', async () => {
    const server = await startServer({}, { limits: { exec: { points: 2, seconds: 60 } } });
    const { room, members } = await roomWith(server, 'Ada', 'Grace');
    const body = { language: 'javascript', code: '1' };
    expect((await run(server, room.id, members[0]!.token, body)).status).toBe(200);
    expect((await run(server, room.id, members[0]!.token, body)).status).toBe(200);
    const limited = await run(server, room.id, members[0]!.token, body);
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await run(server, room.id, members[1]!.token, body)).status).toBe(200);
  });

  it('with EXEC_DRIVER=off lists nothing and refuses runs', async () => {
    const server = await startServer({ EXEC_DRIVER: 'off' });
    const { room, members } = await roomWith(server, 'Ada');
    expect((await api(server, 'GET', '/api/exec/languages')).body).toEqual([]);
    const refused = await run(server, room.id, members[0]!.token, {
      language: 'javascript',
      code: '1',
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toBe('Code execution is turned off on this server.');
  });

  it(
    "runs the web editor's example of each language it lists, with and without input",
    { timeout: 120_000 },
    async () => {
      const server = await startServer();
      const { room, members } = await roomWith(server, 'Ada');
      const languages = (await api(server, 'GET', '/api/exec/languages')).body as { id: string }[];
      for (const { id } of languages) {
        const code = exampleFor(id);
        expect(code, id).toBeDefined();
        for (const [stdin, stdout] of [
          ['', 'Hello, world!\n'],
          ['Ada\n', 'Hello, Ada!\n'],
        ]) {
          const response = await run(server, room.id, members[0]!.token, {
            language: id,
            code: code!,
            stdin,
          });
          expect(response.body, `${id} with stdin ${JSON.stringify(stdin)}`).toMatchObject({
            stdout,
            exitCode: 0,
          });
        }
      }
    },
  );
});
