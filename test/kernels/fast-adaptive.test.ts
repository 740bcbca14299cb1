// The adaptive softmax's fast kernels (GEMMs per cluster over the rows that need it, softmaxes by
// the native cross-entropy or plain loops) against its plain-loop kernels run in float64 from
// the same float32 values: losses, dW and db added into what the arena held, dh and du.
import { describe, expect, it } from 'vitest';
import { createKernels, loadNative, wasmSimdSupported, type WasmKernels } from '../../src/kernels/index.ts';
import { fastAdaptive } from '../../src/backend/fast-adaptive.ts';
import { adaptiveStashWidth, adaptiveXent, adaptiveXentGrad } from '../../src/codegen/adaptive-support.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import { adaptiveLogProbs as meaning } from '../../src/graph/adaptive.ts';

const backends: [string, () => WasmKernels][] = [
  ...(loadNative().module ? [['native', () => createKernels({ backend: 'native', maxBytes: 64 << 20, threads: 2 })] as [string, () => WasmKernels]] : []),
  ...(wasmSimdSupported() ? [['wasm (no native softmax)', () => createKernels({ backend: 'wasm', maxBytes: 64 << 20, threads: 1 })] as [string, () => WasmKernels]] : []),
];

const normErr = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let num = 0;
  let den = 1e-30;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
};

describe.each(backends)('the adaptive softmax\'s fast kernels (%s)', (_, make) => {
  it.each([
    ['bias, shared g, a pad target', true, false],
    ['no bias, one g per row', false, true],
  ])('%s: equal the plain loops in float64 within 1e-5', (_label, withBias, gBatched) => {
    const k = make();
    const rnd = mulberry32(withBias ? 3 : 4);
    const V = 300, d = 24, B = 5, T = 7, cutoffs = [40, 130, 210];
    const K = cutoffs.length, rows = B * T, T1 = T + 1;
    const arr = (n: number, f: () => number = () => rnd() * 2 - 1) => {
      const v = k.alloc(n).view.subarray(0, n);
      v.forEach((_, i, a) => (a[i] = f()));
      return v;
    };
    const W = arr(V * d), H = arr(rows * d), U = arr(rows * K), bias = withBias ? arr(V) : null;
    const g = gBatched ? arr(rows, () => rnd()) : arr(1, () => 1 / rows);
    // Targets in every cluster, and (with the bias) one pad, which predicts nothing.
    const tokens = Int32Array.from({ length: B * T1 }, () => Math.floor(rnd() * V));
    if (withBias) tokens[T1 + 1] = -1;
    const stash = arr(rows * adaptiveStashWidth(V, d, cutoffs), () => NaN);
    const loss = arr(rows, () => NaN);
    const fast = fastAdaptive(k, (...xs) => xs.every((x) => x.buffer === k.buffer));
    const f64 = (x: Float32Array | null) => (x ? Float64Array.from(x) : null);
    const refLoss = new Float64Array(rows);
    const refTotal = adaptiveXent(refLoss, new Float64Array(0), f64(W)!, f64(H)!, f64(U)!, f64(bias), V, d, cutoffs, tokens, T1, 0, 0, T, B);
    const total = fast.adaptiveXent(loss, stash, W, H, U, bias, V, d, cutoffs, tokens, T1, 0, 0, T, B);
    expect(Math.abs(total - refTotal) / refTotal).toBeLessThan(1e-5);
    expect(normErr(loss, refLoss)).toBeLessThan(1e-5);
    if (withBias) expect(loss[1 * B + 1]).toBe(0); // the pad's row s·B + b: stream 1 reads tokens[T1 + s] at step s = 1
    // Gradients: the arena's dW and db already hold something; dh and du are overwritten.
    const dW = arr(V * d), dB = withBias ? arr(V) : null, dH = arr(rows * d, () => NaN), dU = arr(rows * K, () => NaN);
    const dW0 = Float32Array.from(dW);
    const ref = { dW: f64(dW)!, dB: f64(dB), dH: new Float64Array(rows * d), dU: new Float64Array(rows * K) };
    adaptiveXentGrad(new Float64Array(0), f64(W)!, f64(H)!, f64(U)!, f64(bias), f64(g)!, gBatched, ref.dW, ref.dH, ref.dU, ref.dB, V, d, cutoffs, tokens, T1, 0, 0, T, B);
    fast.adaptiveXentGrad(stash, W, H, U, bias, g, gBatched, dW, dH, dU, dB, V, d, cutoffs, tokens, T1, 0, 0, T, B);
    expect(normErr(dW, ref.dW)).toBeLessThan(1e-5);
    expect(normErr(dH, ref.dH)).toBeLessThan(1e-5);
    expect(normErr(dU, ref.dU)).toBeLessThan(1e-5);
    if (dB) expect(normErr(dB, ref.dB!)).toBeLessThan(1e-5);
    // The gradient reaches the tail clusters' rows of W (not only the head's).
    expect(dW.subarray(210 * d).some((v, i) => v !== dW0[210 * d + i])).toBe(true);
  });

  it('the dense log-probabilities (inference, float32 exp) equal the definition within 1e-5', () => {
    const k = make();
    const rnd = mulberry32(9);
    const V = 50, rows = 6, cutoffs = [10, 30];
    const Z = Float32Array.from({ length: rows * V }, () => (rnd() * 2 - 1) * 4);
    const U = Float32Array.from({ length: rows * 2 }, () => rnd() * 2 - 1);
    const out = new Float32Array(rows * V);
    fastAdaptive(k, () => true).adaptiveLogProbs(out, Z, U, V, cutoffs, rows);
    for (let r = 0; r < rows; r++) {
      const want = meaning(Float64Array.from(Z.subarray(r * V, (r + 1) * V)), Float64Array.from(U.subarray(r * 2, r * 2 + 2)), cutoffs);
      for (let i = 0; i < V; i++) expect(Math.abs(out[r * V + i] - want[i])).toBeLessThan(1e-5);
    }
  });
});
