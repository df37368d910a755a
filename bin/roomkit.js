#!/usr/bin/env node
// The `roomkit` command: runs the built server (dist/, made by `npm run build`). In a checkout
// that was never built, it builds first when the build tools are installed, or says what to run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = new URL('../dist/server/main.js', import.meta.url);

if (!existsSync(main)) {
  const builder = new URL('../scripts/build-if-needed.mjs', import.meta.url);
  const tools = ['typescript', 'vite'].every((name) =>
    existsSync(new URL(`../node_modules/${name}/package.json`, import.meta.url)),
  );
  if (!existsSync(builder) || !tools) {
    process.stderr.write(
      `roomkit: not built yet: run \`npm install && npm run build\` in ${root}, then \`npx roomkit\` again\n`,
    );
    process.exit(1);
  }
  const build = spawnSync(process.execPath, [fileURLToPath(builder)], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(main.href);
