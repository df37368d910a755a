/**
 * The sandbox driver: the shared contract, then what only a native sandbox has to show (rlimits,
 * the uid programs run as, compiling apart from the run's clock), the HTTP API with
 * EXEC_DRIVER=sandbox, and the fallback when bubblewrap is missing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, freePort, spawnRoomkit, sleep, startServer } from '../../../../test/helpers.js';
import { programPath } from '../../../../test/requirements.js';
import type { ExecLimits } from '../ExecDriver.js';
import { describeExecContract, expectRunsInARoom, processesWith } from '../execContract.js';
import { SandboxDriver } from './SandboxDriver.js';

/** Where a trial sandbox ran (test/requirements.ts); without one, these suites skip. */
const bwrap = programPath('bwrap');
const limits: ExecLimits = { wallMs: 20_000, memoryBytes: 128 * 1024 * 1024, outputBytes: 65_536 };

describe.skipIf(bwrap === undefined)('sandbox driver', { timeout: 60_000 }, () => {
  // Only where it runs: the contract builds its driver while the suite is collected.
  if (bwrap) describeExecContract('sandbox', () => new SandboxDriver(bwrap));

  describe('beyond the contract', () => {
    let driver: SandboxDriver;
    beforeAll(() => {
      if (bwrap) driver = new SandboxDriver(bwrap);
    });
    afterAll(() => driver.close());
    const bash = (code: string, overrides: Partial<ExecLimits> = {}) =>
      driver.run({ language: 'bash', code, stdin: '' }, { ...limits, ...overrides });

    it('runs programs as uid 65534, not root on the host either, and reaps them all when stopped', async () => {
      const marker = `rku${randomBytes(5).toString('hex')}`;
      const running = bash(`id -u; id -g; exec -a ${marker} sleep 30`, { wallMs: 3000 });
      // The host sees the sandboxed process while it runs (so the contract's checks for
      // processes left behind look in the right place), under an unprivileged uid.
      let settled = false;
      void running.finally(() => (settled = true));
      let pids: string[] = [];
      while (pids.length === 0 && !settled) {
        await sleep(50);
        pids = await processesWith(marker);
      }
      expect(pids).not.toEqual([]);
      const status = await readFile(`/proc/${pids[0]}/status`, 'utf8');
      const hostUid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      expect(hostUid).toBeGreaterThan(0);
      const init = /^PPid:\s+(\d+)/m.exec(status)?.[1];
      expect(await readFile(`/proc/${init}/comm`, 'utf8')).toBe('bwrap\n');
      const result = await running;
      expect(result).toMatchObject({ stdout: '65534\n65534\n', timedOut: true });
      expect(await processesWith(marker)).toEqual([]);
      // The sandbox's init was reaped by bwrap, not left a zombie for the host's pid 1.
      expect(existsSync(`/proc/${init}`)).toBe(false);
    });

    it('leaves no sandbox behind when closed while runs are starting', async () => {
      if (!bwrap) return;
      const before = new Set(await strandedSandboxes());
      for (const delayMs of [0, 1, 2, 5, 10, 20]) {
        const closing = new SandboxDriver(bwrap);
        await closing.languages();
        const runs = [1, 2, 3].map(() =>
          closing.run({ language: 'bash', code: 'sleep 30', stdin: '' }, limits),
        );
        await sleep(delayMs);
        await closing.close();
        for (const result of await Promise.all(runs)) expect(result.exitCode).toBe(137);
      }
      const stranded = (await strandedSandboxes()).filter((pid) => !before.has(pid));
      expect(stranded).toEqual([]);
    });

    it('limits the processes of a run', async () => {
      const result = await driver.run(
        {
          language: 'python',
          code: [
            'import os, time',
            'started = 0',
            'for _ in range(200):',
            '    try:',
            '        if os.fork() == 0:',
            '            time.sleep(30)',
            '            os._exit(0)',
            '        started += 1',
            '    except OSError:',
            '        break',
            'print(started)',
          ].join('\n'),
          stdin: '',
        },
        limits,
      );
      const started = Number(result.stdout.trim());
      expect(started).toBeGreaterThan(10);
      expect(started).toBeLessThan(32);
    });

    it("caps one file's size and the run's whole tmpfs, its only writable place", async () => {
      const big = await bash('head -c 32000000 /dev/zero > big; echo "exit $?"; wc -c < big');
      expect(big.stdout).toMatch(/^exit [1-9]\d*\n16777216\n$/);
      const many = await bash(
        'for i in 1 2 3 4 5 6; do head -c 15000000 /dev/zero > f$i 2>/dev/null; done; cat f* | wc -c',
      );
      expect(Number(many.stdout.trim())).toBeLessThanOrEqual(64 * 1024 * 1024);
      expect(Number(many.stdout.trim())).toBeGreaterThan(32 * 1024 * 1024);
      // Everywhere else is read-only, /dev included (bwrap makes it a tmpfs without a size cap).
      const elsewhere = await bash(
        'for f in /x /etc/x /dev/x /dev/shm/x /usr/x; do echo y > "$f" 2>/dev/null && echo "wrote $f"; done; echo y > /dev/null && echo done',
      );
      expect(elsewhere.stdout).toBe('done\n');
    });

    it('compiles before the wall clock starts, and reports compiler errors as the result', async () => {
      const heavy = await driver.run(
        {
          language: 'cpp',
          code: '#include <bits/stdc++.h>\nint main() { std::vector<int> v{3, 1, 2}; std::sort(v.begin(), v.end()); std::cout << v[0] << v[2] << "\\n"; }',
          stdin: '',
        },
        { ...limits, wallMs: 1000 },
      );
      expect(heavy).toMatchObject({ stdout: '13\n', exitCode: 0, timedOut: false });
      const broken = await driver.run(
        { language: 'c', code: 'int main(void) { return nope; }', stdin: '' },
        limits,
      );
      expect(broken).toMatchObject({ stdout: '', exitCode: 1, timedOut: false });
      expect(broken.stderr).toMatch(/main\.c:1:\d+: error: .nope. undeclared/);
    });
  });

  describe('through the HTTP API (EXEC_DRIVER=sandbox)', () => {
    it('lists the host toolchains and runs code in a room', async () => {
      const server = await startServer({ EXEC_DRIVER: 'sandbox' });
      const languages = await api(server, 'GET', '/api/exec/languages');
      expect(languages.status).toBe(200);
      const ids = languages.body.map((language: { id: string }) => language.id);
      expect(ids).toEqual(expect.arrayContaining(['bash']));
      for (const language of languages.body) expect(language.driver).toBe('sandbox');

      await expectRunsInARoom(server);
    });
  });
});

