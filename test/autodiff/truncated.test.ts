// Truncated BPTT on the reference path: windows of K steps, each starting from the previous
// window's final states with the graph cut between them. With K ≥ N it is full BPTT
// exactly; with K < N the forward loss is unchanged while the gradients are each window's
// own, with the carried states held constant (checked against central differences).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLoss, referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { TruncationError, truncatedBPTT } from '../../src/autodiff/truncated.ts';
import { relativeError } from '../../src/testing/gradcheck.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { ELMAN_LM, maxRelDiff, modelFromFile, modelFromText, randomData } from './helpers.ts';

// A bidirectional encoder with dropout: a reversed layer and masks (loss on the current token).
const BI = `
use "cells/elman.rnn"
use "cells/gru.rnn"
model BiEncoder {
  dim vocab
  dim embed = 2, hidden = 2
  param E: [vocab, embed]
  param V: [vocab, 4]
  param b: [vocab]
  e  = E[token]
  fw = GRU(dropout(e, 0.5), hidden = hidden)
  bw = reverse Elman(e, hidden = hidden)
  loss cross_entropy(V @ concat(fw, bw) + b, token)
}
`;

const elman = modelFromText(ELMAN_LM, { vocab: 3 }, '__elman_lm');
const lstm2 = modelFromFile('models/char-lstm.rnn', { vocab: 3, embed: 2, hidden: 2 });
const bi = modelFromText(BI, { vocab: 3 }, '__bi_encoder');

const full = (ir: IRModel, data: ReturnType<typeof randomData>, extra: { initialStates?: Map<string, Float64Array>[]; maskSeed?: number } = {}) =>
  referenceLossAndGrads(differentiate(unroll(ir, data.tokens[0].length - 1)), { params: data.params, tokens: data.tokens, ...extra });

const B = fc.integer({ min: 1, max: 3 });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const models: [string, IRModel][] = [
  ['Elman LM', elman],
  ['2-layer LSTM (char-lstm.rnn)', lstm2],
];

describe('truncatedBPTT with K ≥ N is full BPTT', () => {
  it.each([...models, ['bidirectional GRU/Elman encoder with dropout', bi] as [string, IRModel]])('%s: the same loss, gradients and final states, bit for bit', (_, ir) => {
    fc.assert(
      fc.property(B, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 3 }), seed, (b, N, extraK, s) => {
        const data = randomData(ir, b, N, s);
        const want = full(ir, data, { maskSeed: s });
        const got = truncatedBPTT(ir, data.params, data.tokens, N + extraK, { maskSeed: s });
        expect(got.windows).toHaveLength(1);
        expect(got.windows[0].start).toBe(0);
        expect(got.windows[0].length).toBe(N);
        expect(got.loss).toBe(want.loss);
        expect(got.windows[0].loss).toBe(want.loss);
        expect(got.windows[0].grads).toEqual(want.grads);
        expect(got.windows[0].finalStates).toEqual(want.finalStates);
      }),
      { numRuns: 8 },
    );
  });

  it('from given initial states too', () => {
    const data = randomData(lstm2, 2, 4, 11);
    const init = [0, 1].map((ex) => new Map(lstm2.states.map((st, k) => [st.name, Float64Array.from({ length: 2 }, (_, i) => Math.sin(ex + 3 * k + i))])));
    const want = full(lstm2, data, { initialStates: init });
    const got = truncatedBPTT(lstm2, data.params, data.tokens, 4, { initialStates: init });
    expect(got.loss).toBe(want.loss);
    expect(got.windows[0].grads).toEqual(want.grads);
    // And the initial states matter: from zeros the loss is different.
    expect(truncatedBPTT(lstm2, data.params, data.tokens, 4).loss).not.toBe(want.loss);
  });
});

