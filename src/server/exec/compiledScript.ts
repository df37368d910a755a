import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { transform } from 'esbuild';

const compiled = new Map<string, Promise<URL>>();

/**
 * A script the exec drivers start in a thread or process of its own (`wasmWorker`,
 * `pythonHost`): beside this file once built; from source (tests run TypeScript) it is
 * transpiled once into node_modules/.cache so that its package imports still resolve. Such a
 * script imports nothing relative.
 */
export function compiledScript(name: string): Promise<URL> {
  let url = compiled.get(name);
  if (!url) {
    url = compile(name);
    compiled.set(name, url);
  }
  return url;
}

async function compile(name: string): Promise<URL> {
  const built = new URL(`./${name}.js`, import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  const source = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  const { code } = await transform(await readFile(source, 'utf8'), {
    loader: 'ts',
    format: 'esm',
  });
  const cache = join(process.cwd(), 'node_modules', '.cache', 'roomkit-exec');
  await mkdir(cache, { recursive: true });
  // By its real path: Node's permission model checks the path a script resolves to, so a
  // symlinked node_modules would keep the Python process from reading its own script.
  const dir = await realpath(cache);
  // Named by content and renamed into place, so parallel test processes share one file safely.
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = join(dir, `${name}-${hash}.mjs`);
  if (!existsSync(file)) {
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, code);
    await rename(temporary, file);
  }
  return pathToFileURL(file);
}
