import { describe, expect, it } from 'vitest';
import { builtinArguments } from '../../src/check/rules/builtin-arguments.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, unread } from './helpers.ts';

const CODE = builtinArguments.name;

describe(`rule builtin-arguments (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('builtin-arguments');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a unary builtin given two arguments', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = tanh(W @ x, U @ h)
}
`)).toEqual([
      err(CODE, 'tanh takes 1 argument, but 2 were given', 'tanh(W @ x, U @ h)', 'its signature is tanh(x)'),
    ]);
  });

  it('reports a builtin given no arguments', () => {
    expect(diagnose(`cell Gate(x: [n]) -> h: [n] {
  g = sigmoid()
  h' = x
}
`)).toEqual([
      unread('g'),
      err(CODE, 'sigmoid takes 1 argument, but 0 were given', 'sigmoid()', 'its signature is sigmoid(x)'),
    ]);
  });

  it('reports concat with a single vector and leaky_relu with three arguments', () => {
    expect(diagnose(`cell Mix(x: [n]) -> h: [n] {
  a = concat(x)
  b = leaky_relu(x, 0.1, 0.2)
  h' = x
}
`)).toEqual([
      unread('a'),
      err(CODE, 'concat takes at least 2 arguments, but 1 was given', 'concat(x)', 'its signature is concat(a, b, ...)'),
      unread('b'),
      err(
        CODE,
        'leaky_relu takes 1 or 2 arguments, but 3 were given',
        'leaky_relu(x, 0.1, 0.2)',
        'its signature is leaky_relu(x, slope = 0.01)',
      ),
    ]);
  });

  it('reports a dropout rate outside [0, 1)', () => {
    expect(diagnose(`cell Drop(x: [n]) -> h: [n] {
  h' = dropout(x, 1.5)
}
`)).toEqual([
      err(
        CODE,
        'the dropout rate must be in [0, 1), not 1.5',
        '1.5',
        'p is the probability of zeroing a unit, e.g. dropout(h, 0.5)',
      ),
    ]);
  });

  it('reports a rate that is a name, not a number literal, once', () => {
    expect(diagnose(`cell Drop(x: [n]) -> h: [n] {
  h' = dropout(x, p)
}
`)).toEqual([
      err(CODE, 'the rate of dropout must be a number literal', 'p', 'its signature is dropout(x, p)'),
    ]);
  });

  it('reports a named argument to a builtin, with the positional call as hint', () => {
    expect(diagnose(`cell Leaky(x: [n]) -> h: [n] {
  h' = leaky_relu(x, slope = 0.1)
}
`)).toEqual([
      err(CODE, 'leaky_relu takes its arguments by position, not by name', 'slope = 0.1', 'write leaky_relu(x, 0.1)'),
    ]);
  });

  it('reports concat of a matrix', () => {
    expect(diagnose(`cell Cat(x: [n]) -> h: [n] {
  param W: [n, n]
  k = concat(x, W)
  h' = x
}
`)).toEqual([
      unread('k'),
      err(CODE, 'concat joins vectors, but W: [n, n] is not a vector', 'W'),
    ]);
  });

  it('reports transposing a vector, by builtin and by ^T', () => {
    expect(diagnose(`cell Flip(x: [n]) -> h: [n] {
  a = transpose(x)
  b = x^T
  h' = x
}
`)).toEqual([
      unread('a'),
      err(CODE, 'only a matrix can be transposed, but x: [n] is not', 'x'),
      unread('b'),
      err(CODE, 'only a matrix can be transposed, but x: [n] is not', 'x^T'),
    ]);
  });
});
