/**
 * Starting and stopping the built server (dist/server/main.js) for the browser journeys: the
 * runner starts one for every file, and a journey that needs a server of its own (one it stops
 * and starts again) starts it here too.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './lib.mjs';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
export const serverEntry = join(root, 'dist', 'server', 'main.js');

/** Every server started and not yet exited, so that a watchdog or a signal can stop them all. */
const running = new Set();

/** Stops every server still running at once (SIGKILL): for a run that is giving up. */
export function killServers() {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Starts the server on `port` (a free one if not given) with `env` added to this process's, and
 * resolves once `GET /healthz` answers 200: `{ child, baseUrl, port, log }`.
 */
export async function startServer({ port, env = {} } = {}) {
  const listenOn = port ?? (await freePort());
  const log = [];
  const child = spawn(process.execPath, [serverEntry], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(listenOn), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const keep = (chunk) => {
    log.push(...chunk.toString().split('\n').filter(Boolean));
    if (log.length > 200) log.splice(0, log.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.once('exit', (code, signal) => (exited = signal ?? `exit code ${code}`));

  const baseUrl = `http://127.0.0.1:${listenOn}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && !exited) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).status === 200) {
        return { child, baseUrl, port: listenOn, log };
      }
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(
    `the server did not answer GET /healthz with 200 ${exited ? `(it stopped: ${exited})` : 'within 20 s'}\n` +
      log.map((line) => `  server| ${line}`).join('\n'),
  );
}

/** SIGTERM (a graceful shutdown), then SIGKILL if it has not exited within 5 s. */
export async function stopServer(server) {
  const child = server?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if (!(await Promise.race([exited.then(() => true), sleep(5_000).then(() => false)]))) {
    child.kill('SIGKILL');
  }
}
