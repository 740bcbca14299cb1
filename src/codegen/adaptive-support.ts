// The adaptive softmax's helpers for generated code, as plain loops over batch-major buffers
// (Float32Array or Float64Array): the dense log-probabilities inference reads, and the
// training loss fused with its output layer, which computes the logits of the head and of
// the target's cluster only. The meaning is graph/adaptive.ts's, called row by row; the
// fast path (src/backend/fast-adaptive.ts) does the same with GEMMs over whole clusters.
import { adaptiveLoss, adaptiveLossVjp, clusterOf, tailBounds } from '../graph/adaptive.ts';

type FloatArray = Float32Array | Float64Array;

/**
 * out[row] = every word's log-probability, from the word logits Z[row] and the cluster logits
 * U[row] (graph/adaptive.ts's definition, in place of its allocations); over an exp: Math.exp
 * for float64, the float32-accurate exp32 where every value is stored as float32.
 */
export function adaptiveLogProbsWith(exp: (x: number) => number) {
  return function adaptiveLogProbs(out: FloatArray, Z: FloatArray, U: FloatArray, V: number, cutoffs: readonly number[], rows: number): void {
    const K = cutoffs.length;
    const c1 = cutoffs[0];
    const bounds = tailBounds(cutoffs, V);
    for (let r = 0; r < rows; r++) {
      const o = r * V;
      const ou = r * K;
      let m = -Infinity;
      for (let i = 0; i < c1; i++) if (Z[o + i] > m) m = Z[o + i];
      for (let j = 0; j < K; j++) if (U[ou + j] > m) m = U[ou + j];
      let sum = 0;
      for (let i = 0; i < c1; i++) sum += exp(Z[o + i] - m);
      for (let j = 0; j < K; j++) sum += exp(U[ou + j] - m);
      const head = m + Math.log(sum);
      for (let i = 0; i < c1; i++) out[o + i] = Z[o + i] - head;
      for (let k = 0; k < K; k++) {
        const [a, e] = bounds[k];
        let mk = -Infinity;
        for (let i = a; i < e; i++) if (Z[o + i] > mk) mk = Z[o + i];
        let sk = 0;
        for (let i = a; i < e; i++) sk += exp(Z[o + i] - mk);
        const shift = U[ou + k] - head - (mk + Math.log(sk));
        for (let i = a; i < e; i++) out[o + i] = Z[o + i] + shift;
      }
    }
  };
}

export const adaptiveLogProbs = adaptiveLogProbsWith(Math.exp);

/** The word logits a row needs (the head and cluster k's, or all with k = null) into z: W·h + b. */
function logitsInto(z: Float64Array, W: FloatArray, h: FloatArray, ho: number, bias: FloatArray | null, d: number, ranges: [number, number][]): void {
  for (const [a, b] of ranges)
    for (let i = a; i < b; i++) {
      let s = bias ? bias[i] : 0;
      for (let j = 0; j < d; j++) s += W[i * d + j] * h[ho + j];
      z[i] = s;
    }
}

/** The head's rows and those of word y's cluster. */
function rangesOf(cutoffs: readonly number[], V: number, y: number): [number, number][] {
  const k = clusterOf(cutoffs, y);
  return k < 0 ? [[0, cutoffs[0]]] : [[0, cutoffs[0]], tailBounds(cutoffs, V)[k]];
}

/**
 * loss[row] = −log p(target) with the word logits W·H[row] + b computed only where the target
 * reads them; the target of row s·B + b is tokens[b·T1 + tStart + s + pos] (the pad, −1: 0).
 * Returns the sum. `stash` is the fast path's (unused here).
 */
export function adaptiveXent(loss: FloatArray, _stash: FloatArray, W: FloatArray, H: FloatArray, U: FloatArray, bias: FloatArray | null, V: number, d: number, cutoffs: readonly number[], tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): number {
  const K = cutoffs.length;
  const z = new Float64Array(V);
  let total = 0;
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const row = s * B + b;
      const y = tokens[b * T1 + tStart + s + pos];
      if (y < 0) {
        loss[row] = 0;
        continue;
      }
      logitsInto(z, W, H, row * d, bias, d, rangesOf(cutoffs, V, y));
      total += loss[row] = adaptiveLoss(z, U.subarray(row * K, (row + 1) * K), cutoffs, y);
    }
  return total;
}

/**
 * The gradients of Σ_rows g · loss[row]: dH and dU are written (null: not wanted), dW and dB
 * accumulated into (the gradient arena's views; null: not wanted); g is one scalar or one per row.
 */
export function adaptiveXentGrad(_stash: FloatArray, W: FloatArray, H: FloatArray, U: FloatArray, bias: FloatArray | null, g: FloatArray, gBatched: boolean, dW: FloatArray | null, dH: FloatArray | null, dU: FloatArray | null, dB: FloatArray | null, V: number, d: number, cutoffs: readonly number[], tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): void {
  const K = cutoffs.length;
  const z = new Float64Array(V);
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const row = s * B + b;
      const y = tokens[b * T1 + tStart + s + pos];
      if (dH) dH.fill(0, row * d, (row + 1) * d);
      if (dU) dU.fill(0, row * K, (row + 1) * K);
      if (y < 0) continue; // the pad: nothing was predicted, no gradient
      const ranges = rangesOf(cutoffs, V, y);
      logitsInto(z, W, H, row * d, bias, d, ranges);
      const { dz, du } = adaptiveLossVjp(z, U.subarray(row * K, (row + 1) * K), cutoffs, y, gBatched ? g[row] : g[0]);
      if (dU) dU.set(du, row * K);
      for (const [a, e] of ranges)
        for (let i = a; i < e; i++) {
          const gi = dz[i];
          if (dB) dB[i] += gi;
          for (let j = 0; j < d; j++) {
            if (dH) dH[row * d + j] += W[i * d + j] * gi;
            if (dW) dW[i * d + j] += gi * H[row * d + j];
          }
        }
    }
}

/** Floats per row of the stash the fast path keeps between the loss and its gradient. */
export function adaptiveStashWidth(V: number, d: number, cutoffs: readonly number[]): number {
  const widest = Math.max(...tailBounds(cutoffs, V).map(([a, b]) => b - a));
  return cutoffs[0] + cutoffs.length + widest + 2 * d + 1;
}
