// ∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾ from the probed backward graph against central finite differences of the
// forward interpreter alone (no backward node evaluated): with the state nudged one entry at
// a time where it is computed (every later use sees it, as the total derivative BPTT carries
// means), and, for one layer, by cutting the window after step k and restarting it from
// nudged states.
// ℓ = 0 against the output layer's gradient written out: Vᵀ(softmax(V h) − onehot(next)).
import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/graph/interpret.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { compile } from '../../src/runtime/model.ts';
import { probedGraph, warmStates, windowGradients } from '../../src/diagnose/probe.ts';
import { smallModel } from './models.ts';

const EPS = 1e-6;

describe.each(['Elman', 'GRU', 'LSTM'] as const)('%s: gradients w.r.t. earlier states', (cell) => {
  const T = 6;
  const tokens = [3, 1, 4, 1, 5, 2, 6];
  const setup = (layers: number) => {
    const m = compile(smallModel(cell, { layers })).init(5);
    const params = new Map([...m.weights()].map(([k, v]) => [k, Float64Array.from(v)]));
    return { ir: m.ir, params, start: warmStates(m.ir, params, [2, 0, 6, 3, 3]) };
  };

  it('matches finite differences of the forward pass with each state nudged where it is computed (2 layers, every state, every ℓ)', () => {
    const { ir, params, start } = setup(2);
    const p = probedGraph(ir, T);
    const r = windowGradients(p, params, tokens, start);
    // The forward part of the probed graph, run with a probe set to ±ε·eᵢ: h⁽ᵏ⁾ + ε·eᵢ flows
    // into every later use, as in the model. No backward node is evaluated.
    const loss = (probe: string, i: number, eps: number): number => {
      const z = new Float64Array(p.states.find((s) => probe.startsWith(`probe ${s.name}@`))!.shape[0]);
      z[i] = eps;
      const init = new Map([...start, [probe, z]]);
      return interpret(p.grad, { params, tokens, initialStates: init }, p.grad.forwardCount)[p.grad.loss][0];
    };
    let compared = 0;
    p.states.forEach((s, si) => {
      for (let l = 0; l < T; l++) {
        const got = r.grads[si][l];
        for (let i = 0; i < got.length; i++) {
          const probe = `probe ${s.name}@${T - 1 - l}`;
          const fd = (loss(probe, i, EPS) - loss(probe, i, -EPS)) / (2 * EPS);
          expect(Math.abs(got[i] - fd)).toBeLessThan(1e-8 + 1e-6 * Math.abs(fd));
          compared++;
        }
      }
    });
    expect(compared).toBe(T * p.states.reduce((a, s) => a + s.shape[0], 0));
    expect(r.norms[0][T - 1]).toBeGreaterThan(1e-6); // something to compare, even at the far end
  });

  it('one layer: matches finite differences of a window cut after step k and restarted from nudged states (ℓ ≥ 1)', () => {
    const { ir, params, start } = setup(1);
    const p = probedGraph(ir, T);
    const r = windowGradients(p, params, tokens, start);
    // J at the last step, reading tokens[k+1 … T] from `states` (the states after step k).
    const lastLoss = (k: number, states: Map<string, Float64Array>): number => {
      const g = unroll(ir, T - 1 - k, { training: false });
      const v = interpret(g, { params, tokens: tokens.slice(k + 1), initialStates: states });
      return v[g.stepLosses[g.stepLosses.length - 1]][0];
    };
    // h is computed last in its step, so nudging it after the step is nudging it where it is computed.
    const si = p.states.findIndex((s) => s.name === 'h1.h');
    for (let l = 1; l < T; l++) {
      const k = T - 1 - l;
      const after = warmStates(ir, params, tokens.slice(0, k + 2), start);
      const got = r.grads[si][l];
      for (let i = 0; i < got.length; i++) {
        const nudged = (eps: number) => new Map([...after].map(([n, v]) => [n, n === 'h1.h' ? v.map((x, j) => (j === i ? x + eps : x)) : v]));
        const fd = (lastLoss(k, nudged(EPS)) - lastLoss(k, nudged(-EPS))) / (2 * EPS);
        expect(Math.abs(got[i] - fd)).toBeLessThan(1e-8 + 1e-6 * Math.abs(fd));
      }
    }
  });

  it('at ℓ = 0 the top state gets Vᵀ(softmax(V h) − onehot(next))', () => {
    const { ir, params, start } = setup(2);
    const p = probedGraph(ir, T);
    const r = windowGradients(p, params, tokens, start);
    const final = warmStates(ir, params, tokens, start).get('h2.h')!;
    const V = params.get('V')!;
    const [vocab, hidden] = [7, final.length];
    const logits = Array.from({ length: vocab }, (_, w) => final.reduce((a, h, j) => a + V[w * hidden + j] * h, 0));
    const z = Math.max(...logits);
    const e = logits.map((x) => Math.exp(x - z));
    const sum = e.reduce((a, b) => a + b, 0);
    const delta = e.map((x, w) => x / sum - (w === tokens[T] ? 1 : 0));
    const want = Array.from({ length: hidden }, (_, j) => delta.reduce((a, d, w) => a + d * V[w * hidden + j], 0));
    const top = p.states.findIndex((s) => s.name === 'h2.h');
    want.forEach((x, j) => expect(r.grads[top][0][j]).toBeCloseTo(x, 12));
  });
});
