/**
 * The piston driver against a Piston stand-in that runs programs for real in bubblewrap
 * (`test/pistonStandIn.ts`): the shared contract, then what only this driver has to show (what it
 * sends, cutting output itself, compile errors from their own stage, a Piston whose limits are
 * below Roomkit's), and the HTTP API with EXEC_DRIVER=piston:<url>. Skipped where bubblewrap
 * cannot run, as the sandbox driver's tests are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer } from '../../../../test/helpers.js';
import {
  startPistonStandIn,
  type PistonStandIn,
  type StandInLimits,
} from '../../../../test/pistonStandIn.js';
import { programPath } from '../../../../test/requirements.js';
import { AppError } from '../../core/AppError.js';
import { Outbound } from '../../outbound/Outbound.js';
import type { ExecLimits } from '../ExecDriver.js';
import { describeExecContract, expectRunsInARoom } from '../execContract.js';
import { PistonDriver } from './PistonDriver.js';

/** The stand-in runs programs in bubblewrap (test/requirements.ts); without it, all this skips. */
const bwrap = programPath('bwrap');
const limits: ExecLimits = { wallMs: 20_000, memoryBytes: 128 * 1024 * 1024, outputBytes: 65_536 };

describe.skipIf(bwrap === undefined)('piston driver', { timeout: 60_000 }, () => {
  const standIns: PistonStandIn[] = [];
  const standIn = async (pistonLimits: Partial<StandInLimits> = {}) => {
    if (!bwrap) throw new Error('no sandbox');
    const started = await startPistonStandIn(bwrap, pistonLimits);
    standIns.push(started);
    return started;
  };
  /** The door a server would reach Piston through. */
  const outbound = new Outbound();
  afterAll(async () => {
    await Promise.all(standIns.map((started) => started.close()));
    await outbound.close();
  });

  // Only where it runs: the contract builds its driver while the suite is collected, skipped or
  // not.
  if (bwrap)
    describeExecContract('piston', async () => new PistonDriver(outbound, (await standIn()).url));

  describe('beyond the contract', () => {
    let piston: PistonStandIn;
    let driver: PistonDriver;
    beforeAll(async () => {
      piston = await standIn();
      driver = new PistonDriver(outbound, piston.url);
    });
    afterAll(() => driver.close());

    it("sends Piston the program, its stdin and Roomkit's limits, and nothing else", async () => {
      process.env.ROOMKIT_PISTON_CANARY = 'canary-piston-request';
      try {
        await driver.run({ language: 'python', code: "print('hi')", stdin: 'in\n' }, limits);
        await driver.run(
          { language: 'c', code: 'int main(void) { return 0; }', stdin: '' },
          limits,
        );
      } finally {
        delete process.env.ROOMKIT_PISTON_CANARY;
      }
      const [python, c] = piston.requests.slice(-2);
      expect(python).toEqual({
        language: 'python',
        version: expect.stringMatching(/^3\.\d+/),
        files: [{ name: 'main.py', content: "print('hi')" }],
        stdin: 'in\n',
        args: [],
        run_timeout: limits.wallMs,
        run_cpu_time: limits.wallMs,
        run_memory_limit: limits.memoryBytes,
      });
      expect(c).toMatchObject({
        language: 'c',
        files: [{ name: 'main.c', content: 'int main(void) { return 0; }' }],
        compile_timeout: 10_000,
        compile_cpu_time: 10_000,
        compile_memory_limit: 512 * 1024 * 1024,
      });
      expect(JSON.stringify(piston.requests)).not.toContain('canary-piston-request');
    });

    it('sends TypeScript stripped of its types to the JavaScript runtime', async () => {
      const result = await driver.run(
        { language: 'typescript', code: 'const n: number = 2;\nconsole.log(n * 21);', stdin: '' },
        limits,
      );
      expect(result).toMatchObject({ stdout: '42\n', exitCode: 0 });
      expect(piston.requests.at(-1)).toMatchObject({
        language: 'javascript',
        files: [{ name: 'main.js', content: expect.not.stringContaining(': number') }],
      });
      const broken = await driver.run(
        { language: 'typescript', code: 'const n: number = ;', stdin: '' },
        limits,
      );
      expect(broken).toMatchObject({ exitCode: 1, stdout: '' });
      expect(broken.stderr).toMatch(/^main\.ts:1:\d+: error: /);
    });

    it("reports a compiler's errors from Piston's compile stage as the result", async () => {
      const broken = await driver.run(
        { language: 'c', code: 'int main(void) { return nope; }', stdin: '' },
        limits,
      );
      expect(broken).toMatchObject({ stdout: '', exitCode: 1, timedOut: false, truncated: false });
      expect(broken.stderr).toMatch(/main\.c:1:\d+: error: .nope. undeclared/);
    });

    it('cuts the output at its own limit when Piston allows more', async () => {
      const generous = await standIn({ outputMaxSize: 1024 * 1024 });
      const lenient = new PistonDriver(outbound, generous.url);
      try {
        const result = await lenient.run(
          {
            language: 'bash',
            code: "head -c 200000 /dev/zero | tr '\\0' x; echo done >&2",
            stdin: '',
          },
          limits,
        );
        expect(result).toMatchObject({ truncated: true, exitCode: 137, timedOut: false });
        expect(result.stdout).toBe('x'.repeat(limits.outputBytes));
        expect(result.stderr).toBe('');
      } finally {
        await lenient.close();
      }
    });

    it('turns a refusal by a Piston whose limits are below Roomkit’s into 502 upstream_failed', async () => {
      const strict = await standIn({ runTimeout: 3000 });
      const warnings: string[] = [];
      const refused = new PistonDriver(outbound, strict.url, {
        warn: (message) => warnings.push(message),
      });
      try {
        const run = refused.run({ language: 'bash', code: 'echo hi', stdin: '' }, limits);
        await expect(run).rejects.toBeInstanceOf(AppError);
        await expect(run).rejects.toMatchObject({ code: 'upstream_failed', status: 502 });
        expect(warnings.join('\n')).toContain(
          'run_timeout cannot exceed the configured limit of 3000',
        );
      } finally {
        await refused.close();
      }
    });
  });

  describe('through the HTTP API (EXEC_DRIVER=piston:<url>)', () => {
    it("lists Piston's languages under the piston driver and runs code in a room", async () => {
      const piston = await standIn();
      const server = await startServer({ EXEC_DRIVER: `piston:${piston.url}/` });
      const languages = await api(server, 'GET', '/api/exec/languages');
      expect(languages.status).toBe(200);
      const ids = languages.body.map((language: { id: string }) => language.id);
      expect(ids).toEqual(expect.arrayContaining(['bash', 'javascript', 'typescript', 'python']));
      for (const language of languages.body) {
        expect(language).toMatchObject({ driver: 'piston', version: expect.stringMatching(/^\d/) });
      }

      await expectRunsInARoom(server);
    });
  });
});