describe('EXEC_DRIVER=sandbox without bubblewrap', () => {
  it('starts anyway, says so in its log, and runs code with the wasm driver', async () => {
    const port = await freePort();
    const server = await spawnRoomkit(
      ['--port', String(port), '--host', '127.0.0.1'],
      { EXEC_DRIVER: 'sandbox', PATH: '/nonexistent', LOG_LEVEL: 'info' },
      { ready: true, port },
    );
    const languages = await api(server, 'GET', '/api/exec/languages');
    expect(languages.status).toBe(200);
    expect(languages.body.length).toBeGreaterThan(0);
    for (const language of languages.body) expect(language.driver).toBe('wasm');
    expect(server.output.stdout + server.output.stderr).toMatch(
      /EXEC_DRIVER=sandbox cannot run here: bwrap \(bubblewrap\) is not installed; falling back to the wasm driver/,
    );
  });
});

/**
 * Live bwrap processes whose parent is gone: a sandbox's init whose bwrap was killed while it was
 * still being set up waits for that bwrap for ever.
 */
async function strandedSandboxes(): Promise<string[]> {
  const stranded: string[] = [];
  for (const pid of (await readdir('/proc')).filter((entry) => /^\d+$/.test(entry))) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const [, name, state, parent] = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat) ?? [];
    if (name === 'bwrap' && state !== 'Z' && parent === '1') stranded.push(pid);
  }
  return stranded;
}
