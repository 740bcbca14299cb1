// Power iteration against matrices whose singular values are known by construction; the
// recurrent matrices and their nonlinearities found in the shipped cells; the decay fit on
// exact geometric sequences; the lecture's Elman bound holding on a measured model.
import { describe, expect, it } from 'vitest';
import { spectralNorm } from '../../src/diagnose/power.ts';
import { recurrentMatrices } from '../../src/diagnose/recurrent.ts';
import { belowDistance, diagnose, logSlope } from '../../src/diagnose/measure.ts';
import { compile } from '../../src/runtime/model.ts';
import { smallModel } from './models.ts';

/** A Householder reflection I − 2vvᵀ/‖v‖² (orthogonal), n × n. */
function householder(v: number[]): number[][] {
  const s = v.reduce((a, x) => a + x * x, 0);
  return v.map((vi, i) => v.map((vj, j) => (i === j ? 1 : 0) - (2 * vi * vj) / s));
}
const matmul = (a: number[][], b: number[][]) => a.map((r) => b[0].map((_, j) => r.reduce((s, x, k) => s + x * b[k][j], 0)));

describe('spectral norm by power iteration', () => {
  it('finds σ₁ of Q₁ · diag(σ) · Q₂ for known σ (a rectangular 5 × 4 matrix)', () => {
    const sigma = [3.25, 2.5, 0.7, 0.1];
    const D = Array.from({ length: 5 }, (_, i) => Array.from({ length: 4 }, (_, j) => (i === j ? sigma[i] : 0)));
    const W = matmul(matmul(householder([1, -2, 0.5, 3, 1]), D), householder([0.3, 1, -1, 2]));
    const r = spectralNorm(W.flat(), 5, 4);
    expect(r.converged).toBe(true);
    expect(r.value).toBeCloseTo(3.25, 9);
  });

  it('is 1 for an orthogonal matrix and |λ| for a scaled identity; 0 for zeros', () => {
    expect(spectralNorm(householder([1, 2, 3]).flat(), 3, 3).value).toBeCloseTo(1, 12);
    expect(spectralNorm([-2, 0, 0, -2], 2, 2).value).toBeCloseTo(2, 12);
    expect(spectralNorm([0, 0, 0, 0], 2, 2).value).toBe(0);
  });
});

describe('recurrent matrices', () => {
  it('are the U matrices of each cell, with the nonlinearity each feeds', () => {
    const byCell = (cell: 'Elman' | 'GRU' | 'LSTM') => recurrentMatrices(compile(smallModel(cell, { layers: 2 })).ir).map((m) => `${m.param}:${m.nonlinearity}`);
    expect(byCell('Elman')).toEqual(['h1.U:tanh', 'h2.U:tanh']);
    expect(byCell('GRU').sort()).toEqual(['h1.U_h:tanh', 'h1.U_r:sigmoid', 'h1.U_z:sigmoid', 'h2.U_h:tanh', 'h2.U_r:sigmoid', 'h2.U_z:sigmoid']);
    expect(byCell('LSTM').filter((x) => x.startsWith('h1.')).sort()).toEqual(['h1.U_c:tanh', 'h1.U_f:sigmoid', 'h1.U_i:sigmoid', 'h1.U_o:sigmoid']);
  });
});

describe('decay', () => {
  it('the slope of an exact geometric sequence is ln of its ratio; the 1e-6 distance is found or extrapolated', () => {
    const y = Array.from({ length: 11 }, (_, l) => 2 * 0.5 ** l);
    expect(logSlope(y)).toBeCloseTo(Math.log(0.5), 12);
    // 0.5^ℓ < 1e-6 first at ℓ = 20: beyond the 11 points, found along the slope.
    expect(belowDistance(y, logSlope(y))).toEqual({ distance: 20, extrapolated: true });
    const z = Array.from({ length: 30 }, (_, l) => 0.1 ** l);
    expect(belowDistance(z, logSlope(z))).toEqual({ distance: 7, extrapolated: false });
    expect(belowDistance([1, 1, 2], logSlope([1, 1, 2]))).toBeNull();
  });

  it("an Elman layer's gradient stays under the lecture's bound ‖∂J/∂h⁽ᵗ⁾‖·(γ‖U‖₂)^ℓ", () => {
    const m = compile(smallModel('Elman', { hidden: 12 })).init(2);
    const params = new Map([...m.weights()].map(([k, v]) => [k, Float64Array.from(v)]));
    const ids = Int32Array.from({ length: 400 }, (_, i) => (i * 5 + (i >> 3)) % 7);
    const d = diagnose(m.ir, params, ids, { distance: 20, windows: 3, warmup: 8 });
    const U = d.matrices.find((x) => x.param === 'h1.U')!;
    expect(U.spectralNorm).toBeCloseTo(1, 6); // orthogonal init
    const c = d.curves[0];
    // Per window the bound holds step by step; the mean of the windows keeps it.
    for (let l = 1; l <= 20; l++) expect(c.mean[l]).toBeLessThanOrEqual(c.mean[0] * U.bound! ** l * (1 + 1e-9));
    expect(c.factor).toBeLessThan(1);
  });
});

describe('saturated units', () => {
  it('an LSTM with every weight 0 but the forget bias at 10: the forget gate (σ(10)) is saturated, i and o (σ(0)) and the tanh (0) are not', () => {
    const m = compile(smallModel('LSTM')).init(0);
    const params = new Map([...m.weights()].map(([k, v]) => [k, new Float64Array(v.length).fill(k === 'h1.b_f' ? 10 : 0)]));
    const ids = Int32Array.from({ length: 60 }, (_, i) => i % 7);
    const d = diagnose(m.ir, params, ids, { distance: 9, windows: 2, warmup: 3 });
    const [s] = d.saturation;
    // 2 windows × 10 steps × 6 units × 3 gates, one in three saturated.
    expect(s.sigmoid).toEqual({ saturated: 2 * 10 * 6, total: 2 * 10 * 6 * 3 });
    expect(s.tanh).toEqual({ saturated: 0, total: 2 * 10 * 6 * 2 });
  });
});
