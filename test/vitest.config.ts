import { defineConfig } from 'vitest/config';

/** Unit, adapter, integration (DynamoDB Local) and end-to-end tests; see test/README.md for the layout. */
export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
