import { defineConfig } from 'vitest/config';
import { faultTests, shared } from './vitest.config.ts';

/**
 * Proof under faults and load: chaos equivalence, kill -9 recovery, fuzzing of every route and the
 * load test. Each file starts its own hubs and wants the machine to itself, so files run one at a time.
 */
export default defineConfig({
  test: { ...shared, include: faultTests, maxWorkers: 1, fileParallelism: false },
});
