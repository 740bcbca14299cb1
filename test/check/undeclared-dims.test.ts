import { describe, expect, it } from 'vitest';
import { undeclaredDims } from '../../src/check/rules/undeclared-dims.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, warn, withCells } from './helpers.ts';

const CODE = undeclaredDims.name;

describe(`rule undeclared-dims (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('unbound-dim');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a misspelled dim once, without a shape cascade', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hiden]
  e = E[token]
  h = LSTM(e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "dim 'hiden' is not declared in model M", 'hiden', "did you mean 'hidden'?"),
    ]);
  });

  it('tells how to bind vocab from the data', () => {
    expect(diagnose(withCells(`model M {
  dim embed = 64
  param E: [vocab, embed]
  loss cross_entropy(E @ E[token], next)
}
`))).toEqual([
      err(
        CODE,
        "dim 'vocab' is not declared in model M",
        'vocab',
        'declare it: dim vocab = … (or just `dim vocab` to bind it from the data)',
      ),
    ]);
  });

  it('asks for a declaration when no dim is close', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param P: [embed, proj]
  param V: [vocab, embed]
  loss cross_entropy(V @ E[token], next)
}
`))).toEqual([
      warn('unused-param', "param 'P' is never used", 'P', 'remove it, or use it in an expression'),
      err(CODE, "dim 'proj' is not declared in model M", 'proj', 'declare it: dim proj = …'),
    ]);
  });

  it('accepts free dims in cells: they are bound per layer', () => {
    expect(diagnose(`cell Proj(x: [in]) -> h: [out] {
  param A: [mid, in]
  param B: [out, mid]
  h' = B @ (A @ x)
}
`)).toEqual([]);
  });
});
