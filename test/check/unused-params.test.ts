import { describe, expect, it } from 'vitest';
import { unusedParams } from '../../src/check/rules/unused-params.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, warn, withCells } from './helpers.ts';

const CODE = unusedParams.name;

describe(`rule unused-params (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('unused-param');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('warns about a cell param that is never read', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  param b: [hidden]
  h' = tanh(W @ x + U @ h)
}
`)).toEqual([
      warn(CODE, "param 'b' is never used", 'b', 'remove it, or use it in an expression'),
    ]);
  });

  it('warns about a model param that is never read', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  param b_y: [vocab]
  loss cross_entropy(V @ E[token], next)
}
`))).toEqual([
      warn(CODE, "param 'b_y' is never used", 'b_y', 'remove it, or use it in an expression'),
    ]);
  });

  it('does not warn twice about a duplicated param', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {
  param W: [n, n]
  param W: [n, n]
  h' = x
}
`)).toEqual([
      warn(CODE, "param 'W' is never used", 'W', 'remove it, or use it in an expression'),
      err('duplicate-definition', "param 'W' is already defined at main.rnn:2:9", 'W', 'rename one of them'),
    ]);
  });
});
