/**
 * What the web client's build does after Vite has written dist/web (vite.config.ts runs it):
 * source maps leave the served folder, and every text file gets its Brotli and gzip copies, so
 * the server sends compressed assets without compressing anything per request.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** The types worth compressing: scripts, styles, pages, JSON, SVG, the manifest, text. */
export const COMPRESSIBLE_EXTENSIONS = new Set([
  '.js',
  '.mjs',
  '.css',
  '.html',
  '.json',
  '.svg',
  '.webmanifest',
  '.txt',
  '.xml',
]);

/** Every file under `dir`, as paths relative to it; folders starting with `.` are skipped. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push(relative(dir, path));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * Moves every `*.map` under `from` to the same place under `to`: the maps stay on disk for
 * whoever debugs the build, and out of the folder the server serves. The bundles carry no
 * `sourceMappingURL` (Vite's `hidden` maps), so nothing points at them.
 */
export async function moveSourceMaps(from: string, to: string): Promise<string[]> {
  const maps = (await listFiles(from)).filter((file) => file.endsWith('.map'));
  await rm(to, { recursive: true, force: true });
  for (const file of maps) {
    await mkdir(dirname(join(to, file)), { recursive: true });
    await rename(join(from, file), join(to, file));
  }
  return maps;
}

/**
 * Writes `<file>.br` (Brotli, best quality) and `<file>.gz` (gzip, level 9) beside each
 * compressible file under `dir`, each only when it is smaller than the file itself. Maximum
 * quality is affordable here, once per build; the server only picks the copy a client accepts.
 */
export async function precompress(dir: string): Promise<{ file: string; size: number }[]> {
  const files = (await listFiles(dir)).filter((file) =>
    COMPRESSIBLE_EXTENSIONS.has(extname(file).toLowerCase()),
  );
  const written: { file: string; size: number }[] = [];
  for (const file of files) {
    const path = join(dir, file);
    const bytes = await readFile(path);
    const variants: [string, Buffer][] = [
      [
        '.br',
        await brotli(bytes, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
          },
        }),
      ],
      ['.gz', await gzipped(bytes, { level: constants.Z_BEST_COMPRESSION })],
    ];
    for (const [suffix, compressed] of variants) {
      await rm(path + suffix, { force: true });
      if (compressed.byteLength >= bytes.byteLength) continue;
      await writeFile(path + suffix, compressed);
      written.push({ file: file + suffix, size: compressed.byteLength });
    }
  }
  return written;
}

/** Both steps, as the build runs them: maps to `mapsDir`, then the compressed copies. */
export async function finishWebBuild(outDir: string, mapsDir: string): Promise<void> {
  await moveSourceMaps(outDir, mapsDir);
  await precompress(outDir);
}
