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
