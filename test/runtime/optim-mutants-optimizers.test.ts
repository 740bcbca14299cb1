// Optimizer edges the mutation run found untested (issue 11): the range check of nt-asgd's
// averageFrom on load, SGD's update of an infinite weight without weight decay, and centered
// RMSprop's gradient average as a state buffer. Oracles: hand computations of the updates
// defined in optimizers.ts's header (PyTorch's forms).
import { describe, expect, it } from 'vitest';
import { createOptimizer, OptimizerError } from '../../src/runtime/optim/optimizers.ts';

describe('nt-asgd load: averageFrom must be an integer step in [0, step]', () => {
  const load = (averageFrom: number, step = 4) => {
    const o = createOptimizer('nt-asgd', {}, 2, Float64Array);
    o.load({ kind: 'nt-asgd', step, tensors: { ax: Float64Array.from([1, 2]) }, averageFrom });
    return o;
  };
  it('refuses a negative or fractional start', () => {
    for (const from of [-1, 1.5]) {
      expect(() => load(from), String(from)).toThrow(OptimizerError);
      expect(() => load(from), String(from)).toThrow(/averaging must start at a step between 0 and 4 \(got /);
    }
  });
  it('accepts the ends 0 and step, and averages from there (by hand)', () => {
    const a = load(0);
    expect(a.state().averageFrom).toBe(0);
    const pa = Float64Array.from([0, 0]);
    a.step(pa, Float64Array.from([2, 4]), 0.5); // θ = (−1, −2); k = 5 − 0: ax ← ax + (θ − ax)/5
    expect(Array.from(a.averaged!()!)).toEqual([1 + (-1 - 1) / 5, 2 + (-2 - 2) / 5]);

    // Saved just after the switch, before an averaged step: the next step's mean is θ itself.
    const b = load(4);
    expect(b.state().averageFrom).toBe(4);
    const pb = Float64Array.from([0, 0]);
    b.step(pb, Float64Array.from([2, 4]), 0.5);
    expect(Array.from(b.averaged!()!)).toEqual([-1, -2]);
  });
});

describe('sgd without weight decay: θ ← θ − η·g, no λ·θ term at all', () => {
  it('an infinite weight stays infinite (0·∞ would make it NaN)', () => {
    for (const kind of ['sgd', 'nt-asgd'] as const) {
      const o = createOptimizer(kind, {}, 3, Float64Array);
      const p = Float64Array.from([Infinity, -Infinity, 1]);
      o.step(p, Float64Array.from([1, 1, 1]), 0.5);
      expect(Array.from(p), kind).toEqual([Infinity, -Infinity, 0.5]);
    }
  });
});

describe('rmsprop centered: the gradient average ḡ ← α·ḡ + (1−α)·g (by hand)', () => {
  it('keeps ḡ with the sign of the gradients, and continues from a loaded ḡ', () => {
    // α = 0.5, η = 1, ε = 0, θ₀ = 0, g = 2: s = 0.5·4 = 2, ḡ = 0.5·2 = 1, θ = −2/√(2 − 1) = −2.
    const o = createOptimizer('rmsprop', { alpha: 0.5, eps: 0, centered: true }, 1, Float64Array);
    const p = Float64Array.from([0]);
    o.step(p, Float64Array.from([2]), 1);
    expect(Array.from(p)).toEqual([-2]);
    expect(Array.from(o.state().tensors.grad_avg)).toEqual([1]);
    expect(Array.from(o.state().tensors.square_avg)).toEqual([2]);

    // From s = 2, ḡ = 1 (loaded), θ = 0 and g = −2: s = 1 + 2 = 3, ḡ = 0.5 − 1 = −0.5,
    // θ = 2/√(3 − 0.25) = 2/√2.75.
    const r = createOptimizer('rmsprop', { alpha: 0.5, eps: 0, centered: true }, 1, Float64Array);
    r.load({ kind: 'rmsprop', step: 1, tensors: { square_avg: Float64Array.from([2]), grad_avg: Float64Array.from([1]) } });
    const q = Float64Array.from([0]);
    r.step(q, Float64Array.from([-2]), 1);
    expect(Array.from(r.state().tensors.grad_avg)).toEqual([-0.5]);
    expect(q[0]).toBeCloseTo(2 / Math.sqrt(2.75), 14);
  });
});
