// `npm start`, `npm run bench` and a first `npx roomkit`: build once if dist/ is missing or older
// than the sources. Quietly: one line while it builds; the compiler's and bundler's output only
// if the build fails (`npm run build` shows all of it).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));

// The manifest too: a build from before it was written is rebuilt (bench/web reads it).
const outputs = ['dist/server/main.js', 'dist/web/index.html', 'dist/web/.vite/manifest.json'];
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);

const built = outputs.every((file) => existsSync(file));
const stale = built && newest('src') > Math.min(...outputs.map((file) => statSync(file).mtimeMs));
if (!built || stale) {
  console.log(
    built
      ? 'Sources changed since the last build: rebuilding Roomkit…'
      : 'First start: building Roomkit (a minute or so)…',
  );
  try {
    execSync('npm run build', { stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    process.stderr.write(error.stdout ?? '');
    process.stderr.write(error.stderr ?? '');
    console.error('The build failed (its output is above).');
    process.exit(1);
  }
}
