#!/usr/bin/env node
/**
 * Browser journeys through the built app (`npm run build` first). Starts dist/server/main.js on
 * a free port, drives Debian's Chromium with playwright-core, and runs the journeys of every
 * e2e/*.e2e.mjs file in order; when a file's first journey (which sets the scene) fails, the
 * rest of that file is counted as failed without running. The last line printed is
 * `e2e: N passed, N failed`; the exit code is non-zero on any failure.
 *
 *   CHROMIUM_PATH=/usr/bin/chromium node e2e/run.mjs
 *   E2E_ONLY=header node e2e/run.mjs     # only the files whose name contains "header"
 *
 * Screenshots go to e2e/artifacts/. The server and the browser are always stopped at the end.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { killServers, serverEntry, startServer, stopServer } from './server.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');
const artifacts = join(here, 'artifacts');
const webIndex = join(root, 'dist', 'web', 'index.html');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * The whole run, as a last resort against a hang: the journeys take about 8 minutes on two
 * busy cores (five pages through Janus alone take two), so a hang shows at twice that.
 */
const RUN_MS = 900_000;

function preflight() {
  for (const [path, build] of [
    [serverEntry, 'npm run build:server'],
    [webIndex, 'npm run build:web'],
  ]) {
    if (!existsSync(path))
      return `${path} is missing; run \`${build}\` (or \`npm run build\`) first.`;
  }
  if (!existsSync(chromiumPath)) {
    return `no Chromium at ${chromiumPath}; install it (apt-get install -y chromium) or set CHROMIUM_PATH.`;
  }
  return null;
}

async function main() {
  const problem = preflight();
  if (problem) {
    console.error(`e2e: ${problem}`);
    return { passed: 0, failed: 1 };
  }
  mkdirSync(artifacts, { recursive: true });
  for (const name of readdirSync(artifacts)) {
    if (name.startsWith('failure-')) rmSync(join(artifacts, name)); // from an earlier run
  }
  // E2E_ONLY=roomLife,chat runs only the files whose names contain one of those; unset, all.
  const only = (process.env.E2E_ONLY ?? '').split(',').filter(Boolean);
  const files = readdirSync(here)
    .filter((name) => name.endsWith('.e2e.mjs'))
    .filter((name) => only.length === 0 || only.some((part) => name.includes(part)))
    .sort();

  let server;
  let browser;
  let passed = 0;
  let failed = 0;
  try {
    server = await startServer();
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Calls (call.e2e.mjs): a fake camera and microphone, granted without asking, a fake
        // screen to share, and sound that plays without a click first.
        // 15 frames a second rather than 30: five pages coding video share two cores.
        '--use-fake-device-for-media-stream=fps=15',
        '--use-fake-ui-for-media-stream',
        '--auto-select-desktop-capture-source=Entire screen',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    for (const file of files) {
      const { journeys, pagesOf } = await import(pathToFileURL(join(here, file)).href);
      console.log(file);
      const world = {};
      const problems = [];
      let sceneFailed = false;
      for (const [index, journey] of journeys.entries()) {
        const started = Date.now();
        if (sceneFailed) {
          failed += 1;
          console.log(`  ✗ ${journey.name}\n    not run: the first journey of this file failed`);
          continue;
        }
        try {
          await journey.run({ browser, baseUrl: server.baseUrl, artifacts, world, problems });
          if (problems.length > 0) throw new Error(problems.splice(0).join('\n'));
          passed += 1;
          console.log(`  ✓ ${journey.name} (${Date.now() - started} ms)`);
        } catch (error) {
          failed += 1;
          if (index === 0) sceneFailed = true;
          console.log(
            `  ✗ ${journey.name}\n    ${String(error?.message ?? error).replaceAll('\n', '\n    ')}`,
          );
          for (const [label, page] of Object.entries(pagesOf?.(world) ?? {})) {
            if (page && !page.isClosed()) {
              const path = join(
                artifacts,
                `failure-${file.replace('.e2e.mjs', '')}-${index + 1}-${label}.png`,
              );
              await page.screenshot({ path }).catch(() => {});
            }
          }
        }
      }
      // What a file opened goes with it: a call left running would send video (and spend a
      // core) through every file after it.
      for (const context of browser.contexts()) await context.close().catch(() => {});
    }
    if (failed > 0) {
      console.log('server log (last lines):');
      for (const line of server.log.slice(-40)) console.log(`  ${line}`);
    }
  } catch (error) {
    console.error(`e2e: ${error?.message ?? error}`);
    failed += 1;
  } finally {
    await browser?.close().catch(() => {});
    await stopServer(server);
  }
  return { passed, failed };
}

function abort(reason) {
  console.error(`e2e: ${reason}`);
  killServers();
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
const watchdog = setTimeout(() => abort(`gave up after ${RUN_MS / 1000} s`), RUN_MS);
watchdog.unref();
process.once('SIGINT', () => abort('interrupted'));
process.once('SIGTERM', () => abort('terminated'));

const { passed, failed } = await main();
clearTimeout(watchdog);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
