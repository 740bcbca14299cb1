// The vitest configuration StrykerJS runs (stryker.config.mjs): the project's own (so tests
// import the mutated TypeScript source, never dist/), without the end-to-end tests — they run
// the CLI in child processes, which never see Stryker's active mutant, so they cannot kill one
// and only cost time — and narrowed by RNNC_MUTATE_TESTS (comma-separated globs) when the
// mutation scope is. MUTATE_SKIP_TESTS (comma-separated globs) leaves more tests out: a chunk that
// mutates the kernels (src/codegen/support.ts) runs them instrumented, where a whole training
// test outlasts its timeout in the initial run (test/codegen/float32-training.test.ts).
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

const only = process.env.RNNC_MUTATE_TESTS;

// Spread rather than mergeConfig, which would append to the base's include list.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: only ? only.split(',') : ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/property/fuzz-check.test.ts', '**/node_modules/**', ...(process.env.MUTATE_SKIP_TESTS?.split(',').filter(Boolean) ?? [])],
  },
});
