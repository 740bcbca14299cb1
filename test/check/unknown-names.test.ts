import { describe, expect, it } from 'vitest';
import { unknownNames } from '../../src/check/rules/unknown-names.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = unknownNames.name;

describe(`rule unknown-names (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('unknown-name');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a misspelled name with a suggestion', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  param b: [hidden]
  h' = tanh(W @ x + U @ hh + b)
}
`)).toEqual([
      err(CODE, "unknown name 'hh' in cell Elman", 'hh', "did you mean 'h'?"),
    ]);
  });

  it('reports a misspelled builtin with a suggestion', () => {
    expect(diagnose(`cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = tanhh(W @ x + U @ h)
}
`)).toEqual([
      err(CODE, "unknown function or cell 'tanhh'", 'tanhh', "did you mean 'tanh'?"),
    ]);
  });

  it('suggests a cell for a misspelled layer', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = Elmann(e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "unknown function or cell 'Elmann'", 'Elmann'),
    ]);
  });

  it('reports a binding called like a function', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {
  f = tanh(x)
  h' = f(x)
}
`)).toEqual([
      err(CODE, "'f' is a binding, not a function or cell", 'f'),
    ]);
  });

  it('reports a prime on an input and on a binding', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {
  y = tanh(x')
  h' = y' + h
}
`)).toEqual([
      err(CODE, "x' names the next value of a state, but 'x' is an input", "x'", 'write x without the prime'),
      err(CODE, "y' names the next value of a state, but 'y' is a binding", "y'", 'write y without the prime'),
    ]);
  });

  it('reports a dim used as a value', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = E[token] * embed
  loss cross_entropy(V @ e, next)
}
`))).toEqual([
      err(
        CODE,
        "'embed' is a dim, not a value",
        'embed',
        'dims are sizes; they can only be used in shapes and as layer arguments',
      ),
    ]);
  });

  it('looks layer dim arguments up among the model dims', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = LSTM(e, hidden = hiddn)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "unknown name 'hiddn' in model M", 'hiddn', "did you mean 'hidden'?"),
    ]);
  });

  it('explains that token exists only in models', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {
  h' = x + token
}
`)).toEqual([
      err(CODE, "unknown name 'token' in cell C", 'token', "'token' exists only in a model; a cell sees its inputs"),
    ]);
  });
});
