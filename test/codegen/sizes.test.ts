// Sizes the generated code cannot index, and a state that is a param, are refused with one line (a RangeError, which the
// CLI reports as a user error), not written as code that does not parse or cannot run.
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel, MAX_ENTRIES } from '../../src/codegen/index.ts';

const model = (hidden: string) => `
cell Elman(x: [in]) -> (h: [hidden]) {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = tanh(W @ x + U @ h)
}
model M {
  dim vocab = 50000, embed = 4, hidden = ${hidden}
  param E: [vocab, embed]
  param V: [vocab, hidden]
  h1 = Elman(E[token], hidden = hidden)
  loss cross_entropy(V @ h1, next)
}
`;

function ir(text: string) {
  const a = analyze('/virtual/big.rnn', { readFile: () => text });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

describe('sizes beyond an array', () => {
  it('a param of 50000 × 50000 entries is refused, naming it', () => {
    const m = ir(model('50000'));
    let error: unknown;
    try {
      compileModel(m);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^model M: param V \[50000, 50000\] has 2\.50e\+9 entries, more than the 2147483647 an array can hold; use smaller dims$/);
  });

  it('the same model with hidden = 4 compiles', () => {
    const m = ir(model('4'));
    expect(compileModel(m, { backward: false }).layout.totalParams).toBeLessThanOrEqual(MAX_ENTRIES);
  });
});

describe('a state that is a param', () => {
  it("h' = b (the param itself at every step) is refused with one line", () => {
    const m = ir(`
cell C(x: [n]) -> (h: [n]) {
  param b: [n]
  h' = b
}
model M {
  dim vocab = 5, n = 3
  param E: [vocab, n]
  h1 = C(E[token], n = n)
  loss cross_entropy(E @ h1, next)
}
`);
    expect(() => compileModel(m)).toThrow(new RangeError("state h1.h: its next value is the param h1.b itself, the same at every step, so there is nothing to carry; use the param directly, or compute the state from its inputs"));
  });
});

describe('a fused loop wider than a WebAssembly function', () => {
  it('1100 bias vectors added in one loop: the loop stays JavaScript, and float32 training runs', () => {
    const terms = Array.from({ length: 1100 }, (_, i) => i);
    const m = ir(`
cell Wide(x: [n]) -> (h: [n]) {
  param W: [n, n]
  param ${terms.map((i) => `b${i}`).join(', ')}: [n]
  s0 = W @ x + b0
${terms.slice(1).map((i) => `  s${i} = s${i - 1} + b${i}`).join('\n')}
  h' = tanh(s${terms.length - 1})
}
model M {
  dim vocab = 5, n = 3
  param E: [vocab, n]
  h1 = Wide(E[token], n = n)
  loss cross_entropy(E @ h1, next)
}
`);
    const c = compileModel(m);
    const { params, grads } = c.createArenas(Float32Array);
    params.fill(0.01);
    const loss = c.instantiate({ Float: Float32Array, B: 2, T: 3, params, grads }).run(Int32Array.of(0, 1, 2, 3, 4, 3, 2, 1));
    expect(Number.isFinite(loss)).toBe(true);
  });
});
