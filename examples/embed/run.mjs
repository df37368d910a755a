#!/usr/bin/env node
/**
 * `npm run example:embed`: Roomkit on http://localhost:8080 with this example's integrators.json
 * (unless ROOMKIT_URL names one already running), and the example site on another origin,
 * http://127.0.0.1:8090. Ctrl+C stops both.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readIntegrator, startSite } from './site.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const integratorsFile = join(here, 'integrators.json');

let roomkit = null;
let roomkitUrl = process.env.ROOMKIT_URL;
if (!roomkitUrl) {
  roomkitUrl = 'http://localhost:8080';
  const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-if-needed.mjs')], {
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  roomkit = spawn(process.execPath, [join(root, 'bin', 'roomkit.js')], {
    cwd: root,
    env: { ...process.env, PORT: '8080', INTEGRATORS_FILE: integratorsFile },
    stdio: 'inherit',
  });
  roomkit.once('exit', (code) => {
    console.error(`Roomkit stopped (${code ?? 'signal'})`);
    process.exit(1);
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${roomkitUrl}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`Roomkit did not answer at ${roomkitUrl}`);
    await sleep(250);
  }
}

const site = await startSite({ roomkitUrl, integrator: readIntegrator(integratorsFile) });
console.log(`\nRoomkit: ${roomkitUrl}\nExample site: open ${site.origin}/?as=Ana\n`);

const stop = () => {
  site.server.close();
  roomkit?.removeAllListeners('exit');
  roomkit?.kill('SIGTERM');
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
