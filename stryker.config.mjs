// Mutation testing (StrykerJS): `npm run mutate` mutates src/runtime, src/autodiff and
// src/codegen and runs the vitest suite against each mutant (slow: not part of npm test).
// MUTATE_SCOPE=training narrows it to the training loop (train/trainer.ts, train/batches.ts,
// optim/*) and the test files that exercise it, which finishes in minutes on 2 cores.
const training = process.env.MUTATE_SCOPE === 'training';
// MUTATE_TAG names the reports of one run apart from another's (e.g. before/after a change).
const scope = (training ? 'training' : 'all') + (process.env.MUTATE_TAG ? `-${process.env.MUTATE_TAG}` : '');

process.env.RNNC_MUTATE_TESTS = training
  ? ['test/runtime/train.test.ts', 'test/runtime/trainer-*.test.ts', 'test/runtime/reference-trainer.test.ts', 'test/runtime/clip.test.ts', 'test/runtime/optimizers.test.ts', 'test/runtime/schedule.test.ts'].join(',')
  : '';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: training
    ? ['src/runtime/train/trainer.ts', 'src/runtime/train/batches.ts', 'src/runtime/optim/*.ts']
    : ['src/runtime/**/*.ts', 'src/autodiff/**/*.ts', 'src/codegen/**/*.ts'],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 30_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${scope}.html` },
  jsonReporter: { fileName: `reports/mutation/${scope}.json` },
  // A run interrupted by its time budget (or rerun after a change) retests only what changed.
  incremental: true,
  incrementalFile: `reports/mutation/${scope}-incremental.json`,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
