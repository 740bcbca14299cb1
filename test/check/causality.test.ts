import { describe, expect, it } from 'vitest';
import { causality } from '../../src/check/rules/causality.ts';
import { VALID_PROGRAMS, diagnose, diagnoseCode, err, unread, withCells } from './helpers.ts';

const CODE = causality.name;

describe(`rule causality (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('causality');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('reports a reversed layer that feeds a loss on next directly', () => {
    expect(diagnose(withCells(`model Backwards {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = reverse LSTM(e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([
      err(
        CODE,
        'reverse LSTM reads the sequence from its end, so it has already seen the token to predict; it cannot feed the loss on next',
        'reverse LSTM(e, hidden = hidden)',
        'remove `reverse`, or predict `token` (an encoder objective) instead of `next`',
      ),
    ]);
  });

  it('follows bindings from the loss back to the reversed layer', () => {
    expect(diagnose(withCells(`model BiStack {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e  = E[token]
  h1 = reverse GRU(e, hidden = hidden)
  h2 = LSTM(h1, hidden = hidden)
  y  = tanh(V @ h2)
  loss cross_entropy(y, next)
}
`))).toEqual([
      err(
        CODE,
        'reverse GRU reads the sequence from its end, so it has already seen the token to predict; it cannot feed the loss on next (through h2 -> y)',
        'reverse GRU(e, hidden = hidden)',
        'remove `reverse`, or predict `token` (an encoder objective) instead of `next`',
      ),
    ]);
  });

  it('reports each reversed layer upstream of the loss', () => {
    expect(diagnose(withCells(`model TwoBackwards {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e  = E[token]
  f  = reverse Elman(e, hidden = hidden)
  b  = reverse GRU(e, hidden = hidden)
  loss cross_entropy(V @ (f + b), next)
}
`))).toEqual([
      err(
        CODE,
        'reverse Elman reads the sequence from its end, so it has already seen the token to predict; it cannot feed the loss on next',
        'reverse Elman(e, hidden = hidden)',
        'remove `reverse`, or predict `token` (an encoder objective) instead of `next`',
      ),
      err(
        CODE,
        'reverse GRU reads the sequence from its end, so it has already seen the token to predict; it cannot feed the loss on next',
        'reverse GRU(e, hidden = hidden)',
        'remove `reverse`, or predict `token` (an encoder objective) instead of `next`',
      ),
    ]);
  });

  it('accepts a reversed layer when the loss predicts token', () => {
    expect(diagnose(withCells(`model Encoder {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  h = reverse LSTM(e, hidden = hidden)
  loss cross_entropy(V @ h, token)
}
`))).toEqual([]);
  });

  it('accepts a reversed layer that does not reach the loss (unread: a warning of its own rule, no causality error)', () => {
    expect(diagnose(withCells(`model Unused {
  dim vocab
  dim embed = 64, hidden = 128
  param E: [vocab, embed]
  param V: [vocab, hidden]
  e = E[token]
  r = reverse LSTM(e, hidden = hidden)
  h = LSTM(e, hidden = hidden)
  loss cross_entropy(V @ h, next)
}
`))).toEqual([unread('r', 'layer', 'model')]);
  });
});
