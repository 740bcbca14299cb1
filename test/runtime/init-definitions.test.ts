// Initialisers against their definitions, with the random draws given: orthogonal is the Q of
// the thin QR of the Gaussian matrix its draws fill (column-major), with R's diagonal positive;
// fans follow PyTorch's convention; Box–Muller skips a zero draw; each fill writes exactly
// the parameter's values whatever the array held; a missing or unknown init is an error.
import { describe, expect, it } from 'vitest';
import { fans, fillInit, gaussian, initParams, orthogonal, xavierBound } from '../../src/runtime/init.ts';
import type { IRInit } from '../../src/ir/types.ts';

/** A source that returns the given values in order (then throws: no hidden extra draws). */
function sequence(values: number[]): () => number {
  let i = 0;
  return () => {
    if (i >= values.length) throw new Error(`drew more than the ${values.length} values given`);
    return values[i++];
  };
}

/** Q (m × n, as Q[i][j]) must satisfy QᵀQ = I, R = QᵀA upper triangular with R[j][j] > 0, and QR = A. */
function expectThinQR(Q: (i: number, j: number) => number, A: (i: number, j: number) => number, m: number, n: number): void {
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      let qq = 0;
      let r = 0;
      for (let i = 0; i < m; i++) {
        qq += Q(i, a) * Q(i, b);
        r += Q(i, a) * A(i, b);
      }
      expect(qq).toBeCloseTo(a === b ? 1 : 0, 12);
      if (a > b) expect(r).toBeCloseTo(0, 12);
      if (a === b) expect(r).toBeGreaterThan(0);
    }
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let qr = 0;
      for (let k = 0; k < n; k++) {
        let r = 0;
        for (let t = 0; t < m; t++) r += Q(t, k) * A(t, j);
        qr += Q(i, k) * r;
      }
      expect(qr).toBeCloseTo(A(i, j), 12);
    }
}

const draws = (k: number, seed: number) => Array.from({ length: k }, (_, i) => Math.sin(seed * 7.31 + i * 1.7) * 2 + Math.cos(i * i + seed));

describe('orthogonal(rows, cols, normal)', () => {
  it('tall and square: the Q of A = the rows × cols draws, column by column', () => {
    for (const [rows, cols] of [[5, 3], [4, 4], [6, 1]]) {
      const d = draws(rows * cols, rows + cols);
      const out = orthogonal(rows, cols, sequence(d));
      expectThinQR((i, j) => out[i * cols + j], (i, j) => d[j * rows + i], rows, cols);
    }
  });

  it('wide: the transpose of the Q of the cols × rows draws', () => {
    const [rows, cols] = [2, 5];
    const d = draws(rows * cols, 3);
    const out = orthogonal(rows, cols, sequence(d));
    expectThinQR((i, j) => out[j * cols + i], (i, j) => d[j * cols + i], cols, rows);
  });

  it('a column that depends on the ones before it is drawn again, from the next draws', () => {
    // Column 1 = 2 × column 0: nothing is left after projecting it out, so it is redrawn.
    const d = [1, 2, 3, 2, 4, 6, 0.5, -1, 2];
    const out = orthogonal(3, 2, sequence(d));
    const A = [[1, 0.5], [2, -1], [3, 2]];
    expectThinQR((i, j) => out[i * 2 + j], (i, j) => A[i][j], 3, 2);
  });
});

describe('fans, xavierBound', () => {
  it('PyTorch\'s convention: [out, in, …receptive] gives fan_in = in·r, fan_out = out·r', () => {
    expect(fans([4, 3])).toEqual({ fanIn: 3, fanOut: 4 });
    expect(fans([4, 3, 2, 5])).toEqual({ fanIn: 30, fanOut: 40 });
    expect(fans([7])).toEqual({ fanIn: 7, fanOut: 7 });
    expect(fans([])).toEqual({ fanIn: 1, fanOut: 1 });
    expect(xavierBound([4, 3])).toBeCloseTo(Math.sqrt(6 / 7), 15);
    expect(xavierBound([4, 3, 2, 5])).toBeCloseTo(Math.sqrt(6 / 70), 15);
  });
});

describe('gaussian (Box–Muller)', () => {
  it('gives √(−2 ln a)·cos(2πb), then √(−2 ln a)·sin(2πb), from draws a, b', () => {
    const g = gaussian(sequence([0.5, 0.125, 0.25, 0.5]));
    const r = Math.sqrt(-2 * Math.log(0.5));
    expect(g()).toBeCloseTo(r * Math.cos(Math.PI / 4), 15);
    expect(g()).toBeCloseTo(r * Math.sin(Math.PI / 4), 15);
    expect(g()).toBeCloseTo(Math.sqrt(-2 * Math.log(0.25)) * Math.cos(Math.PI), 15);
  });

  it('a draw of exactly 0 (ln 0 = −∞) is skipped, not turned into an infinite weight', () => {
    const g = gaussian(sequence([0, 0, 0.5, 0]));
    expect(g()).toBeCloseTo(Math.sqrt(-2 * Math.log(0.5)), 15);
    expect(g()).toBe(0);
  });
});

describe('fillInit', () => {
  const cases: [IRInit, number[]][] = [
    [{ name: 'zeros', args: [] }, [2, 3]],
    [{ name: 'ones', args: [] }, [2, 3]],
    [{ name: 'constant', args: [-0.5] }, [2, 3]],
    [{ name: 'uniform', args: [0.1] }, [2, 3]],
    [{ name: 'normal', args: [0.2] }, [2, 3]],
    [{ name: 'xavier', args: [] }, [2, 3]],
    [{ name: 'orthogonal', args: [] }, [2, 3]],
  ];
  for (const [init, shape] of cases) {
    it(`${init.name}: overwrites every value of what the array held and writes no more`, () => {
      const out: number[] = new Array(6).fill(7);
      let k = 0;
      fillInit(out, shape, init, () => ((k++ * 0.37) % 1) + 1e-3);
      expect(out).toHaveLength(6);
      expect(out.every((v) => v !== 7 && Number.isFinite(v))).toBe(true);
    });
  }

  it('uniform(a) and xavier are (2u − 1)·a of the draws, in order', () => {
    const u = [0.1, 0.9, 0.5, 0.25];
    const out = new Float64Array(4);
    fillInit(out, [4], { name: 'uniform', args: [0.3] }, sequence(u));
    expect([...out].map((v) => +v.toFixed(12))).toEqual(u.map((x) => +((2 * x - 1) * 0.3).toFixed(12)));
    fillInit(out, [2, 2], { name: 'xavier', args: [] }, sequence(u));
    expect([...out].map((v) => +v.toFixed(12))).toEqual(u.map((x) => +((2 * x - 1) * Math.sqrt(6 / 4)).toFixed(12)));
  });

  it('an unknown init is an error naming it', () => {
    expect(() => fillInit([0], [1], { name: 'he' as IRInit['name'], args: [] }, () => 0.5)).toThrow('unknown init he');
  });
});

describe('initParams', () => {
  it('a slot whose param has no init is an error naming it', () => {
    const arena = new Float64Array(4);
    const slots = [{ name: 'W', shape: [2, 2], offset: 0, size: 4 }];
    expect(() => initParams(arena, slots, new Map(), 1)).toThrow('no init for param W');
  });
});
