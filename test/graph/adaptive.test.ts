// The adaptive softmax (src/graph/adaptive.ts): its log-probabilities are a distribution and
// follow Grave et al.'s definition written out by hand; its gradients equal central
// differences; and the training op fused with its output layer (adaptive_xent, which reads
// only the head and the target's cluster) gives the same loss and gradients as the dense
// log-probabilities' cross-entropy that inference runs.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { adaptiveLogProbs, adaptiveLogProbsVjp, adaptiveLoss, adaptiveLossVjp, clusterOf, tailBounds } from '../../src/graph/adaptive.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { centralDifference } from '../autodiff/helpers.ts';
import { compareWithNumeric, modelFromText, randomData } from '../autodiff/helpers.ts';

const draw = (n: number, rnd: () => number, scale = 3): Float64Array => Float64Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);
const lse = (xs: number[]): number => Math.log(xs.reduce((s, x) => s + Math.exp(x), 0));

export const ADAPTIVE_LM = `
use "cells/lstm-zaremba.rnn"
model AdaptiveLM {
  dim vocab
  dim embed = 3
  param E: [vocab, embed]
  param b_y: [vocab]
  param C: [2, embed]
  param b_c: [2]
  e = E[token]
  h = ZarembaLSTM(e, hidden = embed)
  loss adaptive_cross_entropy(E @ h + b_y, C @ h + b_c, next, 3, 5)
}
`;

describe('the adaptive softmax\'s meaning', () => {
  it('clusters: the head [0, c_1), then [c_k, c_{k+1}) up to the vocabulary', () => {
    expect(tailBounds([3, 5], 8)).toEqual([[3, 5], [5, 8]]);
    expect([0, 2, 3, 4, 5, 7].map((w) => clusterOf([3, 5], w))).toEqual([-1, -1, 0, 0, 1, 1]);
  });

  it('log-probabilities as Grave et al. define them, summing to one', () => {
    const z = Float64Array.of(0.5, -1, 2, 0.3, -0.7, 1.1, 0, -2);
    const u = Float64Array.of(0.4, -0.3);
    const lp = adaptiveLogProbs(z, u, [3, 5]);
    const head = lse([0.5, -1, 2, 0.4, -0.3]);
    expect(lp[1]).toBeCloseTo(-1 - head, 14);
    expect(lp[4]).toBeCloseTo(0.4 - head + -0.7 - lse([0.3, -0.7]), 14);
    expect(lp[6]).toBeCloseTo(-0.3 - head + 0 - lse([-0.7 + 0.7 + 1.1, 0, -2]) , 14);
    expect(lse([...lp])).toBeCloseTo(0, 14);
    for (let y = 0; y < 8; y++) expect(adaptiveLoss(z, u, [3, 5], y)).toBeCloseTo(-lp[y], 13);
  });

  it('the VJPs equal central differences (random logits, cutoffs and upstream gradients)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 9 }), (seed, V) => {
        const rnd = mulberry32(seed);
        const cutoffs = [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => 1 + Math.floor(rnd() * (V - 1))))].sort((a, b) => a - b);
        const z = draw(V, rnd);
        const u = draw(cutoffs.length, rnd);
        const g = draw(V, rnd, 1);
        const y = Math.floor(rnd() * V);
        const h = 1e-5;
        const num = (f: () => number, x: Float64Array, i: number): number => centralDifference(f, x, i, h);
        const dense = () => adaptiveLogProbs(z, u, cutoffs).reduce((s, v, i) => s + g[i] * v, 0);
        const { dz, du } = adaptiveLogProbsVjp(z, u, g, cutoffs);
        const loss = () => 0.7 * adaptiveLoss(z, u, cutoffs, y);
        const l = adaptiveLossVjp(z, u, cutoffs, y, 0.7);
        for (let i = 0; i < V; i++) {
          expect(Math.abs(dz[i] - num(dense, z, i))).toBeLessThan(1e-8);
          expect(Math.abs(l.dz[i] - num(loss, z, i))).toBeLessThan(1e-8);
        }
        for (let k = 0; k < u.length; k++) {
          expect(Math.abs(du[k] - num(dense, u, k))).toBeLessThan(1e-8);
          expect(Math.abs(l.du[k] - num(loss, u, k))).toBeLessThan(1e-8);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('adaptive_cross_entropy in a model', () => {
  const ir = modelFromText(ADAPTIVE_LM, { vocab: 8 }, '__adaptive_lm');

  it('training\'s fused op gives the dense cross-entropy\'s loss and gradients (float64, 1e-12)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), (seed, B, T) => {
        const data = randomData(ir, B, T, seed);
        const dense = differentiate(unroll(ir, T));
        const fused = differentiate(unroll(ir, T, { fusedAdaptive: true }));
        expect(dense.nodes.some((n) => n.op === 'adaptive_logprobs')).toBe(true);
        expect(fused.nodes.some((n) => n.op === 'adaptive_xent') && !fused.nodes.some((n) => n.op === 'adaptive_logprobs')).toBe(true);
        const a = referenceLossAndGrads(dense, data);
        const b = referenceLossAndGrads(fused, data);
        expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-12);
        // Relative to each gradient's largest entry: the dense form's entries outside the target's
        // cluster are p_i − P(cluster)·q_i, zero up to rounding, which the fused form never adds.
        for (const [name, ga] of a.grads) {
          const gb = b.grads.get(name)!;
          const scale = Math.max(1e-300, ...ga.map(Math.abs));
          expect(Math.max(...ga.map((v, i) => Math.abs(v - gb[i]))) / scale, name).toBeLessThan(1e-12);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('both forms\' gradients equal central differences of their loss', () => {
    const data = randomData(ir, 1, 3, 7);
    for (const fusedAdaptive of [false, true]) {
      const c = compareWithNumeric(unroll(ir, 3, { fusedAdaptive }), data.params, data.tokens[0]);
      expect(c.worst, c.where).toBeLessThan(1e-7);
    }
  });

  it('a cutoff at or past the vocabulary is refused when the graph is built', () => {
    // (rules/adaptive-softmax.ts refuses it already where vocab is bound when the model is checked)
    const past = { ...ir, step: ir.step.map((s) => (s.expr.op === 'adaptive_cross_entropy' ? { ...s, expr: { ...s.expr, cutoffs: [3, 8] } } : s)) };
    expect(() => unroll(past, 2)).toThrow(new RangeError(`model AdaptiveLM (${ir.step[0].span.file}): adaptive_cross_entropy's cutoff 8 leaves an empty cluster: every cutoff must be below the vocabulary size (8); use a larger vocabulary or smaller cutoffs`));
  });
});
