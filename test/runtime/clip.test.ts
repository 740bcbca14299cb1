// Global-norm clipping (Pascanu et al. 2013; tf.clip_by_global_norm): ‖g‖₂ over the gradient
// arena; above the threshold every entry is scaled by max / ‖g‖, so the norm lands on the
// threshold. These are the two functions the trainer calls (the scaling itself happens in the
// optimizer's pass: test/runtime/reference-trainer.test.ts checks the whole step).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipFactor, globalNorm } from '../../src/runtime/optim/clip.ts';

/** ‖g‖₂ in float64, the plain way. */
function norm2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

describe('globalNorm', () => {
  // Float32 arenas take the native loop where it is built, float64 ones the JavaScript loop.
  it('hand-computed norms: (3, 4) → 5; lengths that exercise the unrolled loop and its tail', () => {
    expect(globalNorm(new Float32Array([3, 4]))).toBe(5);
    expect(globalNorm(new Float64Array([1, 2, -2, 4, -4, 10]))).toBe(Math.sqrt(141));
    expect(globalNorm(new Float64Array(0))).toBe(0);
    for (let n = 0; n <= 9; n++) {
      expect(globalNorm(new Float32Array(n).fill(1))).toBeCloseTo(Math.sqrt(n), 12);
      // Each position counts (a loop that skipped the tail or one lane would miss it).
      for (let k = 0; k < n; k++) {
        const g = new Float64Array(n);
        g[k] = -3;
        expect(globalNorm(g)).toBe(3);
      }
    }
  });

  it('accumulates in float64 (no float32 overflow of the squares), float32 and float64 arenas alike', () => {
    expect(globalNorm(new Float32Array([3e30, 4e30])) / 5e30).toBeCloseTo(1, 6);
    expect(globalNorm(new Float64Array([3e30, 4e30, 0, 0, 0])) / 5e30).toBeCloseTo(1, 12);
  });

  it('a non-finite entry gives a non-finite norm (the trainer stops on it)', () => {
    expect(globalNorm(new Float64Array([1, NaN, 2]))).toBeNaN();
    expect(globalNorm(new Float32Array([1, 2, 3, 4, Infinity]))).toBe(Infinity);
    expect(globalNorm(new Float64Array([-Infinity, 0]))).toBe(Infinity);
  });

  it('property: equals the plain float64 sum of squares within 1e-12 (float32 and float64)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { maxLength: 40 }), (xs) => {
        for (const g of [Float64Array.from(xs), Float32Array.from(xs)]) expect(Math.abs(globalNorm(g) - norm2(g))).toBeLessThanOrEqual(1e-12 * norm2(g));
      }),
      { numRuns: 200 },
    );
  });
});

describe('clipFactor', () => {
  it('above the threshold: threshold / norm; at or below it: 1; threshold 0: off', () => {
    expect(clipFactor(10, 5)).toBe(0.5);
    expect(clipFactor(5, 1)).toBe(0.2);
    expect(clipFactor(5, 5)).toBe(1);
    expect(clipFactor(4.999, 5)).toBe(1);
    expect(clipFactor(0, 5)).toBe(1);
    expect(clipFactor(1e9, 0)).toBe(1);
  });

  it('property: the clipped gradient f·g has norm min(‖g‖, max) and the direction of g', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 12 }),
        fc.double({ min: 1e-3, max: 300, noNaN: true }),
        (xs, max) => {
          const g = Float64Array.from(xs);
          const n = globalNorm(g);
          const f = clipFactor(n, max);
          expect(f).toBeGreaterThan(0);
          expect(f).toBeLessThanOrEqual(1);
          const clipped = g.map((v) => f * v);
          expect(Math.abs(norm2(clipped) - Math.min(n, max))).toBeLessThanOrEqual(1e-12 * Math.max(n, 1e-300));
        },
      ),
      { numRuns: 200 },
    );
  });
});
