// Property: a custom cell whose update is a random element-wise composition of the
// language's builtins and + - * / exports to ONNX and ONNX Runtime computes what rnnc
// computes (log-probabilities and final states within 1e-5). The builtins are read from the
// checker's table, so a new op is drawn here as soon as the language has it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BUILTINS, DROPOUTS } from '../../src/check/builtins.ts';
import { compile } from '../../src/runtime/model.ts';
import { exportOnnx, randomWindow, runOrt, runRnnc, worstDifference } from './onnx-helpers.ts';

const TOL = 1e-5;
const RUNS = Number(process.env.RNNC_ONNX_RUNS ?? 25);
const UNARY = [...BUILTINS.values()].filter((b) => b.elementwise && !DROPOUTS.has(b.name)).map((b) => b.name);
// Arguments kept inside each builtin's domain, and away from overflow over a few steps.
const GUARD: Record<string, (a: string) => string> = { exp: (a) => `tanh(${a})`, log: (a) => `${a} * ${a} + 1` };
const call = (f: string, a: string): string => (f === 'leaky_relu' ? `leaky_relu(${a}, 0.2)` : `${f}(${(GUARD[f] ?? ((x: string) => x))(a)})`);

const leaf = fc.constantFrom('W @ x', 'U @ h', 'b', 'h', 'x');
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(fc.constantFrom(...UNARY), tie('expr')).map(([f, a]) => call(f, a)),
    fc.tuple(fc.constantFrom('+', '-', '*'), tie('expr'), tie('expr')).map(([o, a, b]) => `(${a} ${o} ${b})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `${a} / (${b} * ${b} + 1)`),
    fc.tuple(tie('expr'), fc.constantFrom('0.5', '2', '-1')).map(([a, c]) => `${c} * ${a}`),
    tie('expr').map((a) => `-${a}`),
  ),
}));

const source = (update: string): string => `
cell Rand(x: [n]) -> (h: [n]) {
  param W, U: [n, n]
  param b: [n]  init uniform(0.5)
  h' = tanh(${update})
}
model RandLM {
  dim vocab = 6, embed = 4
  param E: [vocab, embed]  init normal(1)
  param V: [vocab, embed], c: [vocab]
  e  = E[token]
  h1 = Rand(e)
  loss cross_entropy(V @ h1 + c, next)
}
`;

describe('ONNX export of random element-wise cells (oracle: ONNX Runtime)', () => {
  it('draws every element-wise builtin', () => expect(UNARY).toEqual(expect.arrayContaining(['sigmoid', 'tanh', 'relu', 'leaky_relu', 'exp', 'log', 'softplus'])));

  it(`log-probabilities and final states agree within ${TOL} (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(expr, fc.integer({ min: 1, max: 1000 }), async (update, seed) => {
        const file = '/virtual/rand-cell.rnn';
        const text = source(update);
        const model = compile(file, { sources: { [file]: text } }).init(seed);
        const bytes = exportOnnx({ ir: model.ir, weights: model.weights() });
        let s = seed;
        const w = randomWindow(model, 3, 2, () => (s = (s * 16807) % 2147483647) / 2147483647);
        const r = worstDifference(runRnnc(model, w), await runOrt(bytes, model, w));
        expect(r.worst, `${r.where}\n${text}`).toBeLessThanOrEqual(TOL);
      }),
      { numRuns: RUNS },
    );
  });
});
