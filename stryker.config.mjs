// Mutation testing (StrykerJS): `npm run mutate` mutates src/runtime, src/autodiff and
// src/codegen and runs the vitest suite (without the CLI end-to-end tests, whose child
// processes never see the active mutant) against each mutant. Slow: not part of npm test.
// MUTATE_SCOPE splits the work into runs that each finish in reasonable time on 2 cores:
//   training  train/trainer.ts, train/batches.ts, optim/* (with the tests that exercise them)
//   runtime   the rest of src/runtime, and src/backend (the loader that was codegen's)
//   autodiff  src/autodiff
//   codegen   src/codegen
// (unset: all three folders in one run). `node scripts/mutation-score.mjs` adds the reports up.
// MUTATE_FILES (comma-separated globs inside the scope, with MUTATE_TAG to name its reports)
// runs part of a scope: a run that cannot finish in one sitting is split by files, since an
// interrupted run keeps nothing. MUTATE_IGNORE_STATIC=1 sets Stryker's ignoreStatic: a
// mutant in code that runs when a module loads (names.ts' tables…) and also inside tests is run
// against those tests only, not the whole set in a fresh process each (the codegen chunks
// here: 176 of 231 such mutants); one that runs only at load is Ignored (outside the score:
// say how many with the score). Without it those mutants cost ~80 s each on 2 cores.
const SCOPES = {
  training: ['src/runtime/train/trainer.ts', 'src/runtime/train/batches.ts', 'src/runtime/optim/*.ts'],
  runtime: ['src/runtime/**/*.ts', 'src/backend/**/*.ts', '!src/runtime/train/trainer.ts', '!src/runtime/train/batches.ts', '!src/runtime/optim/*.ts'],
  autodiff: ['src/autodiff/**/*.ts'],
  codegen: ['src/codegen/**/*.ts'],
};
const name = process.env.MUTATE_SCOPE ?? 'all';
if (name !== 'all' && !Object.hasOwn(SCOPES, name)) {
  throw new Error(`MUTATE_SCOPE=${name} is not one of ${Object.keys(SCOPES).join(', ')}`);
}
// MUTATE_TAG names the reports of one run apart from another's (e.g. before/after a change).
const scope = name + (process.env.MUTATE_TAG ? `-${process.env.MUTATE_TAG}` : '');

// The tests each scope runs: those that exercise its code in this process (perTest coverage
// then picks, per mutant, the ones that reach it).
const TESTS = {
  training: ['test/runtime/train.test.ts', 'test/runtime/trainer-*.test.ts', 'test/runtime/reference-trainer.test.ts', 'test/runtime/clip.test.ts', 'test/runtime/optimizers.test.ts', 'test/runtime/optimizers-state.test.ts', 'test/runtime/schedule.test.ts', 'test/runtime/nt-asgd.test.ts', 'test/runtime/optim-mutants-*.test.ts', 'test/runtime/grad-stats.test.ts', 'test/runtime/weight-drop.test.ts'],
  runtime: ['test/runtime/**/*.test.ts', 'test/kernels/**/*.test.ts', 'test/structure/settings.test.ts'],
  autodiff: ['test/autodiff/**/*.test.ts', 'test/graph/**/*.test.ts', 'test/testing/**/*.test.ts', 'test/property/gradcheck-*.test.ts'],
  codegen: ['test/codegen/**/*.test.ts', 'test/autodiff/**/*.test.ts', 'test/kernels/**/*.test.ts'],
};
process.env.RNNC_MUTATE_TESTS = name === 'all' ? '' : TESTS[name].join(',');

const files = process.env.MUTATE_FILES?.split(',').map((f) => f.trim()).filter(Boolean);
if (files && name === 'all') throw new Error('MUTATE_FILES needs a MUTATE_SCOPE (its tests are the scope\'s)');
if (files && !process.env.MUTATE_TAG) throw new Error('MUTATE_FILES needs a MUTATE_TAG naming its reports');

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  mutate: files ?? (name === 'all' ? ['src/runtime/**/*.ts', 'src/autodiff/**/*.ts', 'src/codegen/**/*.ts'] : SCOPES[name]),
  coverageAnalysis: 'perTest',
  ignoreStatic: process.env.MUTATE_IGNORE_STATIC === '1',
  concurrency: 1,
  timeoutMS: 30_000,
  // The initial run of the whole suite with coverage takes minutes on a loaded 2-core machine.
  dryRunTimeoutMinutes: 40,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${scope}.html` },
  jsonReporter: { fileName: `reports/mutation/${scope}.json` },
  // A run interrupted by its time budget (or rerun after a change) retests only what changed.
  incremental: true,
  incrementalFile: `reports/mutation/${scope}-incremental.json`,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
