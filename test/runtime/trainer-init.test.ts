// Initialisation from `init` annotations: the statistics each init promises, and determinism.
import { describe, expect, it } from 'vitest';
import { fillInit, initParams, orthogonal, gaussian, xavierBound } from '../../src/runtime/init.ts';
import { Rng } from '../../src/runtime/rng.ts';

const mulberry32 = (seed: number) => new Rng(seed).asFunction();
import type { IRInit } from '../../src/ir/types.ts';

const init = (name: IRInit['name'], ...args: number[]): IRInit => ({ name, args });

function draw(shape: number[], i: IRInit, seed = 1): Float64Array {
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  fillInit(out, shape, i, mulberry32(seed));
  return out;
}

function stats(a: ArrayLike<number>) {
  let s = 0;
  let s2 = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    s += a[i];
    s2 += a[i] * a[i];
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  const mean = s / a.length;
  return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min, max };
}

describe('init', () => {
  it('xavier: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), filling the range', () => {
    const shape = [200, 300];
    const a = xavierBound(shape);
    expect(a).toBeCloseTo(Math.sqrt(6 / 500), 12);
    const st = stats(draw(shape, init('xavier')));
    expect(st.max).toBeLessThanOrEqual(a);
    expect(st.min).toBeGreaterThanOrEqual(-a);
    expect(st.max).toBeGreaterThan(0.99 * a);
    expect(st.min).toBeLessThan(-0.99 * a);
    expect(Math.abs(st.mean)).toBeLessThan(0.01 * a);
    expect(st.std).toBeCloseTo(a / Math.sqrt(3), 2); // the std of U(-a, a)
  });

  it('orthogonal: QᵀQ ≈ I for tall and square, QQᵀ ≈ I for wide matrices', () => {
    for (const [r, c] of [[16, 16], [24, 8], [8, 24], [1, 5], [5, 1]]) {
      const q = orthogonal(r, c, gaussian(mulberry32(r * 100 + c)));
      const k = Math.min(r, c);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          let dot = 0;
          // Columns i, j when tall (QᵀQ), rows i, j when wide (QQᵀ).
          if (r >= c) for (let t = 0; t < r; t++) dot += q[t * c + i] * q[t * c + j];
          else for (let t = 0; t < c; t++) dot += q[i * c + t] * q[j * c + t];
          expect(dot).toBeCloseTo(i === j ? 1 : 0, 10);
        }
    }
  });

  it('normal(std): mean 0 and the given std; uniform(a) stays in (-a, a)', () => {
    const n = draw([100000], init('normal', 0.1));
    const st = stats(n);
    expect(Math.abs(st.mean)).toBeLessThan(0.002);
    expect(st.std).toBeGreaterThan(0.098);
    expect(st.std).toBeLessThan(0.102);
    const u = stats(draw([10000], init('uniform', 0.05)));
    expect(u.max).toBeLessThan(0.05);
    expect(u.min).toBeGreaterThanOrEqual(-0.05);
    expect(u.std).toBeCloseTo(0.05 / Math.sqrt(3), 3);
  });

  it('zeros, ones, constant', () => {
    expect([...draw([3], init('zeros'))]).toEqual([0, 0, 0]);
    expect([...draw([3], init('ones'))]).toEqual([1, 1, 1]);
    expect([...draw([2, 2], init('constant', -2))]).toEqual([-2, -2, -2, -2]);
  });

  it('is deterministic from the seed, per parameter name', () => {
    const slots = [
      { name: 'E', shape: [4, 3], offset: 0, size: 12 },
      { name: 'U', shape: [3, 3], offset: 12, size: 9 },
    ];
    const inits = new Map([['E', init('normal', 1)], ['U', init('orthogonal')]]);
    const a = new Float32Array(21);
    const b = new Float32Array(21);
    const c = new Float32Array(21);
    initParams(a, slots, inits, 7);
    initParams(b, slots, inits, 7);
    initParams(c, slots, inits, 8);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
    // U draws from its own stream: dropping E does not change it.
    const d = new Float32Array(21);
    initParams(d, slots.slice(1), inits, 7);
    expect([...d.subarray(12)]).toEqual([...a.subarray(12)]);
  });
});
