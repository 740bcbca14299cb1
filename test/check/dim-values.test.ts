import { describe, expect, it } from 'vitest';
import { dimValues } from '../../src/check/rules/dim-values.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, warn, withCells } from './helpers.ts';

const CODE = dimValues.name;

describe(`rule dim-values (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('dim-value');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a dim declared as 0', () => {
    expect(diagnose(withCells(`model Zero {
  dim vocab
  dim embed = 64, hidden = 0
  param E: [vocab, embed]
  param V: [vocab, embed]
  loss cross_entropy(V @ E[token], next)
}
`))).toEqual([
      err(CODE, "dim 'hidden' must be at least 1, not 0", '0'),
    ]);
  });

  it('reports a literal 0 in a param shape and a port shape', () => {
    expect(diagnose(`cell Z(x: [0]) -> h: [n] {
  param W: [n, 0]
  h' = W @ x
}
`)).toEqual([
      err(CODE, 'a dim must be at least 1, not 0', '0'),
      err(CODE, 'a dim must be at least 1, not 0', '0'),
    ]);
  });

  it('reports a shape shared by a param group once', () => {
    expect(diagnose(`cell G(x: [n]) -> h: [n] {
  param A, B: [0, n]
  h' = x
}
`)).toEqual([
      warn('unused-param', "param 'A' is never used", 'A', 'remove it, or use it in an expression'),
      warn('unused-param', "param 'B' is never used", 'B', 'remove it, or use it in an expression'),
      err(CODE, 'a dim must be at least 1, not 0', '0'),
    ]);
  });
});
