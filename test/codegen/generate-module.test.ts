// What generate() returns besides the code's numbers: the loss-only inference code of an
// adaptive softmax (no logits), the carried token history's layout entry, `rnnc compile
// --emit js`'s arena table and usage lines, and the sizes refused before any code is written.
import { describe, expect, it } from 'vitest';
import { asModule, compileModel, MAX_ENTRIES } from '../../src/codegen/index.ts';
import { modelFromFile, modelFromText } from '../autodiff/helpers.ts';

describe('the code each option asks for', () => {
  const adaptive = modelFromFile('test/codegen/models/adaptive.rnn', { vocab: 9 });
  const make = (c: ReturnType<typeof compileModel>) => c.instantiate({ Float: Float64Array, B: 1, T: 2, params: new Float64Array(c.layout.totalParams), grads: new Float64Array(c.layout.totalParams) });

  it('inference without logits: the adaptive softmax reads its head and the targets’ clusters only, and says it has no logits', () => {
    const c = compileModel(adaptive, { backward: false, logits: false });
    expect(c.source).toMatch(/k\.adaptiveXent\(/);
    expect(c.source).not.toMatch(/adaptiveLogProbs/);
    expect(() => make(c).logits(0)).toThrow(/^this code \(the loss alone\) has no logits/);
  });

  it('inference by default (and with logits: true) computes every word’s log-probability', () => {
    for (const c of [compileModel(adaptive, { backward: false }), compileModel(adaptive, { backward: false, logits: true })]) {
      expect(c.source).toMatch(/adaptiveLogProbs/);
      expect(make(c).logits(0)).toHaveLength(9);
    }
  });

  it('training code never computes logits, even when asked to', () => {
    expect(compileModel(adaptive, { logits: true }).source).not.toMatch(/adaptiveLogProbs/);
  });
});

describe('the layout', () => {
  it('offset lookups (token@-3) carry the last 3 tokens as one more state: [H], not reversed, after the layers’ states', () => {
    const m = modelFromFile('models/window-lm.rnn', { vocab: 7, embed: 3, hidden: 4 });
    const { states } = compileModel(m).layout;
    expect(states.at(-1)).toEqual({ name: 'token@history', shape: [3], size: 3, reverse: false });
    expect(compileModel(m).source).toContain('// token history: the last 3 tokens before the window, as id + 1 (0 = before the stream\'s start: the pad, a zero row)');
  });

  it('a model without offsets has no history state', () => {
    const m = modelFromFile('models/char-lstm.rnn', { vocab: 5, embed: 2, hidden: 3 });
    expect(compileModel(m).layout.states.map((s) => s.name)).toEqual(['h1.h', 'h1.c', 'h2.h', 'h2.c']);
  });
});

describe('asModule (rnnc compile --emit js)', () => {
  it('the code, then the arena table (offset, size, shape, name), the usage, and one default export', () => {
    const m = modelFromText(`model T {
  dim vocab = 5, n = 3
  param E: [vocab, n]
  param b: [vocab]
  loss cross_entropy(E @ E[token] + b, next)
}
`);
    const c = compileModel(m);
    const text = asModule({ source: `${c.source}\n\n  \n`, layout: c.layout });
    expect(text.startsWith(`${c.source.trimEnd()}\n\n// The parameter arena`)).toBe(true);
    const offsetOfB = c.layout.params[1].offset;
    expect(text.slice(c.source.trimEnd().length).split('\n')).toEqual([
      '',
      '',
      `// The parameter arena (${c.layout.totalParams} values; the gradient arena has the same layout):`,
      '//      offset       size  shape  name',
      '//           0         15  [5, 3]  E',
      `//   ${String(offsetOfB).padStart(9)}          5  [5]  b`,
      '// Usage: create({ alloc: (n) => new Float32Array(n) (or Float64Array), k: the kernels rnnc exports as `support` },',
      '//               { B, T, params, grads }) → { run(tokens, opts), initial, finals, resetStates, logits }.',
      'export default create;',
      '',
    ]);
  });
});

describe('sizes beyond an array, checked before any code is written', () => {
  const compileText = (text: string) => () => compileModel(modelFromText(text));

  it('a param of exactly 2^31 − 1 entries fits an array, but not the arena beside the others (padding included)', () => {
    expect(MAX_ENTRIES).toBe(2147483647);
    expect(compileText(`model M {\n  dim vocab = 2147483647\n  param b: [vocab]\n  loss cross_entropy(b, next)\n}\n`)).toThrow(
      new RangeError('model M has 2.15e+9 parameters, more than the 2147483647 an arena can hold; use smaller dims'),
    );
  });

  it('params that fit, but one value of the step (a concat of two) that does not: named by its op', () => {
    expect(compileText(`model M {\n  dim vocab = 5, n = 1073741824\n  param b: [n]\n  param c: [vocab]\n  loss cross_entropy(c, next)\n  loss ar(dropout(concat(b, b), 0.1), 1)\n}\n`)).toThrow(
      new RangeError('model M: the value concat [2147483648] has 2.15e+9 entries, more than the 2147483647 an array can hold; use smaller dims'),
    );
  });
});
