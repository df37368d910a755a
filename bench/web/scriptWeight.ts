/**
 * What the built web client weighs on the wire: the JavaScript a page loads before it can run,
 * read from Vite's manifest (dist/web/.vite/manifest.json) and the Brotli and gzip copies the
 * build writes beside each file (the bytes the server sends).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_ROOT = fileURLToPath(new URL('../../dist/web', import.meta.url));

/** The home page's JavaScript must stay under this, gzip (the larger of the two encodings). */
export const HOME_PAGE_BUDGET_BYTES = 100_000;

/** One entry of Vite's build manifest. */
export interface ManifestChunk {
  file: string;
  src?: string;
  isEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
}

export type Manifest = Record<string, ManifestChunk>;

export interface FileWeight {
  file: string;
  raw: number;
  gzip: number;
  brotli: number;
}

export interface ScriptWeight {
  files: FileWeight[];
  raw: number;
  gzip: number;
  brotli: number;
}

export const manifestPath = (webRoot = WEB_ROOT) => join(webRoot, '.vite', 'manifest.json');

export async function readManifest(webRoot = WEB_ROOT): Promise<Manifest> {
  const path = manifestPath(webRoot);
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run \`npm run build\` (vite.config.ts writes it)`);
  }
  return JSON.parse(await readFile(path, 'utf8')) as Manifest;
}

/**
 * The script files loading `key` runs before anything else: its chunk and every chunk it
 * imports statically, transitively, minus `loaded` (what the page already had). Dynamic imports
 * are fetched later, when used, and are not counted.
 */
export function staticScripts(manifest: Manifest, key: string, loaded = new Set<string>()) {
  const files: string[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const chunk = manifest[name];
    if (chunk === undefined) throw new Error(`the manifest has no chunk ${name}`);
    if (chunk.file.endsWith('.js') && !loaded.has(chunk.file)) files.push(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  visit(key);
  return files;
}

/** The manifest key of the source whose path ends with `suffix` (`features/room/RoomPage.tsx`). */
export function chunkKey(manifest: Manifest, suffix: string): string {
  const key = Object.keys(manifest).find((name) => name.endsWith(suffix));
  if (key === undefined) throw new Error(`no chunk in the manifest comes from ${suffix}`);
  return key;
}

/** Sizes of `files` as stored and as their `.gz`/`.br` copies (the file's own size if none). */
export async function weigh(files: string[], webRoot = WEB_ROOT): Promise<ScriptWeight> {
  const size = async (path: string, fallback: number) =>
    existsSync(path) ? (await stat(path)).size : fallback;
  const weights: FileWeight[] = [];
  for (const file of files) {
    const path = join(webRoot, file);
    const raw = (await stat(path)).size;
    weights.push({
      file,
      raw,
      gzip: await size(`${path}.gz`, raw),
      brotli: await size(`${path}.br`, raw),
    });
  }
  const sum = (pick: (w: FileWeight) => number) => weights.reduce((n, w) => n + pick(w), 0);
  return {
    files: weights,
    raw: sum((w) => w.raw),
    gzip: sum((w) => w.gzip),
    brotli: sum((w) => w.brotli),
  };
}

/** The home page's scripts (index.html's entry and its static imports), weighed. */
export async function homePageWeight(webRoot = WEB_ROOT): Promise<ScriptWeight> {
  const manifest = await readManifest(webRoot);
  return weigh(staticScripts(manifest, 'index.html'), webRoot);
}

export const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
