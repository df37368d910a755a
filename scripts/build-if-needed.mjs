// `npm start` and `npm run bench`: build once if dist/ is missing or older than the sources.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const outputs = ['dist/server/main.js', 'dist/web/index.html'];
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }, 0);

const built = outputs.every((file) => existsSync(file));
const stale = built && newest('src') > Math.min(...outputs.map((file) => statSync(file).mtimeMs));
if (!built || stale) {
  console.log(
    built ? 'Sources changed since the last build; rebuilding…' : 'First start: building Roomkit…',
  );
  execSync('npm run build', { stdio: 'inherit' });
}
