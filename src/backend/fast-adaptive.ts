// The adaptive softmax's training kernels on the fast path: the head's logits for the whole
// window as one GEMM, each tail cluster's as one GEMM over only the rows whose target is in
// it, the softmaxes by the native cross-entropy kernels (plain loops without them), and the
// gradients as GEMMs again (dh, and dW straight into the arena). The loss keeps its logits in
// the stash; the gradient turns them into g · (softmax − onehot) in place.
//   stash per window, in floats: head [rows × (c_1 + K)] | clusters, back to back [Σ n_k·|rows_k|]
//   | gathered h [rows × d] | their gradients [rows × d] | per-row scratch [rows]
import { adaptiveLogProbsWith, adaptiveXent as plainXent, adaptiveXentGrad as plainGrad } from '../codegen/adaptive-support.ts';
import { exp32 } from '../codegen/fast-math.ts';
import { clusterOf, tailBounds } from '../graph/adaptive.ts';
import { crossEntropy, type FloatArray } from '../codegen/support.ts';
import type { WasmKernels } from '../kernels/index.ts';

type Kernels = Pick<WasmKernels, 'gemm' | 'xent' | 'xentGrad' | 'int32Scratch' | 'addRows'>;

interface Window {
  rows: number;
  /** Each row's target (−1: the pad), and the rows of each tail cluster in order. */
  ys: Int32Array;
  members: Int32Array[];
  hw: number;
  bounds: [number, number][];
  /** Float offsets into the stash. */
  clusters: number;
  gathered: number;
  gatheredGrad: number;
  scratch: number;
}

function windowOf(V: number, d: number, cutoffs: readonly number[], tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): Window {
  const rows = tCount * B;
  const ys = new Int32Array(rows);
  const counts = new Int32Array(cutoffs.length);
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const y = (ys[s * B + b] = tokens[b * T1 + tStart + s + pos]);
      const k = y < 0 ? -1 : clusterOf(cutoffs, y);
      if (k >= 0) counts[k]++;
    }
  const members = [...counts].map((c) => new Int32Array(c));
  counts.fill(0);
  for (let r = 0; r < rows; r++) {
    const k = ys[r] < 0 ? -1 : clusterOf(cutoffs, ys[r]);
    if (k >= 0) members[k][counts[k]++] = r;
  }
  const hw = cutoffs[0] + cutoffs.length;
  const bounds = tailBounds(cutoffs, V);
  const widest = Math.max(...bounds.map(([a, e]) => e - a));
  const clusters = rows * hw;
  const gathered = clusters + rows * widest;
  return { rows, ys, members, hw, bounds, clusters, gathered, gatheredGrad: gathered + rows * d, scratch: gathered + 2 * rows * d };
}

/** The stash's scratch views: per-row values, gathered h rows and their gradients. */
function views(w: Window, S: Float32Array) {
  return { tmp: S.subarray(w.scratch, w.scratch + w.rows), hg: S.subarray(w.gathered, w.gatheredGrad), hd: S.subarray(w.gatheredGrad, w.scratch) };
}

/** Each non-empty tail cluster in turn: its rows, its first word, its width and its block of the stash. */
function eachCluster(w: Window, S: Float32Array, fn: (rows: Int32Array, a: number, n: number, blk: Float32Array) => void): void {
  let off = w.clusters;
  w.members.forEach((rs, c) => {
    if (!rs.length) return;
    const [a, e] = w.bounds[c];
    const n = e - a;
    fn(rs, a, n, S.subarray(off, off + rs.length * n));
    off += rs.length * n;
  });
}

