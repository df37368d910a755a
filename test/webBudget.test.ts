/**
 * The home page's scripts stay under their budget (docs/benchmarks.md, "Web client"), measured
 * on the build in dist/web. CI checks it after its build, in the benchmarks' smoke run
 * (bench/web.bench.ts); here it runs wherever a build exists and skips, in one line, where not.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  chunkKey,
  HOME_PAGE_BUDGET_BYTES,
  homePageWeight,
  manifestPath,
  readManifest,
  staticScripts,
} from '../bench/web/scriptWeight.js';

const built = existsSync(manifestPath());
if (!built) console.warn('skipped: web budget — dist/web is not built (run `npm run build`)');

describe.skipIf(!built)('the home page', () => {
  it(`loads at most ${HOME_PAGE_BUDGET_BYTES / 1000} kB of scripts, gzip, and none of a room's`, async () => {
    const weight = await homePageWeight();
    expect(weight.gzip).toBeLessThanOrEqual(HOME_PAGE_BUDGET_BYTES);
    expect(weight.brotli).toBeLessThan(weight.gzip);
    const manifest = await readManifest();
    const home = new Set(staticScripts(manifest, 'index.html'));
    for (const page of [
      'features/room/RoomPage.tsx',
      'features/share/ShareTargetPage.tsx',
      'features/admin/AdminPage.tsx',
    ]) {
      expect(home.has(manifest[chunkKey(manifest, page)]!.file), page).toBe(false);
    }
  });
});
