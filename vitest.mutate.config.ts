// The vitest configuration StrykerJS runs (stryker.config.mjs): the project's own (so tests
// import the mutated TypeScript source, never dist/), without the end-to-end tests — they run
// the CLI in child processes, which never see Stryker's active mutant, so they cannot kill one
// and only cost time — and narrowed by RNNC_MUTATE_TESTS (comma-separated globs) when the
// mutation scope is.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

const only = process.env.RNNC_MUTATE_TESTS;

// Spread rather than mergeConfig, which would append to the base's include list.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: only ? only.split(',') : ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/property/fuzz-check.test.ts', '**/node_modules/**'],
  },
});
