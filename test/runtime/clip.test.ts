// Global-norm clipping (Pascanu et al. 2013; tf.clip_by_global_norm): ‖g‖₂ over all arenas;
// above the threshold every entry is scaled by max / ‖g‖, so the norm lands on the threshold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clipGlobalNorm, globalNorm } from '../../src/runtime/optim/clip.ts';

/** ‖g‖₂ in float64, the plain way. */
function norm2(arenas: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arenas) for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

describe('globalNorm', () => {
  it('hand-computed norms: (3, 4) → 5; over several arenas of odd lengths', () => {
    expect(globalNorm(new Float32Array([3, 4]))).toBe(5);
    // 1 + 4 + 4 + 16 + 16 + 100 = 141... split over arenas of length 1, 2 and 3 (and an empty one).
    const parts = [new Float32Array([1]), new Float32Array([2, -2]), new Float32Array(0), new Float64Array([4, -4, 10])];
    expect(globalNorm(parts)).toBeCloseTo(Math.sqrt(141), 12);
    expect(globalNorm([])).toBe(0);
    // Lengths that exercise the unrolled loop and its tail: 1..9 ones → √n.
    for (let n = 0; n <= 9; n++) expect(globalNorm(new Float32Array(n).fill(1))).toBeCloseTo(Math.sqrt(n), 12);
  });

  it('accumulates in float64 (no float32 overflow of the squares)', () => {
    const g = new Float32Array([3e30, 4e30]);
    expect(globalNorm(g) / 5e30).toBeCloseTo(1, 6);
  });
});

describe('clipGlobalNorm', () => {
  it('above the threshold: scales to exactly max_norm, returns the norm before', () => {
    const g = new Float32Array([3, 4]);
    const before = clipGlobalNorm(g, 1);
    expect(before).toBe(5);
    expect(g[0]).toBeCloseTo(0.6, 6);
    expect(g[1]).toBeCloseTo(0.8, 6);
    expect(Math.abs(globalNorm(g) - 1)).toBeLessThan(1e-6);
  });

  it('over several arenas: one common factor, the global norm lands on the threshold', () => {
    const a = new Float32Array([1, -2, 3]);
    const b = new Float32Array([0.5, 4, -6, 7, 0.25]);
    const c = new Float64Array([-10, 2]);
    const orig = [Array.from(a), Array.from(b), Array.from(c)];
    const n0 = norm2(orig);
    const max = 2.5;
    expect(clipGlobalNorm([a, b, c], max)).toBeCloseTo(n0, 5);
    expect(Math.abs(norm2([a, b, c]) - max) / max).toBeLessThan(1e-6);
    const scale = max / n0;
    [a, b, c].forEach((arr, k) => arr.forEach((v, i) => expect(Math.abs(v - orig[k][i] * scale)).toBeLessThan(1e-6)));
    // Each arena alone would have given other factors: the factor is the global one.
    expect(Math.abs(norm2([c]) - max)).toBeGreaterThan(0.1);
  });

  it('at or below the threshold: untouched, bit for bit', () => {
    const g = new Float32Array([0.1, -0.2, 0.3]);
    const copy = g.slice();
    const n = clipGlobalNorm(g, 10);
    expect(n).toBeCloseTo(norm2([copy]), 12);
    expect(g).toEqual(copy);
    const h = new Float64Array([3, 4]);
    expect(clipGlobalNorm(h, 5)).toBe(5);
    expect(Array.from(h)).toEqual([3, 4]);
  });

  it('Infinity measures without clipping; a bad threshold throws', () => {
    const g = new Float32Array([300, 400]);
    expect(clipGlobalNorm(g, Infinity)).toBe(500);
    expect(Array.from(g)).toEqual([300, 400]);
    for (const bad of [0, -1, NaN]) expect(() => clipGlobalNorm(g, bad)).toThrow(RangeError);
  });

  it('a non-finite gradient: the norm is returned as is and nothing is scaled', () => {
    const g = new Float32Array([1, NaN, 2]);
    expect(clipGlobalNorm(g, 1)).toBeNaN();
    expect(g[0]).toBe(1);
    expect(g[2]).toBe(2);
    const h = new Float32Array([1, Infinity]);
    expect(clipGlobalNorm(h, 1)).toBe(Infinity);
    expect(Array.from(h)).toEqual([1, Infinity]);
  });

  it('property: after clipping, norm = min(norm before, max_norm) within 1e-6, direction kept', () => {
    const arena = fc.array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { minLength: 0, maxLength: 12 });
    fc.assert(
      fc.property(fc.array(arena, { minLength: 1, maxLength: 4 }), fc.double({ min: 1e-3, max: 300, noNaN: true }), (parts, max) => {
        const arenas = parts.map((p) => Float32Array.from(p));
        const orig = arenas.map((a) => Array.from(a));
        const n0 = norm2(orig);
        const ret = clipGlobalNorm(arenas, max);
        expect(Math.abs(ret - n0)).toBeLessThanOrEqual(1e-12 * n0);
        const n1 = norm2(arenas);
        if (n0 > max) {
          expect(Math.abs(n1 - max)).toBeLessThanOrEqual(1e-6 * max);
          const s = max / n0;
          arenas.forEach((a, k) => a.forEach((v, i) => expect(Math.abs(v - orig[k][i] * s)).toBeLessThanOrEqual(1e-6 * Math.abs(orig[k][i] * s) + 1e-30)));
        } else {
          arenas.forEach((a, k) => expect(Array.from(a)).toEqual(orig[k]));
        }
      }),
      { numRuns: 200 },
    );
  });
});
