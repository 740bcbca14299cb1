// The gradient check as users import it: `import { checkGradients } from 'rnnc/testing'`.
import { expect, it } from 'vitest';
import { assertGradients, checkGradients } from 'rnnc/testing';

it('rnnc/testing checks a file of cells inside vitest', () => {
  const report = checkGradients('models/cells/elman.rnn', { runs: 3, seed: 1 });
  expect(report.ok).toBe(true);
  expect(report.results.map((r) => r.model)).toEqual(['GradcheckLM_Elman']);
  expect(Math.max(...report.results[0].maxError.values())).toBeLessThan(1e-6);
});

it('assertGradients throws with the problem when a file does not check', () => {
  expect(() => assertGradients('models/does-not-exist.rnn', { runs: 1 })).toThrow(/does-not-exist/);
});
