import { describe, expect, it } from 'vitest';
import { elementwiseShapes } from '../../src/check/rules/elementwise-shapes.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, unread, withCells } from './helpers.ts';

const CODE = elementwiseShapes.name;

describe(`rule elementwise-shapes (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('elementwise-shape');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports adding a bias of the input size to a hidden vector', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  param b: [in]
  h' = tanh(W @ x + U @ h + b)
}
`)).toEqual([
      err(
        CODE,
        'cannot add W @ x + U @ h: [hidden] and b: [in]: element-wise operands need equal shapes',
        'W @ x + U @ h + b',
      ),
    ]);
  });

  it('reports a subtraction in the order the words read', () => {
    expect(diagnose(`cell Diff(x: [in]) -> h: [hidden] {
  h' = h - x
}
`)).toEqual([
      err(CODE, 'cannot subtract x: [in] from h: [hidden]: element-wise operands need equal shapes', 'h - x'),
    ]);
  });

  it('reports * between a matrix and a vector, with a hint to use @', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  h' = tanh(W * x)
}
`)).toEqual([
      err(
        CODE,
        'cannot multiply W: [hidden, in] by x: [in]: element-wise operands need equal shapes',
        'W * x',
        'for a matrix-vector product use @',
      ),
    ]);
  });

  it('reports a division of mismatched vectors', () => {
    expect(diagnose(`cell Norm(x: [in]) -> h: [hidden] {
  h' = h / x
}
`)).toEqual([
      err(CODE, 'cannot divide h: [hidden] by x: [in]: element-wise operands need equal shapes', 'h / x'),
    ]);
  });

  it('compares bound model dims by value', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 64, proj = 32
  param E: [vocab, embed]
  param V: [vocab, embed]
  param b: [hidden]
  param c: [proj]
  e = E[token] + b
  f = e * c
  loss cross_entropy(V @ e, next)
}
`))).toEqual([
      unread('f', 'value', 'model'),
      err(CODE, 'cannot multiply e: [embed] by c: [proj]: element-wise operands need equal shapes', 'e * c'),
    ]);
  });

  it('accepts scalars on either side', () => {
    expect(diagnose(`cell Scale(x: [n]) -> h: [n] {
  h' = 2 * x - 1 + x / 3 - (1 - h)
}
`)).toEqual([]);
  });
});
