// The sampler at its boundaries (sample.ts), each against its definition: the refusals name
// the option, softmax stays finite for large logits, temperature 0 is greedy in probabilities()
// too, nucleus ties are kept in index order up to the mass p, and a draw u picks the token
// whose cumulative interval [c_i, c_{i+1}) holds it (rounding past the end: the last kept token).
import { describe, expect, it } from 'vitest';
import { Sampler, softmax } from '../../src/runtime/sample.ts';

const fixed = (u: number) => ({ next: () => u });

describe('sampler edges', () => {
  it('refuses a bad temperature, top-k or top-p, naming it', () => {
    const s = new Sampler(3);
    const l = new Float32Array([0, 1, 2]);
    expect(() => s.sample(l, { temperature: -1 }, fixed(0))).toThrow(new RangeError('sample: temperature must be ≥ 0 and finite (got -1)'));
    expect(() => s.sample(l, { topK: 0 }, fixed(0))).toThrow(new RangeError('sample: top-k must be an integer ≥ 1 (got 0)'));
    expect(() => s.probabilities(l, { topP: 0 })).toThrow(new RangeError('sample: top-p must be in (0, 1] (got 0)'));
  });

  it('softmax of logits near 1000 is finite and exact', () => {
    const p = softmax(new Float64Array([1000, 999]));
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 15);
    expect(p[1]).toBeCloseTo(Math.exp(-1) / (1 + Math.exp(-1)), 15);
    expect(Array.from(softmax(new Float64Array([2, 1000]), undefined, 0.5))).toEqual([0, 1]);
  });

  it('probabilities at temperature 0 are the greedy one-hot', () => {
    expect(Array.from(new Sampler(3).probabilities(new Float32Array([0.5, 3, 1]), { temperature: 0 }))).toEqual([0, 1, 0]);
  });

  it('nucleus: the largest weights until their mass reaches p·total, ties at the threshold by index', () => {
    const s = new Sampler(2); // scratch grows to the row
    // Weights 4, 1, 1, 1, 1 (total 8), p = 0.6: 4 + 1 reaches 4.8, so one of the four 1s, the first.
    expect(Array.from(s.probabilities(new Float64Array([Math.log(4), 0, 0, 0, 0]), { topP: 0.6 }))).toEqual([0.8, 0.2, 0, 0, 0]);
    // Weights 1, ½, ½ (total 2), p = ½: the first weight alone reaches the mass exactly.
    expect(Array.from(s.probabilities(new Float64Array([0, -Math.LN2, -Math.LN2]), { topP: 0.5 }))).toEqual([1, 0, 0]);
  });

  it('a draw picks the token whose interval holds it; a draw at the very end falls to the last kept token', () => {
    const s = new Sampler(3);
    const even = new Float64Array([0, 0]); // weights 1, 1: [0, 1) → 0, [1, 2) → 1
    expect(s.sample(even, {}, fixed(0.5))).toBe(1); // u = 1: the boundary belongs to the next token
    expect(s.sample(even, {}, fixed(0.4999))).toBe(0);
    expect(s.sample(new Float64Array([0, 0, -Infinity]), {}, fixed(1))).toBe(1); // never the zero-weight token 2
  });
});
