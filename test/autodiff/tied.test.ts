// A tied parameter gets the sum of the gradients of its uses. models/word-lstm-tied.rnn uses
// E both to embed the input token and as the output layer; the same model written here
// with the output layer as a separate param E2 (same values) separates the two uses, and
// dE(tied) must equal dE(untied) + dE2(untied), with every other gradient unchanged.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { compileModel } from '../../src/codegen/index.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { maxRelDiff, modelFromFile, modelFromText, randomData } from './helpers.ts';

const UNTIED = `
use "cells/lstm-zaremba.rnn"
model WordLSTMUntied {
  dim vocab
  dim embed = 200, hidden = 200
  param E: [vocab, embed]
  param E2: [vocab, hidden]        # the output layer, untied
  param b_y: [vocab]
  e  = E[token]
  h1 = ZarembaLSTM(e,  hidden = hidden)
  h2 = ZarembaLSTM(h1, hidden = hidden)
  loss cross_entropy(E2 @ h2 + b_y, next)
}
`;

/**
 * Entry-wise relative difference with a floor of 1e-9 of the largest entry: the two uses
 * of E can nearly cancel in an entry, and a sum that cancels to 1e-9 of its terms keeps
 * only their rounding, which no summation order can avoid.
 */
const relErr = (a: Float64Array, b: Float64Array): number => maxRelDiff(a, b, Math.max(1e-300, 1e-9 * Math.max(...b.map(Math.abs))));
const TOL = 1e-12;

const analyzed = new Map<string, { tied: IRModel; untied: IRModel }>();
function both(dims: { vocab: number; d: number }): { tied: IRModel; untied: IRModel } {
  const key = `${dims.vocab},${dims.d}`;
  let m = analyzed.get(key);
  if (!m) {
    const d = { vocab: dims.vocab, embed: dims.d, hidden: dims.d };
    analyzed.set(key, (m = { tied: modelFromFile('models/word-lstm-tied.rnn', d), untied: modelFromText(UNTIED, d, '__word_lstm_untied') }));
  }
  return m;
}

const untiedParams = (params: Map<string, Float64Array>): Map<string, Float64Array> => new Map([...params, ['E2', Float64Array.from(params.get('E')!)]]);

// vocab ≥ 2: with one word the loss is identically 0 and so is every gradient.
const dims = fc.record({ vocab: fc.integer({ min: 2, max: 4 }), d: fc.integer({ min: 1, max: 3 }) });
const B = fc.integer({ min: 1, max: 3 });
const N = fc.integer({ min: 1, max: 4 });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('weight tying: dE is the sum of the gradients of both uses of E', () => {
  it('the tied model has the untied one\'s params minus E2, and E gets two gradient terms per step', () => {
    const { tied, untied } = both({ vocab: 3, d: 2 });
    expect(untied.params.map((p) => p.name).filter((n) => n !== 'E2')).toEqual(tied.params.map((p) => p.name));
    const g = differentiate(unroll(tied, 3));
    // T lookups (scatter_row) and T output-layer products (outer), one term per use per step.
    expect(g.paramContributions.get('E')!.length).toBeGreaterThanOrEqual(2);
    const ops = g.nodes.slice(g.forwardCount).map((n) => n.op);
    expect(ops.filter((o) => o === 'scatter_row')).toHaveLength(3);
  });

  it('on the reference path (float64 interpreter)', () => {
    fc.assert(
      fc.property(dims, B, N, seed, (dm, b, n, s) => {
        const { tied, untied } = both(dm);
        const data = randomData(tied, b, n, s);
        const t = referenceLossAndGrads(differentiate(unroll(tied, n)), data);
        const u = referenceLossAndGrads(differentiate(unroll(untied, n)), { ...data, params: untiedParams(data.params) });
        expect(Math.abs(t.loss - u.loss)).toBeLessThanOrEqual(TOL * Math.abs(u.loss));
        const uE = u.grads.get('E')!;
        const uE2 = u.grads.get('E2')!;
        const sum = uE.map((v, i) => v + uE2[i]);
        expect(relErr(t.grads.get('E')!, sum)).toBeLessThanOrEqual(TOL);
        // Both uses matter: the input-side use has a gradient of its own (it can be ~1e-6 of the
        // output side's on one-dimensional shapes, so nonzero, not a relative size, is the test).
        expect(uE.some((v) => v !== 0)).toBe(true);
        for (const p of tied.params) if (p.name !== 'E') expect(relErr(t.grads.get(p.name)!, u.grads.get(p.name)!), p.name).toBeLessThanOrEqual(TOL);
      }),
      { numRuns: 10 },
    );
  });

  it('in generated code (float64), which accumulates both uses into one slot of the gradient arena', () => {
    const run = (ir: IRModel, params: Map<string, Float64Array>, tokens: number[][]) => {
      const c = compileModel(ir);
      const P = new Float64Array(c.layout.totalParams);
      for (const slot of c.layout.params) P.set(params.get(slot.name)!, slot.offset);
      const G = new Float64Array(P.length);
      c.instantiate({ Float: Float64Array, B: tokens.length, T: tokens[0].length - 1, params: P, grads: G }).run(Int32Array.from(tokens.flat()));
      return new Map(c.layout.params.map((slot) => [slot.name, G.slice(slot.offset, slot.offset + slot.size)]));
    };
    fc.assert(
      fc.property(dims, B, N, seed, (dm, b, n, s) => {
        const { tied, untied } = both(dm);
        const data = randomData(tied, b, n, s);
        const t = run(tied, data.params, data.tokens);
        const u = run(untied, untiedParams(data.params), data.tokens);
        const sum = u.get('E')!.map((v, i) => v + u.get('E2')![i]);
        expect(relErr(t.get('E')!, sum)).toBeLessThanOrEqual(TOL);
      }),
      { numRuns: 5 },
    );
  });
});
