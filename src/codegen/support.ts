// The helpers generated code calls: batched matrix products, gathers, the fused softmax +
// cross-entropy, dropout masks. Plain loops over batch-major [B, n] buffers; they work on
// Float32Array and Float64Array alike (the generated code is dtype-generic), and they are
// the one place the performance work swaps in faster kernels.
import { mulberry32, maskSeed } from '../graph/interpret.ts';

export type FloatArray = Float32Array | Float64Array;
export type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;

/** out[b, i] = Σ_p A[i, p] · x[b, p] — `A @ x` for each example (A: [m, k]). */
function mv(out: FloatArray, A: FloatArray, x: FloatArray, B: number, m: number, k: number): void {
  for (let b = 0; b < B; b++) {
    const xo = b * k;
    const oo = b * m;
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += A[ao + p] * x[xo + p];
      out[oo + i] = s;
    }
  }
}

/** out[b, p] = Σ_i A[i, p] · g[b, i] — `Aᵀ @ g` for each example, without forming Aᵀ. */
function mtv(out: FloatArray, A: FloatArray, g: FloatArray, B: number, m: number, k: number): void {
  for (let b = 0; b < B; b++) {
    const go = b * m;
    const oo = b * k;
    for (let p = 0; p < k; p++) out[oo + p] = 0;
    for (let i = 0; i < m; i++) {
      const gi = g[go + i];
      if (gi === 0) continue;
      const ao = i * k;
      for (let p = 0; p < k; p++) out[oo + p] += A[ao + p] * gi;
    }
  }
}

/**
 * out[b] = A[b] @ X[b] for general operands, each either per example (batched) or shared:
 * A: [m, k], X: [k, n] (n = 1 for a vector). The rare shapes (a product of matrices).
 */
function mm(out: FloatArray, A: FloatArray, aBatched: boolean, X: FloatArray, xBatched: boolean, B: number, m: number, k: number, n: number): void {
  for (let b = 0; b < B; b++) {
    const ao = aBatched ? b * m * k : 0;
    const xo = xBatched ? b * k * n : 0;
    const oo = b * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[ao + i * k + p] * X[xo + p * n + j];
        out[oo + i * n + j] = s;
      }
  }
}

/** G[i, p] += scale · Σ_b g[b, i] · x[b, p] — the gradient of A in `A @ x`, summed over the batch. */
function accOuter(G: FloatArray, g: FloatArray, x: FloatArray, B: number, m: number, k: number): void {
  for (let b = 0; b < B; b++) {
    const go = b * m;
    const xo = b * k;
    for (let i = 0; i < m; i++) {
      const gi = g[go + i];
      if (gi === 0) continue;
      const Go = i * k;
      for (let p = 0; p < k; p++) G[Go + p] += gi * x[xo + p];
    }
  }
}

/** out[b, i, p] = g[b, i] · x[b, p], per example (either operand may be shared). */
function outer(out: FloatArray, g: FloatArray, gBatched: boolean, x: FloatArray, xBatched: boolean, B: number, m: number, k: number): void {
  for (let b = 0; b < B; b++) {
    const go = gBatched ? b * m : 0;
    const xo = xBatched ? b * k : 0;
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) out[b * m * k + i * k + p] = g[go + i] * x[xo + p];
  }
}

/** out[b, off : off + np] = part[b] — one operand of a concat. */
function place(out: FloatArray, n: number, off: number, part: FloatArray, partBatched: boolean, np: number, B: number): void {
  for (let b = 0; b < B; b++) {
    const po = partBatched ? b * np : 0;
    for (let j = 0; j < np; j++) out[b * n + off + j] = part[po + j];
  }
}

/** out[b] = x[b, start : start + n] — the gradient of one concat operand. */
function slice(out: FloatArray, x: FloatArray, xBatched: boolean, nx: number, start: number, n: number, B: number): void {
  for (let b = 0; b < B; b++) {
    const xo = (xBatched ? b * nx : 0) + start;
    for (let j = 0; j < n; j++) out[b * n + j] = x[xo + j];
  }
}

/** out[b] = Σ_j x[b, j] — the gradient of a scalar broadcast over a vector. */
function sumEach(out: FloatArray, x: FloatArray, xBatched: boolean, n: number, B: number): void {
  for (let b = 0; b < B; b++) {
    const xo = xBatched ? b * n : 0;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[xo + j];
    out[b] = s;
  }
}

