// DropConnect (`weight_drop p`) against its definition: in a training window the model
// computes with W ⊙ m, m one mask per param and window (0 or 1/(1 − p) per entry), and the
// gradient of W is m ⊙ dL/d(W ⊙ m) — checked against central differences of
// W ↦ loss(W ⊙ m) in the float64 interpreter, and the generated code against that oracle.
import { describe, expect, it } from 'vitest';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLoss, referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { WeightDrop, weightDropMask, weightDropSlots } from '../../src/runtime/train/weight-drop.ts';
import { relativeError } from '../../src/testing/gradcheck.ts';
import { maskSeed, mulberry32 } from '../../src/graph/interpret.ts';
import { modelFromFile, randomData } from '../autodiff/helpers.ts';

const ir = modelFromFile('test/runtime/models/tiny-awd.rnn', { vocab: 4, embed: 2 });
const dropped = ir.params.filter((p) => p.weightDrop).map((p) => p.name);

describe('weight_drop masks', () => {
  it('are declared on the recurrent matrices only', () => {
    expect(dropped).toEqual(['h.U_i', 'h.U_f', 'h.U_o', 'h.U_c']);
    expect(ir.params.find((p) => p.name === 'h.U_i')!.weightDrop).toBe(0.5);
  });

  it('are 0 or 1/(1 − p) per entry, a fraction p of zeros, one per (window, param)', () => {
    const m = new Float64Array(10000);
    weightDropMask(m, 7, 0, 0.3);
    expect(m.filter((x) => x !== 0 && x !== 1 / 0.7)).toHaveLength(0);
    expect(Math.abs(m.filter((x) => x === 0).length / m.length - 0.3)).toBeLessThan(0.02);
    const again = new Float64Array(10000);
    weightDropMask(again, 7, 0, 0.3);
    expect(again).toEqual(m);
    weightDropMask(again, 8, 0, 0.3);
    expect(again).not.toEqual(m);
    weightDropMask(again, 7, 1, 0.3);
    expect(again).not.toEqual(m);
  });

  it('draw mulberry32 from the mask seed of (window, param) at step −3, entry by entry (what train.py draws too)', () => {
    for (const [seed, k, p] of [[7, 0, 0.3], [-123456, 3, 0.5], [2 ** 31 - 1, 1, 0.05]] as const) {
      const m = new Float64Array(5000);
      weightDropMask(m, seed, k, p);
      const rnd = mulberry32(maskSeed(seed, k, -3, 0));
      expect(Array.from(m, () => (rnd() < p ? 0 : 1 / (1 - p)))).toEqual(Array.from(m));
    }
  });
});

/** The params with each dropped matrix replaced by W ⊙ m (the window's effective weights). */
function masked(params: Map<string, Float64Array>, seed: number) {
  const out = new Map(params);
  const masks = new Map<string, Float64Array>();
  dropped.forEach((name, k) => {
    const m = new Float64Array(params.get(name)!.length);
    weightDropMask(m, seed, k, 0.5);
    masks.set(name, m);
    out.set(name, params.get(name)!.map((w, i) => w * m[i]));
  });
  return { params: out, masks };
}

describe('weight_drop gradients with the mask fixed', () => {
  const T = 3;
  const g = differentiate(unroll(ir, T));
  const seed = 5;
  const data = randomData(ir, 2, T, 1);
  const eff = masked(data.params, seed);
  const ref = referenceLossAndGrads(g, { params: eff.params, tokens: data.tokens, maskSeed: seed });
  const chain = new Map([...ref.grads].map(([n, d]) => [n, eff.masks.has(n) ? d.map((x, i) => x * eff.masks.get(n)![i]) : d]));

  it('m ⊙ dL/d(W ⊙ m) equals central differences of W ↦ loss(W ⊙ m)', () => {
    const f = (params: Map<string, Float64Array>) => referenceLoss(g, { params: masked(params, seed).params, tokens: data.tokens, maskSeed: seed });
    let worst = 0;
    let zeros = 0;
    for (const name of dropped) {
      const w = data.params.get(name)!;
      for (let i = 0; i < w.length; i++) {
        const x = w[i];
        const h = 1e-4;
        const at = (d: number) => {
          w[i] = x + d;
          const l = f(data.params);
          w[i] = x;
          return l;
        };
        const numeric = (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
        worst = Math.max(worst, relativeError(chain.get(name)![i], numeric));
        if (eff.masks.get(name)![i] === 0) {
          zeros++;
          expect(Math.abs(chain.get(name)![i])).toBe(0);
        }
      }
    }
    expect(zeros).toBeGreaterThan(0);
    expect(worst).toBeLessThan(1e-7);
  });

  it('the generated code with WeightDrop around the window gives them, and restores W bit for bit', () => {
    const compiled = compileModel(ir);
    const P = new Float64Array(compiled.layout.totalParams);
    const G = new Float64Array(compiled.layout.totalParams);
    for (const slot of compiled.layout.params) P.set(data.params.get(slot.name)!, slot.offset);
    const before = P.slice();
    const wd = new WeightDrop(weightDropSlots(ir, compiled.layout.params));
    const runner = compiled.instantiate({ Float: Float64Array, B: 2, T, params: P, grads: G });
    wd.apply(P, seed);
    const loss = runner.run(Int32Array.from(data.tokens.flat()), { seed });
    wd.restore(P, G);
    expect(P).toEqual(before);
    expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(1e-12);
    for (const slot of compiled.layout.params) {
      const want = chain.get(slot.name)!;
      const got = G.subarray(slot.offset, slot.offset + slot.size);
      for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want[i])));
    }
  });
});
