/**
 * Hostile Python: each program is stopped by a limit or finds the capability gone, never sees
 * the server's environment, files or network, and the server keeps serving meanwhile.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, roomWith, startServer, type TestServer } from '../../../test/helpers.js';

const CANARY = 'py-canary-5d2e91';
/** Probes are not about time: on a loaded machine a tight deadline would end them early. */
const PROBE_LIMITS = { wallMs: 20_000 };

async function start(exec: { wallMs?: number; memoryBytes?: number } = {}) {
  const server = await startServer({}, { exec: { wallMs: 2000, ...exec } });
  const { room, members } = await roomWith(server, 'Mallory');
  const run = (code: string) =>
    api(server, 'POST', `/api/rooms/${room.id}/exec`, {
      token: members[0]!.token,
      body: { language: 'python', code },
    });
  return { server, run };
}

async function stillWorks(server: TestServer, run: (code: string) => Promise<{ body: any }>) {
  expect((await api(server, 'GET', '/healthz')).status).toBe(200);
  const after = await run('print("still here")');
  expect(after.body).toMatchObject({ stdout: 'still here\n', exitCode: 0, timedOut: false });
}

/** Counts the ticks of a server-side timer while `work` runs: the event loop must stay free. */
async function ticksDuring<T>(work: Promise<T>): Promise<{ result: T; ticks: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 20);
  try {
    return { result: await work, ticks };
  } finally {
    clearInterval(timer);
  }
}

