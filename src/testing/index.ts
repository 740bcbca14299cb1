// `rnnc/testing`: the gradient check for users' own test suites (vitest, node:test, …).
export { checkGradients, assertGradients, relativeError } from './gradcheck.ts';
export type { GradcheckOptions, GradcheckReport, GradcheckResult, Counterexample } from './gradcheck.ts';
