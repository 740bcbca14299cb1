// AR and TAR (Merity et al. 2017) against their definitions: in training the objective is
// the mean cross-entropy plus, averaged over the window's steps, α · mean(h_t²) and
// β · mean((h_t − h_{t−1})²), h_{−1} being the state the window starts from; outside
// training they vanish. Their gradients, derived by autodiff, against central differences.
import { describe, expect, it } from 'vitest';
import { unroll } from '../../src/graph/unroll.ts';
import { interpret } from '../../src/graph/interpret.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { compareWithNumeric, modelFromFile, randomData } from '../autodiff/helpers.ts';

const ir = modelFromFile('test/codegen/models/penalties.rnn', { vocab: 4, embed: 2, hidden: 3 });
const meanSq = (v: ArrayLike<number>) => Array.from(v).reduce((s, x) => s + x * x, 0) / v.length;

describe('ar and tar', () => {
  it('add α · mean(h²) and β · mean((h − h_prev)²), averaged over the steps, to the objective', () => {
    const T = 4;
    const g = unroll(ir, T);
    const data = randomData(ir, 1, T, 3);
    const init = new Map(ir.states.map((s, k) => [s.name, Float64Array.from({ length: s.shape[0] as number }, (_, i) => Math.sin(k + i + 1))]));
    const vals = interpret(g, { params: data.params, tokens: data.tokens[0], initialStates: init, maskSeed: 9 });
    const at = (label: string, t: number) => vals[g.nodes.find((n) => n.label === label && n.t === t)!.id];
    let want = 0;
    for (let t = 0; t < T; t++) {
      const diff = (label: string, state: string) => {
        const prev = t === 0 ? init.get(state)! : at(label, t - 1);
        return at(label, t).map((x, i) => x - prev[i]);
      };
      const e = at('e', t).map(Math.tanh);
      want += (2 * meanSq(at('hd', t)) + 1 * meanSq(diff("h2.h'", 'h2.h')) + 0.5 * meanSq(diff("h1.h'", 'h1.h')) + 0.25 * meanSq(e)) / T;
    }
    const got = vals[g.objective!][0] - vals[g.loss][0];
    expect(Math.abs(got - want)).toBeLessThan(1e-14);
    expect(want).toBeGreaterThan(0.01);
  });

  it('are absent outside training: no objective, the same loss graph', () => {
    const g = unroll(ir, 3, { training: false });
    expect(g.objective).toBeUndefined();
    expect(g.penalties).toBeUndefined();
    expect(g.nodes.some((n) => n.op === 'sumsq')).toBe(false);
  });

  it.each([1, 2, 3])('have gradients equal to central differences (seed %i)', (seed) => {
    const T = 3;
    const data = randomData(ir, 1, T, seed);
    const r = compareWithNumeric(unroll(ir, T), data.params, data.tokens[0], { maskSeed: seed });
    expect(r.worst, r.where).toBeLessThan(1e-7);
  });

  it('change the gradient (the test above is not of the cross-entropy alone)', () => {
    const T = 3;
    const data = randomData(ir, 1, T, 1);
    const with_ = differentiate(unroll(ir, T));
    const vals = interpret(with_, { params: data.params, tokens: data.tokens[0], maskSeed: 1 });
    const g = with_.grads.get('h1.U_i')!;
    const plain = { ...unroll(ir, T) };
    delete plain.objective;
    const d = differentiate(plain);
    const v2 = interpret(d, { params: data.params, tokens: data.tokens[0], maskSeed: 1 });
    expect(Array.from(vals[g])).not.toEqual(Array.from(v2[d.grads.get('h1.U_i')!]));
  });
});
