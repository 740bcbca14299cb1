import { describe, expect, it } from 'vitest';
import { weightTying } from '../../src/check/rules/weight-tying.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = weightTying.name;

describe(`rule weight-tying (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('weight-tying');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a tied embedding whose width is not the hidden size', () => {
    expect(diagnose(withCells(`model WordLSTMTied {
  dim vocab
  dim embed = 200, hidden = 256
  param E: [vocab, embed]  init uniform(0.1)
  param b_y: [vocab]       init zeros
  e  = E[token]
  h1 = LSTM(e,  hidden = hidden)
  h2 = LSTM(h1, hidden = hidden)
  loss cross_entropy(E @ h2 + b_y, next)
}
`))).toEqual([
      err(
        CODE,
        "tied weight 'E' (also used on line 6) does not fit here: E: [vocab, embed] cannot multiply h2: [hidden] (embed = 200 ≠ hidden = 256)",
        'E @ h2',
        'make the dims equal (embed = hidden), or add a projection: param P: [embed, hidden] and write E @ (P @ h2)',
      ),
    ]);
  });

  it('parenthesises the operand in the projection hint', () => {
    expect(diagnose(withCells(`model Tied {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  e = E[token]
  h = LSTM(e, hidden = hidden)
  loss cross_entropy(E @ tanh(h) + E @ (h - h), next)
}
`))).toEqual([
      err(
        CODE,
        "tied weight 'E' (also used on lines 5, 7) does not fit here: E: [vocab, embed] cannot multiply tanh(h): [hidden] (embed = 64 ≠ hidden = 128)",
        'E @ tanh(h)',
        'make the dims equal (embed = hidden), or add a projection: param P: [embed, hidden] and write E @ (P @ tanh(h))',
      ),
      err(
        CODE,
        "tied weight 'E' (also used on lines 5, 7) does not fit here: E: [vocab, embed] cannot multiply (h - h): [hidden] (embed = 64 ≠ hidden = 128)",
        'E @ (h - h)',
        'make the dims equal (embed = hidden), or add a projection: param P: [embed, hidden] and write E @ (P @ (h - h))',
      ),
    ]);
  });

  it('reports a transposed tie', () => {
    expect(diagnose(withCells(`model Tied {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param F: [embed, vocab]
  e = F^T @ E[token]
  loss cross_entropy(F^T @ e, next)
}
`))).toEqual([
      err(
        CODE,
        "tied weight 'F' (also used on line 6) does not fit here: F^T: [vocab, embed] cannot multiply e: [vocab] (embed = 64 ≠ vocab)",
        'F^T @ e',
        'make the dims equal (embed = vocab), or add a projection: param P: [embed, vocab] and write F^T @ (P @ e)',
      ),
    ]);
  });

  it('does not give a dims-equal hint for a computed dim', () => {
    expect(diagnose(withCells(`model Tied {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  e = E[token]
  h = Elman(e, hidden = 2 * embed)
  loss cross_entropy(E @ h, next)
}
`))).toEqual([
      err(
        CODE,
        "tied weight 'E' (also used on line 5) does not fit here: E: [vocab, embed] cannot multiply h: [2*embed] (embed = 64 ≠ 2*embed = 128)",
        'E @ h',
        'add a projection: param P: [embed, 128] and write E @ (P @ h)',
      ),
    ]);
  });

  it('leaves reuse inside a cell to matmul-shape', () => {
    expect(diagnose(`cell Shared(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  h' = tanh(W @ x + W @ h)
}
`)).toEqual([
      err(
        'matmul-shape',
        'cannot multiply W: [hidden, in] by h: [hidden]: in ≠ hidden',
        'W @ h',
        "the matrix's second dim must equal the vector's length",
      ),
    ]);
  });
});
