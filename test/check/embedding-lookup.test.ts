import { describe, expect, it } from 'vitest';
import { embeddingLookup } from '../../src/check/rules/embedding-lookup.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, unread, withCells } from './helpers.ts';

const CODE = embeddingLookup.name;

describe(`rule embedding-lookup (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('embedding');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports an embedding table whose rows are not the vocabulary', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [hidden, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = LSTM(e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(
        CODE,
        'an embedding table has one row per token, shape [vocab, d], but E: [hidden, embed]',
        'E[token]',
        'declare it as param E: [vocab, embed]',
      ),
    ]);
  });

  it('says so when the table is transposed', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [embed, vocab]
  param V: [vocab, hidden]
  e = E[token]
  h = LSTM(e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(
        CODE,
        'an embedding table has one row per token, shape [vocab, d], but E: [embed, vocab]',
        'E[token]',
        'it is transposed: declare it as param E: [vocab, embed]',
      ),
    ]);
  });

  it('reports a vector used as a table', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  param E: [vocab]
  param V: [vocab, vocab]
  loss cross_entropy(V @ E[token], next)
}
`))).toEqual([
      err(CODE, 'an embedding table is a matrix [vocab, d], but E: [vocab]', 'E[token]'),
    ]);
  });

  it('reports indexing something that is not a param', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = E[token]
  f = e[token]
  loss cross_entropy(V @ e, next)
}
`))).toEqual([
      unread('f', 'value', 'model'),
      err(CODE, 'only an embedding table (a param) can be indexed, not e: [embed]', 'e[token]'),
    ]);
  });

  it('reports an index that is not token, and embedding next', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = E[2]
  f = E[next]
  loss cross_entropy(V @ (e + f), next)
}
`))).toEqual([
      err(CODE, 'an embedding is indexed by the current token: E[token]', '2'),
      err(CODE, "embedding 'next' would feed the answer to the model", 'next', 'write E[token]'),
    ]);
  });

  it('reports token used as a vector and next outside the loss', () => {
    expect(diagnose(withCells(`model M {
  dim vocab
  dim embed = 64, hidden = 128
  param V: [vocab, hidden]
  h = LSTM(token, hidden = hidden)
  y = tanh(next)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(CODE, "'token' is a token index, not a vector", 'token', 'look it up in an embedding: E[token]'),
      unread('y', 'value', 'model'),
      err(CODE, "'next' is a token index, not a vector", 'next', '`next` may only be the target of the loss'),
    ]);
  });

  it('reports an embedding lookup inside a cell once', () => {
    expect(diagnose(`cell Lookup(x: [n]) -> h: [n] {
  param E: [vocab, n]
  h' = E[token] + x
}
`)).toEqual([
      err(
        CODE,
        'a cell cannot index: embedding lookups (E[token]) belong in the model',
        'E[token]',
        'look tokens up in the model and pass the vector to the layer',
      ),
    ]);
  });
});
