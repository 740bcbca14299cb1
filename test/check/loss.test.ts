import { describe, expect, it } from 'vitest';
import { lossRule } from '../../src/check/rules/loss.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, withCells } from './helpers.ts';

const CODE = lossRule.name;

describe(`rule loss (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('loss');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a model without a loss', () => {
    expect(diagnose(withCells(`model NoLoss {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  e = E[token]
}
`))).toEqual([
      err(CODE, 'model NoLoss has no loss', 'NoLoss', 'add one, e.g. loss cross_entropy(V @ h + b, next)'),
    ]);
  });

  it('reports a second loss', () => {
    expect(diagnose(withCells(`model Two {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V, W: [vocab, embed]
  e = E[token]
  loss cross_entropy(V @ e, next)
  loss cross_entropy(W @ e, next)
}
`))).toEqual([
      err(CODE, 'model Two already has a loss (line 7)', 'loss cross_entropy(W @ e, next)', 'a model trains on one loss'),
    ]);
  });

  it('reports a loss that is not cross_entropy', () => {
    expect(diagnose(withCells(`model Mse {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = E[token]
  loss tanh(V @ e)
}
`))).toEqual([
      err(CODE, 'the loss must be cross_entropy(logits, next)', 'tanh(V @ e)', 'write: loss cross_entropy(V @ h + b, next)'),
    ]);
  });

  it('reports a target that is not next or token, once', () => {
    expect(diagnose(withCells(`model Target {
  dim vocab
  dim embed = 64
  param E: [vocab, embed]
  param V: [vocab, embed]
  e = E[token]
  loss cross_entropy(V @ e, next + 1)
}
`))).toEqual([
      err(
        CODE,
        'the target of cross_entropy must be `next` (language modelling), `token` or `token@k`',
        'next + 1',
        'write: loss cross_entropy(logits, next)',
      ),
    ]);
  });

  it('reports logits that are not [vocab]', () => {
    expect(diagnose(withCells(`model Logits {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param W: [hidden, embed]
  e = E[token]
  h = LSTM(e, hidden = hidden)
  loss cross_entropy(W @ e + h, next)
}
`))).toEqual([
      err(
        CODE,
        'the logits of cross_entropy must have shape [vocab], but W @ e + h: [hidden]',
        'W @ e + h',
        'project to the vocabulary first, e.g. V @ h + b with param V: [vocab, …], b: [vocab]',
      ),
    ]);
  });

  it('reports a model with no vocab dim', () => {
    expect(diagnose(withCells(`model Fixed {
  dim words = 100, embed = 64
  param E: [words, embed]
  param V: [words, embed]
  e = E[token]
  loss cross_entropy(V @ e, next)
}
`))).toEqual([
      err(
        CODE,
        "model Fixed declares no dim 'vocab'",
        'Fixed',
        'add `dim vocab`: it is bound to the vocabulary size of the data',
      ),
    ]);
  });
});
