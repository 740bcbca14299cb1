import { describe, expect, it } from 'vitest';
import { builtinArguments } from '../../src/check/rules/builtin-arguments.ts';
import { diagnose, err, withCells } from './helpers.ts';

const CODE = builtinArguments.name;
const model = (line: string) =>
  withCells(`use "lstm.rnn"
model M {
  dim vocab
  dim embed = 4, hidden = 4
  param E: [vocab, embed]
  param b: [vocab]
  ${line}
  h = LSTM(e, hidden = hidden)
  loss cross_entropy(E @ h + b, next)
}
`);

describe('locked_dropout and embedding_dropout arguments', () => {
  it('accept a lookup, and any vector', () => {
    expect(diagnose(model('e = locked_dropout(embedding_dropout(E[token], 0.1), 0.4)'))).toEqual([]);
  });

  it('reject a rate outside [0, 1)', () => {
    expect(diagnose(model('e = locked_dropout(E[token], 1)'))).toEqual([
      err(CODE, 'the dropout rate must be in [0, 1), not 1', '1', 'p is the probability of zeroing a unit, e.g. locked_dropout(h, 0.5)'),
    ]);
    expect(diagnose(model('e = embedding_dropout(E[token], 1.5)'))).toContainEqual(
      err(CODE, 'the dropout rate must be in [0, 1), not 1.5', '1.5', 'p is the probability of zeroing a unit, e.g. embedding_dropout(E[token], 0.1)'),
    );
  });

  it('reject a rate that is not a literal', () => {
    expect(diagnose(model('e = locked_dropout(E[token], embed)'))).toContainEqual(err(CODE, 'the rate of locked_dropout must be a number literal', 'embed', 'its signature is locked_dropout(x, p)'));
  });

  it('reject embedding_dropout of something other than a lookup', () => {
    expect(diagnose(model('e = embedding_dropout(tanh(E[token]), 0.1)'))).toEqual([
      err(CODE, 'embedding_dropout drops rows of an embedding table, so its argument must be a lookup E[token], not tanh(E[token])', 'tanh(E[token])', 'for other values use dropout(x, p) or locked_dropout(x, p)'),
    ]);
  });
});

describe('ar and tar penalties', () => {
  const withLoss = (lines: string) =>
    withCells(`use "lstm.rnn"
model M {
  dim vocab
  dim embed = 4, hidden = 4
  param E: [vocab, embed]
  param b: [vocab]
  e = E[token]
  h = LSTM(e, hidden = hidden)
  hd = locked_dropout(h, 0.5)
  loss cross_entropy(E @ hd + b, next)
  ${lines}
}
`);

  it('are extra loss statements of a model', () => {
    expect(diagnose(withLoss('loss ar(hd, 2)\n  loss tar(h, 1)'))).toEqual([]);
  });

  it('tar needs a layer output', () => {
    expect(diagnose(withLoss('loss tar(hd, 1)'))).toEqual([
      err(CODE, 'tar needs the output of a forward layer, so that its value at the previous step exists, but hd is not one', 'hd', 'name a layer: h = LSTM(x, hidden = 256), then loss tar(h, 1)'),
    ]);
  });

  it('the weight is a non-negative literal', () => {
    expect(diagnose(withLoss('loss ar(hd, embed)'))).toContainEqual(err(CODE, 'the weight of ar must be a number literal', 'embed', 'its signature is ar(h, alpha)'));
  });

  it('only as the whole of a loss statement', () => {
    expect(diagnose(withLoss('x = ar(hd, 2)'))).toContainEqual(
      err('placement', "ar is a penalty added to the training loss, so it can only be the whole of a model's loss statement", 'ar(hd, 2)', 'write: loss ar(h, 2)'),
    );
  });

  it('do not count as a second cross-entropy, but a second cross-entropy is still one too many', () => {
    const found = diagnose(withLoss('loss ar(hd, 2)\n  loss cross_entropy(E @ h + b, next)'));
    expect(found.map((f) => f.code)).toEqual(['loss']);
  });
});