export function fastAdaptive(k: Kernels, inMemory: (...xs: FloatArray[]) => boolean) {
  const native = k.xent && k.xentGrad && k.int32Scratch ? { xent: k.xent.bind(k), xentGrad: k.xentGrad.bind(k), int32: k.int32Scratch.bind(k) } : null;
  const addRows = k.addRows?.bind(k);
  const F = 4; // bytes per float

  // Without the native kernels: the plain float32 cross-entropy (codegen/support.ts), reading
  // the rows as one stream of `rows` steps whose targets are `t` (the stride T1 is then unused).
  const ce32 = crossEntropy(exp32);
  const ids = (rows: number, targets: ArrayLike<number>): Int32Array => Int32Array.from({ length: rows }, (_, i) => targets[i]);
  /** The targets copied into the native kernels' int32 scratch; its address. */
  const nativeTargets = (rows: number, targets: ArrayLike<number>): number => {
    const t = native!.int32(rows);
    for (let i = 0; i < rows; i++) t.view[i] = targets[i];
    return t.ptr;
  };
  /** loss[i] = LSE(x[i]) − x[i, t[i]] over rows of width n. */
  const softmaxLoss = (x: Float32Array, n: number, rows: number, targets: ArrayLike<number>, loss: Float32Array): void => {
    if (!native) {
      ce32.xent(loss, x, n, ids(rows, targets), 1, 0, 0, rows, 1);
      return;
    }
    native.xent(rows, n, x.byteOffset, nativeTargets(rows, targets), loss.byteOffset);
  };
  /** x[i] ← g[i] · (softmax(x[i]) − onehot(t[i])) in place; g one scalar, or one per row. */
  const softmaxGrad = (x: Float32Array, n: number, rows: number, targets: ArrayLike<number>, g: Float32Array, gBatched: boolean): void => {
    if (!native) {
      ce32.xentGrad(x, x, g, gBatched, n, ids(rows, targets), 1, 0, 0, rows, 1);
      return;
    }
    native.xentGrad(rows, n, x.byteOffset, x.byteOffset, nativeTargets(rows, targets), g.byteOffset, gBatched);
  };
  const gather = (dst: Float32Array, src: Float32Array, rows: Int32Array, d: number): void => {
    for (let i = 0; i < rows.length; i++) dst.set(src.subarray(rows[i] * d, rows[i] * d + d), i * d);
  };
  /** dst[j] += Σ_i src[i·n + j]: a bias's gradient. */
  const sumRows = (dst: Float32Array, src: Float32Array, rows: number, n: number, lds: number): void => {
    if (addRows) return addRows(rows, n, dst.byteOffset, src.byteOffset, lds);
    for (let i = 0; i < rows; i++) for (let j = 0; j < n; j++) dst[j] += src[i * lds + j];
  };
  const headTarget = (w: Window, cutoffs: readonly number[], r: number): number => {
    const y = w.ys[r];
    if (y < 0) return 0; // the pad: its row is zeroed after
    const c = clusterOf(cutoffs, y);
    return c < 0 ? y : cutoffs[0] + c;
  };

  return {
    // Every value here is stored as float32: the float32-accurate exp suffices.
    adaptiveLogProbs: adaptiveLogProbsWith(exp32),
    adaptiveXent(loss: FloatArray, stash: FloatArray, W: FloatArray, H: FloatArray, U: FloatArray, bias: FloatArray | null, V: number, d: number, cutoffs: readonly number[], tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): number {
      if (!inMemory(loss, stash, W, H, U, ...(bias ? [bias] : []))) return plainXent(loss, stash, W, H, U, bias, V, d, cutoffs, tokens, T1, pos, tStart, tCount, B);
      const [L, S, Wf, Hf, Uf] = [loss, stash, W, H, U] as Float32Array[];
      const w = windowOf(V, d, cutoffs, tokens, T1, pos, tStart, tCount, B);
      const { rows, hw } = w;
      const c1 = cutoffs[0];
      const K = cutoffs.length;
      // The head: [H·W_headᵀ + b_head | u] per row, its loss against the word or its cluster.
      const head = S.subarray(0, rows * hw);
      k.gemm(false, true, rows, c1, d, 1, Hf.byteOffset, d, Wf.byteOffset, d, 0, head.byteOffset, hw);
      for (let r = 0; r < rows; r++) {
        const o = r * hw;
        if (bias) for (let i = 0; i < c1; i++) head[o + i] += bias[i];
        for (let j = 0; j < K; j++) head[o + c1 + j] = Uf[r * K + j];
      }
      softmaxLoss(head, hw, rows, Array.from({ length: rows }, (_, r) => headTarget(w, cutoffs, r)), L);
      // Each cluster: the rows whose target is in it, gathered, times its rows of W.
      const { tmp, hg } = views(w, S);
      eachCluster(w, S, (rs, a, n, blk) => {
        gather(hg, Hf, rs, d);
        k.gemm(false, true, rs.length, n, d, 1, hg.byteOffset, d, Wf.byteOffset + a * d * F, d, 0, blk.byteOffset, n);
        if (bias) for (let i = 0; i < rs.length; i++) for (let j = 0; j < n; j++) blk[i * n + j] += bias[a + j];
        softmaxLoss(blk, n, rs.length, Array.from(rs, (r) => w.ys[r] - a), tmp);
        for (let i = 0; i < rs.length; i++) L[rs[i]] += tmp[i];
      });
      let total = 0;
      for (let r = 0; r < rows; r++) {
        if (w.ys[r] < 0) L[r] = 0;
        total += L[r];
      }
      return total;
    },

    adaptiveXentGrad(stash: FloatArray, W: FloatArray, H: FloatArray, U: FloatArray, bias: FloatArray | null, g: FloatArray, gBatched: boolean, dW: FloatArray | null, dH: FloatArray | null, dU: FloatArray | null, dB: FloatArray | null, V: number, d: number, cutoffs: readonly number[], tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): void {
      const outs = [dW, dH, dU, dB].filter((x): x is FloatArray => x !== null);
      if (!inMemory(stash, W, H, U, g, ...outs)) return plainGrad(stash, W, H, U, bias, g, gBatched, dW, dH, dU, dB, V, d, cutoffs, tokens, T1, pos, tStart, tCount, B);
      const [S, Wf, Hf, gf] = [stash, W, H, g] as Float32Array[];
      const w = windowOf(V, d, cutoffs, tokens, T1, pos, tStart, tCount, B);
      const { rows, hw } = w;
      const c1 = cutoffs[0];
      const K = cutoffs.length;
      const head = S.subarray(0, rows * hw);
      softmaxGrad(head, hw, rows, Array.from({ length: rows }, (_, r) => headTarget(w, cutoffs, r)), gf, gBatched);
      for (let r = 0; r < rows; r++) if (w.ys[r] < 0) head.fill(0, r * hw, (r + 1) * hw);
      if (dU) for (let r = 0; r < rows; r++) for (let j = 0; j < K; j++) dU[r * K + j] = head[r * hw + c1 + j];
      if (dH) k.gemm(false, false, rows, d, c1, 1, head.byteOffset, hw, Wf.byteOffset, d, 0, dH.byteOffset, d);
      if (dW) k.gemm(true, false, c1, d, rows, 1, head.byteOffset, hw, Hf.byteOffset, d, 1, dW.byteOffset, d);
      if (dB) sumRows(dB as Float32Array, head, rows, c1, hw);
      const { tmp, hg, hd } = views(w, S);
      eachCluster(w, S, (rs, a, n, blk) => {
        if (gBatched) for (let i = 0; i < rs.length; i++) tmp[i] = gf[rs[i]];
        softmaxGrad(blk, n, rs.length, Array.from(rs, (r) => w.ys[r] - a), gBatched ? tmp : gf, gBatched);
        gather(hg, Hf, rs, d);
        if (dH) {
          k.gemm(false, false, rs.length, d, n, 1, blk.byteOffset, n, Wf.byteOffset + a * d * F, d, 0, hd.byteOffset, d);
          for (let i = 0; i < rs.length; i++) for (let j = 0; j < d; j++) dH[rs[i] * d + j] += hd[i * d + j];
        }
        if (dW) k.gemm(true, false, n, d, rs.length, 1, blk.byteOffset, n, hg.byteOffset, d, 1, dW.byteOffset + a * d * F, d);
        if (dB) sumRows((dB as Float32Array).subarray(a, a + n), blk, rs.length, n, n);
      });
    },
  };
}
