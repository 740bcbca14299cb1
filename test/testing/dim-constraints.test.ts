// The gradient check draws only the dims no shape fixes: the equations come from the
// checker run with the model's dims unbound, and are solved for the later-declared dim.
import { describe, expect, it } from 'vitest';
import { bindDims, describeDerived, dimEquations, solveDims } from '../../src/testing/dim-constraints.ts';
import { format } from '../../src/check/poly.ts';
import { readFromDisk, type ReadFile } from '../../src/syntax/load.ts';
import { analyze } from '../../src/frontend.ts';

const LSTM = readFromDisk('models/cells/lstm.rnn');

function files(model: string): ReadFile {
  const all: Record<string, string> = { 'm.rnn': model, 'cells/lstm.rnn': LSTM };
  return (p) => {
    if (p in all) return all[p];
    throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
  };
}

// grammar/README.md's bi-encoder.rnn: `both` must be 2 * hidden.
const BI = `use "cells/lstm.rnn"
model BiEncoder {
  dim vocab, embed = 32, hidden = 64, both = 128
  param E: [vocab, embed]
  param V: [vocab, both], b: [vocab]
  e  = E[token]
  fw = LSTM(e, hidden = hidden)
  bw = reverse LSTM(e, hidden = hidden)
  h  = concat(fw, bw)
  loss cross_entropy(V @ h + b, token)
}
`;

function solve(text: string, name: string, dims: string[]) {
  const eqs = dimEquations({ name, path: 'm.rnn', readFile: files(text) });
  return { eqs: eqs.map((e) => format(e)), s: solveDims(dims, eqs) };
}

describe('dim equations', () => {
  it('bi-encoder: both = 2*hidden, the other dims free', () => {
    const { eqs, s } = solve(BI, 'BiEncoder', ['vocab', 'embed', 'hidden', 'both']);
    expect(eqs).toEqual(['both - 2*hidden']);
    expect(s.free).toEqual(['vocab', 'embed', 'hidden']);
    expect(describeDerived(s)).toEqual(['both = 2*hidden']);
    expect(s.residual).toEqual([]);
    // Every draw of the free dims gives a model that checks.
    for (const [vocab, embed, hidden] of [[1, 1, 1], [2, 3, 4], [4, 1, 3]]) {
      const dims = bindDims(s, new Map([['vocab', vocab], ['embed', embed], ['hidden', hidden]]))!;
      expect(dims).toEqual({ vocab, embed, hidden, both: 2 * hidden });
      expect(analyze('m.rnn', { dims, readFile: files(BI) }).ok).toBe(true);
    }
  });

  it('a tied weight makes two dims one; a models/ file with no ties leaves all free', () => {
    const tied = dimEquations({ name: 'WordLSTMTied', path: 'models/word-lstm-tied.rnn', readFile: readFromDisk });
    expect(describeDerived(solveDims(['vocab', 'embed', 'hidden'], tied))).toEqual(['hidden = embed']);
    expect(dimEquations({ name: 'CharLSTM', path: 'models/char-lstm.rnn', readFile: readFromDisk })).toEqual([]);
  });

  it('a dim fixed by a number in a shape is that number; a chain resolves to the free dims', () => {
    // P: [b, 3] @ E[token]: [a] needs a = 3; concat(…, one) has size b + 1, as Q needs.
    const chain = `use "cells/lstm.rnn"
model M {
  dim vocab, a = 3, b = 6, c = 7
  param E: [vocab, a], one: [1]
  param P: [b, 3]
  param Q: [c, b + 1]
  param V: [vocab, c]
  loss cross_entropy(V @ tanh(Q @ concat(P @ E[token], one)), next)
}
`;
    const { s } = solve(chain, 'M', ['vocab', 'a', 'b', 'c']);
    expect(s.free).toEqual(['vocab', 'b', 'c']);
    expect(describeDerived(s)).toEqual(['a = 3']);
    const dims = bindDims(s, new Map([['vocab', 2], ['b', 1], ['c', 4]]))!;
    expect(analyze('m.rnn', { dims, readFile: files(chain) }).ok).toBe(true);
  });

  it('a derived size below 1 is no draw', () => {
    const s = solveDims(['n', 'm'], [new Map([['m', 1], ['n', -1], ['', 1]])]); // m = n - 1
    expect(describeDerived(s)).toEqual(['m = n - 1']);
    expect(bindDims(s, new Map([['n', 1]]))).toBeNull();
    expect(bindDims(s, new Map([['n', 3]]))).toEqual({ n: 3, m: 2 });
  });

  it('an equation with no ±1 coefficient is kept and checked per draw', () => {
    const s = solveDims(['p', 'q'], [new Map([['p', 2], ['q', -3]])]); // 2p = 3q
    expect(s.free).toEqual(['p', 'q']);
    expect(bindDims(s, new Map([['p', 3], ['q', 2]]))).toEqual({ p: 3, q: 2 });
    expect(bindDims(s, new Map([['p', 2], ['q', 2]]))).toBeNull();
  });
});
