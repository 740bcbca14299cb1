import { describe, expect, it } from 'vitest';
import { paramInits } from '../../src/check/rules/param-inits.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err } from './helpers.ts';

const CODE = paramInits.name;

describe(`rule param-inits (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('init');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a misspelled initialiser with a suggestion', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]      init xavir
  param U: [hidden, hidden]  init orthogonal
  h' = tanh(W @ x + U @ h)
}
`)).toEqual([
      err(CODE, "unknown initialiser 'xavir'", 'xavir', "did you mean 'xavier'?"),
    ]);
  });

  it('lists the initialisers when nothing is close', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]  init kaiming
  h' = tanh(W @ x)
}
`)).toEqual([
      err(
        CODE,
        "unknown initialiser 'kaiming'",
        'kaiming',
        'known: xavier, glorot, orthogonal, uniform(a), normal(std), zeros, ones, constant(c)',
      ),
    ]);
  });

  it('reports the wrong number of init arguments', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]      init xavier(1, 2)
  param U: [hidden, hidden]  init orthogonal(2)
  param b: [hidden]          init constant
  h' = tanh(W @ x + U @ h + b)
}
`)).toEqual([
      err(CODE, 'init xavier takes no arguments, but 2 were given', 'xavier(1, 2)', 'write init xavier'),
      err(CODE, 'init orthogonal takes no arguments, but 1 was given', 'orthogonal(2)', 'write init orthogonal'),
      err(CODE, 'init constant takes 1 argument, but 0 were given', 'constant', 'write init constant(c)'),
    ]);
  });

  it('reports a non-positive range or standard deviation', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]      init normal(-1)
  param U: [hidden, hidden]  init uniform(0)
  h' = tanh(W @ x + U @ h)
}
`)).toEqual([
      err(CODE, 'the standard deviation of init normal must be positive, not -1', 'normal(-1)'),
      err(CODE, 'the range of init uniform must be positive, not 0', 'uniform(0)'),
    ]);
  });

  it('reports a matrix initialiser on a vector, once for a group', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]   init xavier
  param b, c: [hidden]    init orthogonal
  h' = tanh(W @ x + b + c)
}
`)).toEqual([
      err(
        CODE,
        "init orthogonal needs a matrix, but 'b', 'c' have 1 dim",
        'orthogonal',
        'use zeros, ones, constant(c), uniform(a) or normal(std) for vectors',
      ),
    ]);
  });

  it('accepts every initialiser with its arguments', () => {
    expect(diagnose(`cell All(x: [n]) -> h: [n] {
  param A: [n, n]  init xavier
  param B: [n, n]  init glorot
  param C: [n, n]  init orthogonal
  param d: [n]     init uniform(0.1)
  param e: [n]     init normal(0.02)
  param f: [n]     init zeros
  param g: [n]     init ones
  param k: [n]     init constant(-0.5)
  h' = A @ (B @ (C @ x)) + d + e + f + g + k
}
`)).toEqual([]);
  });
});
