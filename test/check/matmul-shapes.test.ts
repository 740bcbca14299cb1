import { describe, expect, it } from 'vitest';
import { matmulShapes } from '../../src/check/rules/matmul-shapes.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = matmulShapes.name;

describe(`rule matmul-shapes (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('matmul-shape');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a recurrent matrix applied to the input', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  param b: [hidden]
  h' = tanh(W @ x + U @ x + b)
}
`)).toEqual([
      err(
        CODE,
        'cannot multiply U: [hidden, hidden] by x: [in]: hidden ≠ in',
        'U @ x',
        "the matrix's second dim must equal the vector's length",
      ),
    ]);
  });

  it('reports two matrices whose inner dims differ', () => {
    expect(diagnose(`cell Deep(x: [in]) -> h: [hidden] {
  param A: [hidden, in]
  param B: [hidden, hidden]
  param C: [in, hidden]
  h' = tanh((A @ C) @ (B @ x))
}
`)).toEqual([
      err(
        CODE,
        'cannot multiply B: [hidden, hidden] by x: [in]: hidden ≠ in',
        '(B @ x)',
        "the matrix's second dim must equal the vector's length",
      ),
    ]);
  });

  it('reports a vector on the left of @, with a hint to use *', () => {
    expect(diagnose(`cell Gate(x: [n]) -> h: [n] {
  param g: [n]
  h' = g @ x
}
`)).toEqual([
      err(CODE, 'the left side of @ must be a matrix, but g: [n] is not', 'g @ x', 'for an element-wise product use *'),
    ]);
  });

  it('reports a scalar on the right of @', () => {
    expect(diagnose(`cell Scale(x: [n]) -> h: [n] {
  param W: [n, n]
  h' = W @ 2 + x
}
`)).toEqual([
      err(CODE, 'the right side of @ must be a vector or a matrix, but 2 is a scalar', 'W @ 2', 'to scale by a number use *'),
    ]);
  });

  it('shows the values of bound dims', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  loss cross_entropy(V @ e, next)
}
`))).toEqual([
      err(
        CODE,
        'cannot multiply V: [vocab, hidden] by e: [embed]: hidden = 128 ≠ embed = 64',
        'V @ e',
        "the matrix's second dim must equal the vector's length",
      ),
    ]);
  });

  it('accepts dims that are equal once bound', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 128, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  loss cross_entropy(V @ E[token], next)
}
`))).toEqual([]);
  });
});
