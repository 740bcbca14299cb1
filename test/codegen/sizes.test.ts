// Sizes the generated code cannot index are refused with one line (a RangeError, which the
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
