/**
 * Python with the wasm driver (Pyodide): what a program sees and how its run ends, through the
 * real app over HTTP (exec.test.ts shows a Python run reaching the room over Socket.IO).
 */
import { describe, expect, it } from 'vitest';
import { api, roomWith, startServer } from '../../../test/helpers.js';

async function pythonRoom() {
  const server = await startServer();
  const { room, members } = await roomWith(server, 'Ada', 'Grace');
  const run = (code: string, stdin?: string) =>
    api(server, 'POST', `/api/rooms/${room.id}/exec`, {
      token: members[0]!.token,
      body: { language: 'python', code, ...(stdin === undefined ? {} : { stdin }) },
    });
  return { server, room, members, run };
}

// Every run starts a Python process; on a loaded machine each load takes seconds.
describe('Python (API.md, "Code execution")', { timeout: 120_000 }, () => {
  it('is listed under the wasm driver with the version the programs see', async () => {
    const { server, run } = await pythonRoom();
    const languages = await api(server, 'GET', '/api/exec/languages');
    const python = languages.body.find((l: { id: string }) => l.id === 'python');
    expect(python).toMatchObject({ id: 'python', name: 'Python', driver: 'wasm' });
    const response = await run('import sys; print(sys.version.split()[0])');
    expect(response.body.exitCode).toBe(0);
    expect(python.version).toBe(`${response.body.stdout.trim()} (Pyodide 314.0.7)`);
  });

  it('runs hello world, reads stdin through input() and sys.stdin, and keeps stderr apart', async () => {
    const { run } = await pythonRoom();
    const hello = await run('print("hello", 1 + 1)');
    expect(hello.status).toBe(200);
    expect(hello.body).toMatchObject({
      stdout: 'hello 2\n',
      stderr: '',
      exitCode: 0,
      timedOut: false,
      truncated: false,
    });
    expect(hello.body.durationMs).toEqual(expect.any(Number));

    const input = await run(
      'name = input()\nprint(f"hi {name}")\nimport sys\nrest = sys.stdin.read()\nprint(rest.upper(), end="")\nprint("careful", file=sys.stderr)',
      'Ada\nline two\nline three\n',
    );
    expect(input.body).toMatchObject({
      stdout: 'hi Ada\nLINE TWO\nLINE THREE\n',
      stderr: 'careful\n',
      exitCode: 0,
    });

    const noInput = await run('try:\n    input()\nexcept EOFError:\n    print("eof")');
    expect(noInput.body).toMatchObject({ stdout: 'eof\n', exitCode: 0 });
  });

  it('ends with exit code 1 and the traceback for an uncaught exception', async () => {
    const { run } = await pythonRoom();
    const response = await run('print("before")\ndef f():\n    raise ValueError("boom")\nf()');
    expect(response.body.exitCode).toBe(1);
    expect(response.body.stdout).toBe('before\n');
    expect(response.body.stderr).toMatch(/^Traceback \(most recent call last\):\n/);
    expect(response.body.stderr).toContain('File "/home/pyodide/main.py", line 4, in <module>');
    expect(response.body.stderr).toContain('line 3, in f');
    expect(response.body.stderr).toMatch(/ValueError: boom\n$/);
    // The frames are the program's own, not the runner's.
    expect(response.body.stderr).not.toMatch(/_roomkit|_pyodide/);

    const syntax = await run('x = (1');
    expect(syntax.body.exitCode).toBe(1);
    expect(syntax.body.stderr).toMatch(/SyntaxError: '\(' was never closed/);
  });

  it('takes the exit code from sys.exit', async () => {
    const { run } = await pythonRoom();
    expect((await run('import sys\nprint("out")\nsys.exit(3)')).body).toMatchObject({
      stdout: 'out\n',
      exitCode: 3,
      timedOut: false,
    });
    expect((await run('import sys; sys.exit()')).body.exitCode).toBe(0);
    expect((await run('import sys; sys.exit("bye")')).body).toMatchObject({
      stderr: 'bye\n',
      exitCode: 1,
    });
    expect((await run('raise SystemExit(0)')).body.exitCode).toBe(0);
  });

  it('starts every run afresh: no variables, modules or files of the run before', async () => {
    const { run } = await pythonRoom();
    const first = await run(
      [
        'import sys, json, fractions',
        'secret = "left behind"',
        'sys.modules["json"].marker = 1',
        'sys.path.append("/home/pyodide/extra")',
        'open("/home/pyodide/note.txt", "w").write("from the first run")',
        'open("/tmp/other.txt", "w").write("x")',
        'print("written")',
      ].join('\n'),
    );
    expect(first.body).toMatchObject({ stdout: 'written\n', exitCode: 0 });
    const second = await run(
      [
        'import os, sys',
        'print("secret" in globals(), "fractions" in sys.modules, "/home/pyodide/extra" in sys.path)',
        'import json',
        'print(hasattr(json, "marker"))',
        'print(os.path.exists("/home/pyodide/note.txt"), os.path.exists("/tmp/other.txt"))',
      ].join('\n'),
    );
    expect(second.body).toMatchObject({
      stdout: 'False False False\nFalse\nFalse False\n',
      exitCode: 0,
    });
  });

  it('gives every run its own random numbers, though each starts from the same snapshot', async () => {
    const { run } = await pythonRoom();
    const program =
      'import random, os, uuid\nprint(random.random(), random.getrandbits(64), os.urandom(8).hex(), uuid.uuid4())';
    const outputs = [];
    for (let i = 0; i < 3; i++) {
      const response = await run(program);
      expect(response.body.exitCode).toBe(0);
      outputs.push(response.body.stdout);
    }
    const fields = outputs.map((line) => line.trim().split(' '));
    for (let field = 0; field < 4; field++)
      expect(new Set(fields.map((values) => values[field])).size).toBe(3);
  });

  it('has the standard library but loads no packages', async () => {
    const { run } = await pythonRoom();
    const stdlib = await run(
      'import json, re, collections, fractions, sqlite3\nprint(json.dumps(collections.Counter("aab")), fractions.Fraction(1, 3) * 3)',
    );
    expect(stdlib.body).toMatchObject({ stdout: '{"a": 2, "b": 1} 1\n', exitCode: 0 });
    const packages = await run(
      [
        'for name in ("micropip", "numpy"):',
        '    try:',
        '        __import__(name)',
        '        print(name, "imported")',
        '    except ImportError as error:',
        '        print(name, type(error).__name__)',
        'import pyodide_js',
        'print(hasattr(pyodide_js, "loadPackage"), hasattr(pyodide_js, "loadPackagesFromImports"))',
      ].join('\n'),
    );
    expect(packages.body).toMatchObject({
      stdout: 'micropip ModuleNotFoundError\nnumpy ModuleNotFoundError\nFalse False\n',
      exitCode: 0,
    });
  });
});
