import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { unusedValues } from '../../src/check/rules/unused-values.ts';
import { analyze } from '../../src/frontend.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, warn, withCells } from './helpers.ts';

const CODE = unusedValues.name;

describe(`rule unused-values (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('unused-value');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports nothing on the shipped models', () => {
    for (const dir of ['models', 'models/recipes']) {
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.rnn'))) {
        const a = analyze(`${dir}/${f}`);
        expect(a.diagnostics.filter((d) => d.code === CODE), `${dir}/${f}`).toEqual([]);
      }
    }
  });

  it('warns about a layer whose output nothing reads (it still trains, forward and backward)', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  param E: [vocab, 8]
  param V: [vocab, 8]
  e  = E[token]
  h1 = LSTM(e, hidden = 8)
  h2 = LSTM(h1, hidden = 8)
  loss cross_entropy(V @ h1, next)
}
`))).toEqual([warn(CODE, "layer 'h2' is never read", 'h2', 'remove it, or read it in the loss or a later statement (its states are carried, so training runs it forward and backward at every step)')]);
  });

  it('warns about a model value and a cell gate that nothing reads, once each; a value read only by an unread one is read', () => {
    expect(diagnose(`cell C(x: [n]) -> h: [n] {
  param W: [n, n]
  gate z = sigmoid(W @ x)
  h' = tanh(W @ x + h)
}
model M {
  dim vocab
  param E: [vocab, 4]
  param V: [vocab, 4]
  e = E[token]
  a = tanh(e)
  b = 2 * a
  h = C(e)
  loss cross_entropy(V @ h, next)
}
`)).toEqual([
      warn(CODE, "gate 'z' is never read", 'z', 'remove it, or use it in a state update'),
      warn(CODE, "value 'b' is never read", 'b', 'remove it, or read it in the loss or a later statement'),
    ]);
  });

  it('says nothing in a model without a loss (the loss rule reports that, once) or of a binding called like a function', () => {
    expect(diagnoseCode(CODE, withCells(`model NoLoss {
  dim vocab
  param E: [vocab, 4]
  e = E[token]
}
`))).toEqual([]);
    expect(diagnoseCode(CODE, `cell C(x: [n]) -> h: [n] {
  f = tanh(x)
  h' = f(x)
}
`)).toEqual([]);
  });

  it('counts reads anywhere: a penalty term, a layer argument, a builtin\'s argument', () => {
    expect(diagnoseCode(CODE, withCells(`model M {
  dim vocab
  param E: [vocab, 8]
  param V: [vocab, 8]
  e = E[token]
  h = LSTM(e, hidden = 8)
  d = locked_dropout(h, 0.1)
  loss cross_entropy(V @ h, next)
  loss ar(d, 2)
}
`))).toEqual([]);
  });
});