describe('truncatedBPTT with K < N', () => {
  const KltN = fc.integer({ min: 2, max: 6 }).chain((N) => fc.tuple(fc.constant(N), fc.integer({ min: 1, max: N - 1 })));

  it.each(models)('%s: windows of K steps (the last one shorter); the loss is the full forward loss', (_, ir) => {
    fc.assert(
      fc.property(B, KltN, seed, (b, [N, K], s) => {
        const data = randomData(ir, b, N, s);
        const got = truncatedBPTT(ir, data.params, data.tokens, K);
        expect(got.windows.map((w) => w.start)).toEqual(Array.from({ length: Math.ceil(N / K) }, (_, w) => w * K));
        expect(got.windows.map((w) => w.length)).toEqual(got.windows.map((w) => Math.min(K, N - w.start)));
        // The forward pass does not see the cuts: only the summation order differs.
        const want = full(ir, data);
        expect(Math.abs(got.loss - want.loss) / want.loss).toBeLessThanOrEqual(1e-13);
        // The states carried into window w are the full forward's states after w·K steps.
        for (const w of got.windows.slice(1)) {
          const prefix = referenceLossAndGrads(differentiate(unroll(ir, w.start)), { params: data.params, tokens: data.tokens.map((r) => r.slice(0, w.start + 1)) });
          for (let ex = 0; ex < b; ex++) for (const st of ir.states) expect(maxRelDiff(w.initialStates[ex].get(st.name)!, prefix.finalStates[ex].get(st.name)!)).toBeLessThanOrEqual(1e-13);
        }
      }),
      { numRuns: 8 },
    );
  });

  it.each(models)('%s: each window\'s gradient is referenceLossAndGrads on that window from the carried states', (_, ir) => {
    fc.assert(
      fc.property(B, KltN, seed, (b, [N, K], s) => {
        const data = randomData(ir, b, N, s);
        const got = truncatedBPTT(ir, data.params, data.tokens, K);
        let states: Map<string, Float64Array>[] | undefined;
        for (const w of got.windows) {
          const tokens = data.tokens.map((r) => r.slice(w.start, w.start + w.length + 1));
          const want = referenceLossAndGrads(differentiate(unroll(ir, w.length)), { params: data.params, tokens, initialStates: states, maskSeed: got.windows.indexOf(w) });
          expect(w.loss).toBe(want.loss);
          expect(w.grads).toEqual(want.grads);
          expect(w.finalStates).toEqual(want.finalStates);
          states = want.finalStates;
        }
        expect(got.finalStates).toEqual(states);
      }),
      { numRuns: 8 },
    );
  });

  it.each(models)('%s: the gradients differ from full BPTT (the terms across the cuts are dropped)', (_, ir) => {
    fc.assert(
      fc.property(B, KltN, seed, (b, [N, K], s) => {
        const data = randomData(ir, b, N, s);
        const got = truncatedBPTT(ir, data.params, data.tokens, K);
        const want = full(ir, data);
        // The length-weighted mean of the window gradients is the gradient of the full loss
        // with every carried state held constant: it misses the paths through the cuts.
        let worst = 0;
        for (const p of ir.params) {
          const combined = new Float64Array(want.grads.get(p.name)!.length);
          for (const w of got.windows) w.grads.get(p.name)!.forEach((v, i) => (combined[i] += (v * w.length) / N));
          worst = Math.max(worst, maxRelDiff(combined, want.grads.get(p.name)!));
        }
        expect(worst).toBeGreaterThan(1e-6);
      }),
      { numRuns: 8 },
    );
  });

  it('the cut: a window\'s gradient is the derivative of its loss with its initial states held constant, not recomputed', () => {
    const N = 5;
    const K = 2;
    const data = randomData(elman, 2, N, 2024);
    const got = truncatedBPTT(elman, data.params, data.tokens, K);
    expect(got.windows.map((w) => w.length)).toEqual([2, 2, 1]);
    const h = 1e-3;
    const stencil = (f: (d: number) => number): number => (f(-2 * h) - 8 * f(-h) + 8 * f(h) - f(2 * h)) / (12 * h);
    const graphs = new Map([2, 1].map((T) => [T, differentiate(unroll(elman, T))]));
    /** Window wi's loss with every earlier window rerun from the current params (no cut). */
    const uncutLoss = (wi: number): number => {
      let states: Map<string, Float64Array>[] | undefined;
      let loss = NaN;
      for (const w of got.windows.slice(0, wi + 1)) {
        const tokens = data.tokens.map((r) => r.slice(w.start, w.start + w.length + 1));
        const r = referenceLossAndGrads(graphs.get(w.length)!, { params: data.params, tokens, initialStates: states });
        states = r.finalStates;
        loss = r.loss;
      }
      return loss;
    };
    for (const [wi, w] of got.windows.entries()) {
      const g = graphs.get(w.length)!;
      const tokens = data.tokens.map((r) => r.slice(w.start, w.start + w.length + 1));
      let detachedErr = 0;
      let throughCut = 0;
      for (const p of elman.params) {
        const v = data.params.get(p.name)!;
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          const perturbed = (f: () => number) => (d: number): number => {
            v[i] = x + d;
            const l = f();
            v[i] = x;
            return l;
          };
          // Detached: the same window, from the same (unperturbed) carried states.
          const detached = stencil(perturbed(() => referenceLoss(g, { params: data.params, tokens, initialStates: w.initialStates })));
          // Not detached: the carried states are recomputed from the perturbed params.
          const undetached = stencil(perturbed(() => uncutLoss(wi)));
          const analytic = w.grads.get(p.name)![i];
          detachedErr = Math.max(detachedErr, relativeError(analytic, detached));
          throughCut = Math.max(throughCut, relativeError(analytic, undetached));
        }
      }
      expect(detachedErr, `window ${wi}`).toBeLessThanOrEqual(1e-6);
      // The first window starts from zeros, which no param moves; later ones from carried states.
      if (wi === 0) expect(throughCut).toBeLessThanOrEqual(1e-6);
      else expect(throughCut, `window ${wi}`).toBeGreaterThan(1e-4);
    }
  });

  it('a reversed layer restarts from zeros in every window; forward states are carried', () => {
    const data = randomData(bi, 2, 5, 9);
    const got = truncatedBPTT(bi, data.params, data.tokens, 2, { maskSeed: 3 });
    expect(got.windows).toHaveLength(3);
    for (const w of got.windows.slice(1)) {
      for (const m of w.initialStates) {
        expect([...m.keys()]).toEqual(['fw.h']);
      }
    }
    expect([...got.finalStates[0].keys()]).toEqual(['fw.h']);
    // Window 1 is window-local BPTT from fw.h carried, bw.h zero, masks drawn with seed 3 + 1.
    const w1 = got.windows[1];
    const want = referenceLossAndGrads(differentiate(unroll(bi, 2)), {
      params: data.params,
      tokens: data.tokens.map((r) => r.slice(2, 5)),
      initialStates: got.windows[0].finalStates.map((m) => new Map([['fw.h', m.get('fw.h')!]])),
      maskSeed: 4,
    });
    expect(w1.loss).toBe(want.loss);
    expect(w1.grads).toEqual(want.grads);
  });
});

describe('truncatedBPTT rejects bad arguments', () => {
  const data = randomData(elman, 2, 3, 1);
  it.each([0, -1, 1.5, NaN])('K = %s', (K) => {
    expect(() => truncatedBPTT(elman, data.params, data.tokens, K)).toThrow(TruncationError);
  });
  it('an empty batch, a single token, ragged rows, initial states for the wrong batch size', () => {
    expect(() => truncatedBPTT(elman, data.params, [], 2)).toThrow(/empty/);
    expect(() => truncatedBPTT(elman, data.params, [[1]], 2)).toThrow(TruncationError);
    expect(() => truncatedBPTT(elman, data.params, [[1, 2, 0], [1, 2]], 2)).toThrow(/example 1 has 2 tokens/);
    expect(() => truncatedBPTT(elman, data.params, data.tokens, 2, { initialStates: [new Map()] })).toThrow(/initialStates/);
  });
});
