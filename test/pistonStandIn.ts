/**
 * A stand-in for a Piston server (engineer-man/piston, API v2), for tests of the piston driver:
 * Piston itself needs Docker and isolate, which a test machine may not have. It answers
 * `GET /api/v2/runtimes` and `POST /api/v2/execute` as Piston's isolate-based versions do, and runs the programs for
 * real with Roomkit's sandbox driver (bubblewrap), so the contract suite's attacks meet a real
 * sandbox. What it shows is that the piston driver maps Piston's API faithfully — not how well
 * Piston isolates (docs/operations.md).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { constants } from 'node:os';
import type { ExecResult } from '../src/server/exec/ExecDriver.js';
import type {
  PistonExecuteRequest,
  PistonRuntime,
  PistonStage,
} from '../src/server/exec/piston/piston.schema.js';
import { SandboxDriver } from '../src/server/exec/sandbox/SandboxDriver.js';

/** Piston's configured limits (its PISTON_* variables); a request above one is refused (400). */
export interface StandInLimits {
  runTimeout: number;
  compileTimeout: number;
  /** Per stream, as Piston counts: a stream past it stops the program (`OL`/`EL`). */
  outputMaxSize: number;
}

export interface PistonStandIn {
  url: string;
  /** Every `POST /api/v2/execute` body received, as sent. */
  requests: unknown[];
  close: () => Promise<void>;
}

/** A stage with the fields Piston sends and the driver does not read. */
type StandInStage = PistonStage & { output: string; wall_time: number; memory: null };

/** How the stand-in offers each of the sandbox's languages, named as Piston names them. */
const runtimesBySandboxId: Record<string, Omit<PistonRuntime, 'version'>> = {
  javascript: {
    language: 'javascript',
    aliases: ['node-javascript', 'node-js', 'javascript', 'js'],
    runtime: 'node',
  },
  typescript: { language: 'typescript', aliases: ['ts', 'node-ts', 'tsc', 'typescript'] },
  python: { language: 'python', aliases: ['py', 'py3', 'python3', 'python3.11'] },
  bash: { language: 'bash', aliases: ['sh'] },
  c: { language: 'c', aliases: ['gcc'], runtime: 'gcc' },
  cpp: { language: 'c++', aliases: ['cpp', 'g++'], runtime: 'gcc' },
};

/** Piston's compile stage, done apart: a syntax check, so compiler errors come from their stage. */
const compileChecks: Record<string, string> = {
  c: 'cat > main.c && exec gcc -fsyntax-only -std=gnu17 main.c',
  cpp: 'cat > main.cpp && exec g++ -fsyntax-only -std=gnu++20 main.cpp',
};

export async function startPistonStandIn(
  bwrap: string,
  limits: Partial<StandInLimits> = {},
): Promise<PistonStandIn> {
  const configured: StandInLimits = {
    runTimeout: 30_000,
    compileTimeout: 10_000,
    outputMaxSize: 65_536,
    ...limits,
  };
  const sandbox = new SandboxDriver(bwrap);
  const runtimes = (await sandbox.languages()).flatMap((info) => {
    const runtime = runtimesBySandboxId[info.id];
    const version = /\d+\.\d+(\.\d+)?/.exec(info.version)?.[0];
    return runtime && version ? [{ ...runtime, version, sandboxId: info.id }] : [];
  });
  const requests: unknown[] = [];

  const execute = async (body: unknown): Promise<[number, unknown]> => {
    requests.push(body);
    const request = body as Partial<PistonExecuteRequest>;
    const runtime = runtimes.find(
      (candidate) =>
        (candidate.language === request.language ||
          candidate.aliases.includes(String(request.language))) &&
        (request.version === '*' || candidate.version === request.version),
    );
    if (!runtime) {
      return [
        400,
        { message: `${String(request.language)}-${String(request.version)} runtime is unknown` },
      ];
    }
    const source = request.files?.[0]?.content;
    if (typeof source !== 'string')
      return [400, { message: 'files[0].content is required as a string' }];
    for (const [name, limit] of [
      ['run_timeout', configured.runTimeout],
      ['compile_timeout', configured.compileTimeout],
    ] as const) {
      const value = request[name];
      if (value !== undefined && value > limit) {
        return [400, { message: `${name} cannot exceed the configured limit of ${limit}` }];
      }
    }
    // Piston ends stdin with a newline if it lacks one.
    const given = request.stdin ?? '';
    const stdin = given.endsWith('\n') ? given : `${given}\n`;
    const answer = { language: runtime.language, version: runtime.version };
    const check = compileChecks[runtime.sandboxId];
    let compile: StandInStage | undefined;
    if (check) {
      compile = toStage(
        await sandbox.run(
          { language: 'bash', code: check, stdin: source },
          {
            wallMs: request.compile_timeout ?? configured.compileTimeout,
            memoryBytes: positive(request.compile_memory_limit) ?? 512 * 1024 * 1024,
            outputBytes: configured.outputMaxSize,
          },
        ),
      );
      // Piston repeats a failed compile stage as `run` (older versions left `run` out).
      if (compile.code !== 0) return [200, { ...answer, compile, run: compile }];
    }
    const run = toStage(
      await sandbox.run(
        { language: runtime.sandboxId, code: source, stdin },
        {
          wallMs: request.run_timeout ?? configured.runTimeout,
          memoryBytes: positive(request.run_memory_limit) ?? 128 * 1024 * 1024,
          outputBytes: configured.outputMaxSize,
        },
      ),
    );
    return [200, { ...answer, ...(compile ? { compile } : {}), run }];
  };

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => send(response, 500, undefined));
  });
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (request.method === 'GET' && request.url === '/api/v2/runtimes') {
      send(
        response,
        200,
        runtimes.map(({ language, version, aliases, runtime }) => ({
          language,
          version,
          aliases,
          ...(runtime ? { runtime } : {}),
        })),
      );
      return;
    }
    if (request.method === 'POST' && request.url === '/api/v2/execute') {
      if (!request.headers['content-type']?.startsWith('application/json')) {
        send(response, 415, { message: 'requests must be of type application/json' });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(request));
      } catch {
        send(response, 400, { message: 'invalid JSON' });
        return;
      }
      const [status, answer] = await execute(body);
      send(response, status, answer);
      return;
    }
    send(response, 404, { message: 'not found' });
  };
  await listen(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await sandbox.close();
    },
  };
}

/** A sandbox result as Piston reports a stage (its `status` codes, signal names, no note of ours). */
function toStage(result: ExecResult): StandInStage {
  const stderr = result.stderr.replace(/\nStopped: [^\n]*\n$/, '');
  const status = result.timedOut
    ? 'TO'
    : result.truncated
      ? 'OL'
      : result.exitCode > 128
        ? 'SG'
        : result.exitCode !== 0
          ? 'RE'
          : null;
  const signal =
    status === 'TO' || status === 'OL'
      ? 'SIGKILL'
      : status === 'SG'
        ? (Object.entries(constants.signals).find(([, n]) => n === result.exitCode - 128)?.[0] ??
          'SIGKILL')
        : null;
  return {
    stdout: result.stdout,
    stderr,
    code: signal === null ? result.exitCode : null,
    signal,
    status,
    output: result.stdout + stderr,
    wall_time: result.durationMs,
    memory: null,
  };
}

const positive = (value: number | undefined) =>
  value !== undefined && value > 0 ? value : undefined;

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json' }).end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Listens on a free port of 127.0.0.1. */
export async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}
