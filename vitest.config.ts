import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    // Probes bubblewrap, Postgres, Redis, redis-server and nginx once; suites without them skip.
    globalSetup: ['test/requirementsSetup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
