import { fileURLToPath } from 'node:url';
import { build, defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { finishWebBuild } from './scripts/webBuildOutput.js';

const outDir = fileURLToPath(new URL('dist/web', import.meta.url));
/** Source maps for whoever debugs a build: beside dist/web, never served. */
const mapsDir = fileURLToPath(new URL('dist/web-sourcemaps', import.meta.url));

/**
 * `/embed.js`, the integrators' snippet: one IIFE defining `window.Roomkit`, under a name that
 * never changes (pages link to it; the server revalidates it on each use), built beside the app.
 */
async function buildEmbedSnippet(): Promise<void> {
  await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    build: {
      outDir,
      emptyOutDir: false,
      copyPublicDir: false,
      sourcemap: 'hidden',
      target: 'es2020',
      lib: {
        entry: fileURLToPath(new URL('src/web/embed/roomkit.ts', import.meta.url)),
        name: 'Roomkit',
        formats: ['iife'],
        fileName: () => 'embed.js',
      },
    },
  });
}

/**
 * After the bundle is written: the embed snippet, then maps out of the served folder, Brotli and
 * gzip copies in.
 */
function webBuildOutput(): Plugin {
  return {
    name: 'roomkit-web-build-output',
    apply: 'build',
    async closeBundle() {
      await buildEmbedSnippet();
      await finishWebBuild(outDir, mapsDir);
    },
  };
}

// The web client lives in src/web and is served by the Roomkit server itself in production.
// In development (`npm run dev`) Vite serves it and proxies the API and sockets to the server.
export default defineConfig({
  root: 'src/web',
  plugins: [react(), webBuildOutput()],
  build: {
    outDir,
    emptyOutDir: true,
    // Maps without a `sourceMappingURL` in the bundles; webBuildOutput moves them out of dist/web.
    sourcemap: 'hidden',
    // dist/web/.vite/manifest.json: which chunks each page loads (bench/web measures the home
    // page's). The server serves no dot-folder.
    manifest: true,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': 'http://localhost:8080',
      '/socket.io': { target: 'http://localhost:8080', ws: true },
      '/collab': { target: 'http://localhost:8080', ws: true },
      // The frame's exchange; the frame itself (/embed) is the app, which Vite serves.
      '/embed/exchange': 'http://localhost:8080',
    },
  },
});
