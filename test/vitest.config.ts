import { defineConfig } from 'vitest/config';

/** Fault tests (chaos, crash, fuzz, load): heavy, run after the rest one file at a time (test/vitest.faults.config.ts). */
export const faultTests = [
  'test/chaos/**/*.test.ts',
  'test/crash/**/*.test.ts',
  'test/fuzz/**/*.test.ts',
  'test/load/**/*.test.ts',
];

/** Settings every test run shares: one DynamoDB Local per run, forked workers. */
export const shared = {
  root: new URL('..', import.meta.url).pathname,
  globalSetup: ['test/support/global-setup.ts'],
  setupFiles: ['test/support/setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
};

/** Unit, adapter (aws-sdk-client-mock), integration and end-to-end tests. */
export default defineConfig({
  test: {
    ...shared,
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...faultTests],
    maxWorkers: 2,
  },
});