// Each attack waits out a limit and a fresh Python process; a loaded machine needs room for both.
describe('hostile Python', { timeout: 120_000 }, () => {
  let listener: Server;
  let connections = 0;
  let port = 0;

  beforeAll(async () => {
    process.env.ROOMKIT_CANARY = CANARY;
    listener = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => listener.close(resolve));
  });

  it('stops an endless loop and a sleeping loop at the deadline; the server keeps ticking', async () => {
    const { server, run } = await start();
    for (const code of ['while True: pass', 'import time\nwhile True: time.sleep(0.1)']) {
      const { result, ticks } = await ticksDuring(run(code));
      expect(result.body).toMatchObject({ timedOut: true, exitCode: 137, truncated: false });
      expect(result.body.stderr).toMatch(/Stopped: the run took longer than 2000 ms/);
      expect(ticks).toBeGreaterThan(0);
    }
    // A program that catches the interrupt is stopped by killing its process.
    const stubborn = await run(
      'while True:\n    try:\n        while True: pass\n    except BaseException:\n        pass',
    );
    expect(stubborn.body).toMatchObject({ timedOut: true, exitCode: 137 });
    await stillWorks(server, run);
  });

  it('answers a memory hog with MemoryError at the memory limit', async () => {
    // A generous wall time: the memory limit, not the clock, must be what stops these.
    const { server, run } = await start({ wallMs: 30_000, memoryBytes: 64 * 1024 * 1024 });
    const hog = await run('chunks = []\nwhile True: chunks.append(bytearray(10**6))');
    expect(hog.body).toMatchObject({ exitCode: 1, timedOut: false });
    expect(hog.body.stderr).toMatch(/MemoryError\n$/);
    const big = await run('s = "x" * 10**9');
    expect(big.body).toMatchObject({ exitCode: 1, timedOut: false });
    expect(big.body.stderr).toMatch(/MemoryError\n$/);
    await stillWorks(server, run);
  });

  it('cuts a gigabyte of output at 64 KiB and stops the program', async () => {
    const { server, run } = await start();
    const response = await run('for _ in range(10**5):\n    print("x" * 10**4)');
    expect(response.body).toMatchObject({ truncated: true, timedOut: false, exitCode: 137 });
    expect(
      Buffer.byteLength(response.body.stdout) + Buffer.byteLength(response.body.stderr),
    ).toBeLessThanOrEqual(64 * 1024);
    expect(response.body.stdout.length).toBeGreaterThan(60_000);
    await stillWorks(server, run);
  });

  it('survives recursion bombs', async () => {
    const { server, run } = await start();
    const python = await run('def f(): return f()\nf()');
    expect(python.body.exitCode).toBe(1);
    expect(python.body.stderr).toMatch(/RecursionError: maximum recursion depth exceeded/);
    const native = await run(
      'import sys\nsys.setrecursionlimit(10**7)\ndef f(n): return f(n + 1)\nf(0)',
    );
    expect(native.body.exitCode).not.toBe(0);
    expect(native.body.stderr).toMatch(/RecursionError/);
    await stillWorks(server, run);
  });

  it("cannot read the server's environment", async () => {
    const { server, run } = await start(PROBE_LIMITS);
    const response = await run(
      [
        'import os, gc, sys',
        'print("environ", dict(os.environ))',
        'import js',
        'print("js", [hasattr(js, n) for n in ("process", "globalThis", "fetch", "require")])',
        'import pyodide_js',
        'dangerous = ("_api", "_module", "FS", "loadPackage", "runPython", "setStdout",',
        '    "setInterruptBuffer", "registerJsModule", "mountNodeFS", "useNodeSockFS")',
        'print("pyodide_js", [n for n in dangerous if hasattr(pyodide_js, n)])',
        'js2 = __import__("importlib").import_module("js")',
        'print("importlib", hasattr(js2, "process"), hasattr(sys.modules["js"], "globalThis"))',
        'from pyodide.ffi import JsProxy, to_js',
        'found = []',
        'for o in gc.get_objects():',
        '    if isinstance(o, JsProxy):',
        '        for name in ("process", "env", "_api", "_module", "loadScript", "FS", "require"):',
        '            try:',
        '                if hasattr(o, name): found.append(name)',
        '            except Exception:',
        '                pass',
        'print("reachable", sorted(set(found)))',
        'try:',
        '    print(to_js({}).constructor.constructor("return process.env")())',
        'except Exception as error:',
        '    print("Function", type(error).__name__)',
        'from pyodide.code import run_js',
        'try:',
        '    print(run_js("process.env"))',
        'except Exception as error:',
        '    print("run_js", type(error).__name__)',
      ].join('\n'),
    );
    expect(response.body.exitCode).toBe(0);
    const out = response.body.stdout + response.body.stderr;
    expect(out).not.toContain(CANARY);
    expect(out).not.toContain(process.cwd());
    expect(out).toContain('js [False, False, False, False]\npyodide_js []\n');
    expect(out).toMatch(/importlib False False/);
    expect(out).toMatch(/reachable \[\]/);
    expect(out).toMatch(/Function JsException/);
    expect(out).toMatch(/run_js ImportError/);
    await stillWorks(server, run);
  });

  it("cannot read the server's files or write outside its own memory", async () => {
    const { server, run } = await start(PROBE_LIMITS);
    const marker = join(tmpdir(), `roomkit-python-${process.pid}-${Date.now()}`);
    const response = await run(
      [
        'import os',
        'for path in ("/etc/passwd", ' + JSON.stringify(join(process.cwd(), 'package.json')) + '):',
        '    try:',
        '        print(open(path).read()[:40])',
        '    except OSError as error:',
        '        print("read", type(error).__name__)',
        `open(${JSON.stringify(marker)}, "w").write("x")`,
        `print("wrote in memory", os.path.exists(${JSON.stringify(marker)}))`,
        'import pyodide_js',
        'for name in ("FS", "_module", "mountNodeFS"):',
        '    print(name, hasattr(pyodide_js, name))',
      ].join('\n'),
    );
    const out = response.body.stdout + response.body.stderr;
    expect(out).not.toMatch(/root:|"name": "roomkit"/);
    expect(out).toContain('read FileNotFoundError\nread FileNotFoundError');
    expect(out).toContain('wrote in memory True');
    expect(out).toContain('FS False\n_module False\nmountNodeFS False');
    expect(existsSync(marker)).toBe(false);
    await stillWorks(server, run);
  });

  it('cannot open network connections', async () => {
    const { server, run } = await start(PROBE_LIMITS);
    const response = await run(
      [
        'import socket, urllib.request',
        'attempts = [',
        `    lambda: socket.create_connection(("127.0.0.1", ${port}), timeout=1).send(b"x"),`,
        `    lambda: urllib.request.urlopen("http://127.0.0.1:${port}/", timeout=1).read(),`,
        `    lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", ${port})),`,
        '    lambda: socket.socket().bind(("127.0.0.1", 0)) or socket.socket().listen(),',
        '    lambda: __import__("js").fetch,',
        `    lambda: __import__("pyodide.http").http.open_url("http://127.0.0.1:${port}/"),`,
        ']',
        'for attempt in attempts:',
        '    try:',
        '        attempt()',
        '        print("connected?")',
        '    except Exception as error:',
        '        print("refused", type(error).__name__)',
      ].join('\n'),
    );
    expect(response.status).toBe(200);
    const out: string = response.body.stdout + response.body.stderr;
    expect(response.body.timedOut).toBe(false);
    expect(out).not.toContain('connected?');
    expect(out.match(/^refused /gm), out).toHaveLength(6);
    expect(connections).toBe(0);
    await stillWorks(server, run);
  });

  it('cannot start processes', async () => {
    const { server, run } = await start(PROBE_LIMITS);
    const marker = join(tmpdir(), `roomkit-python-spawn-${process.pid}-${Date.now()}`);
    const response = await run(
      [
        'import os, subprocess',
        `print("system", os.system("touch ${marker}"))`,
        'for attempt in (lambda: subprocess.run(["id"]), lambda: os.popen("id").read()):',
        '    try:',
        '        print("ran", attempt())',
        '    except Exception as error:',
        '        print("refused", type(error).__name__)',
      ].join('\n'),
    );
    const out: string = response.body.stdout + response.body.stderr;
    expect(out).toContain('system 32512');
    expect(out).not.toMatch(/uid=|ran /);
    expect(out.match(/^refused /gm)).toHaveLength(2);
    expect(existsSync(marker)).toBe(false);
    await stillWorks(server, run);
  });
});
