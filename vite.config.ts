import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The web client lives in src/web and is served by the Roomkit server itself in production.
// In development (`npm run dev`) Vite serves it and proxies the API and sockets to the server.
export default defineConfig({
  root: 'src/web',
  plugins: [react()],
  build: {
    outDir: '../../dist/web',
    emptyOutDir: true,
    sourcemap: true,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': 'http://localhost:8080',
      '/socket.io': { target: 'http://localhost:8080', ws: true },
      '/collab': { target: 'http://localhost:8080', ws: true },
    },
  },
});