/** G += Σ_b v[b] (v batched, n entries each), or G += B · v for a value shared by every example. */
function accBatch(G: FloatArray, v: FloatArray, batched: boolean, B: number, n: number): void {
  if (!batched) {
    for (let j = 0; j < n; j++) G[j] += B * v[j];
    return;
  }
  for (let b = 0; b < B; b++) for (let j = 0; j < n; j++) G[j] += v[b * n + j];
}

/** The token of example b at position `pos` of a [B, T + 1] window, range-checked. */
function token(tokens: Int32Array, T1: number, b: number, pos: number, rows: number): number {
  const tok = tokens[b * T1 + pos];
  if (!(tok >= 0 && tok < rows)) throw new RangeError(`token ${tok} (example ${b}, position ${pos}) is outside the vocabulary [0, ${rows})`);
  return tok;
}

/** out[b] = table[token(b, pos)] — the embedding lookup. */
function gather(out: FloatArray, table: FloatArray, rows: number, d: number, tokens: Int32Array, T1: number, pos: number, B: number): void {
  for (let b = 0; b < B; b++) {
    const r = token(tokens, T1, b, pos, rows) * d;
    for (let j = 0; j < d; j++) out[b * d + j] = table[r + j];
  }
}

/** G[token(b, pos)] += g[b] — the scatter-add gradient of the lookup, summed over the batch. */
function accScatter(G: FloatArray, g: FloatArray, rows: number, d: number, tokens: Int32Array, T1: number, pos: number, B: number): void {
  for (let b = 0; b < B; b++) {
    const r = token(tokens, T1, b, pos, rows) * d;
    for (let j = 0; j < d; j++) G[r + j] += g[b * d + j];
  }
}

/** out[b] = a zero [rows, d] table with row token(b, pos) set to g[b] (unfused form). */
function scatter(out: FloatArray, g: FloatArray, rows: number, d: number, tokens: Int32Array, T1: number, pos: number, B: number): void {
  out.fill(0);
  for (let b = 0; b < B; b++) {
    const r = token(tokens, T1, b, pos, rows) * d;
    for (let j = 0; j < d; j++) out[b * rows * d + r + j] = g[b * d + j];
  }
}

/** loss[b] = logsumexp(logits[b]) − logits[b, target] — stable: the max is subtracted first. */
function xent(loss: FloatArray, logits: FloatArray, V: number, tokens: Int32Array, T1: number, pos: number, B: number): number {
  let total = 0;
  for (let b = 0; b < B; b++) {
    const o = b * V;
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[o + j] - max);
    const l = max + Math.log(s) - logits[o + token(tokens, T1, b, pos, V)];
    loss[b] = l;
    total += l;
  }
  return total;
}

/** out[b] = g · (softmax(logits[b]) − onehot(target)), g a shared scalar or one per example. */
function xentGrad(out: FloatArray, logits: FloatArray, g: FloatArray, gBatched: boolean, V: number, tokens: Int32Array, T1: number, pos: number, B: number): void {
  for (let b = 0; b < B; b++) {
    const o = b * V;
    const gb = gBatched ? g[b] : g[0];
    let max = -Infinity;
    for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(logits[o + j] - max);
    const lse = max + Math.log(s);
    for (let j = 0; j < V; j++) out[o + j] = gb * Math.exp(logits[o + j] - lse);
    out[o + token(tokens, T1, b, pos, V)] -= gb;
  }
}

/** Inverted dropout: each entry 0 with probability p, else 1/(1-p); the same draws as the interpreter. */
function dropoutMask(out: FloatArray, B: number, n: number, p: number, seed: number, index: number, t: number): void {
  const keep = 1 / (1 - p);
  for (let b = 0; b < B; b++) {
    const rnd = mulberry32(maskSeed(seed, index, t, b));
    for (let j = 0; j < n; j++) out[b * n + j] = rnd() < p ? 0 : keep;
  }
}

/** out[b] = Xᵀ for each example (X: [r, c]). */
function transpose(out: FloatArray, x: FloatArray, batched: boolean, B: number, r: number, c: number): void {
  for (let b = 0; b < B; b++) {
    const xo = batched ? b * r * c : 0;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[b * r * c + j * r + i] = x[xo + i * c + j];
  }
}

/** One buffer per time step, carved from one allocation (no allocation inside the loops). */
function perStep(Float: FloatCtor, T: number, n: number): FloatArray[] {
  const all = new Float(T * n);
  return Array.from({ length: T }, (_, t) => all.subarray(t * n, (t + 1) * n));
}

export const support = { mv, mtv, mm, accOuter, outer, place, slice, sumEach, accBatch, gather, accScatter, scatter, xent, xentGrad, dropoutMask, transpose, perStep };
export type Support = typeof support;
