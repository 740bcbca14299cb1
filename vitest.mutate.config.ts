// The vitest configuration StrykerJS runs (stryker.config.mjs): the project's, with the test
// files narrowed by RNNC_MUTATE_TESTS (comma-separated globs) when the mutation scope is.
import { defineConfig } from 'vitest/config';

const only = process.env.RNNC_MUTATE_TESTS;

export default defineConfig({
  test: {
    include: only ? only.split(',') : ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
