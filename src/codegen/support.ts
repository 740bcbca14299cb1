// The helpers generated code calls: batched matrix products, gathers, the fused softmax +
// cross-entropy, dropout masks. Plain loops over batch-major [B, n] buffers; they work on
// Float32Array and Float64Array alike (the generated code is dtype-generic), and they are
// the one place the performance work swaps in faster kernels (src/backend/fast-support.ts).
import { LOCKED_T, mulberry32, maskSeed, rowKept } from '../graph/interpret.ts';
import { exactSigmoid } from './fast-math.ts';
import { adaptiveLogProbs, adaptiveXent, adaptiveXentGrad } from './adaptive-support.ts';

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

/**
 * outs[g][b, i] = Σ_p W[g·m + i, p] · x[b, p]: several products `W_g @ x` of one operand
 * whose matrices lie back to back in the arena (W = [W_0; W_1; …], [n·m, k]), e.g. an
 * LSTM's four gates. The fast path makes it one GEMM into `scratch` ([B, n·m]), then
 * copies each gate's columns out.
 */
function mvPack(scratch: FloatArray, W: FloatArray, x: FloatArray, B: number, m: number, k: number, outs: FloatArray[]): void {
  for (let g = 0; g < outs.length; g++) mv(outs[g], W.subarray(g * m * k, (g + 1) * m * k), x, B, m, k);
}

/**
 * out[b, p] = Σ_g Σ_i W[g·m + i, p] · gs[g][b, i]: the sum of the products `W_gᵀ @ g_g` (the
 * gradient of an operand shared by packed products). The fast path copies the g_g side by
 * side into `scratch` ([B, n·m]) and makes it one GEMM with depth n·m.
 */
function mtvPack(scratch: FloatArray, W: FloatArray, gs: FloatArray[], B: number, m: number, k: number, out: FloatArray): void {
  out.fill(0, 0, B * k);
  for (let g = 0; g < gs.length; g++) {
    const x = gs[g];
    for (let b = 0; b < B; b++) {
      const oo = b * k;
      for (let i = 0; i < m; i++) {
        const gi = x[b * m + i];
        if (gi === 0) continue;
        const wo = (g * m + i) * k;
        for (let p = 0; p < k; p++) out[oo + p] += W[wo + p] * gi;
      }
    }
  }
}

/** The [B, m] buffers side by side in one [B, n·m] matrix. */
export function packRows(scratch: FloatArray, B: number, m: number, xs: FloatArray[]): void {
  const n = xs.length;
  const row = n * m;
  for (let g = 0; g < n; g++) {
    const x = xs[g];
    for (let b = 0, dst = g * m, src = 0; b < B; b++, dst += row, src += m) for (let j = 0; j < m; j++) scratch[dst + j] = x[src + j];
  }
}

/** The columns of gate g of a packed [B, n·m] product, into its own [B, m] buffer. */
export function unpack(scratch: FloatArray, B: number, m: number, outs: FloatArray[]): void {
  const n = outs.length;
  const row = n * m;
  for (let g = 0; g < n; g++) {
    const out = outs[g];
    for (let b = 0, src = g * m, dst = 0; b < B; b++, src += row, dst += m) for (let j = 0; j < m; j++) out[dst + j] = scratch[src + j];
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

/** Every token of a window must index the vocabulary (checked once, so kernels need not). */
function checkTokens(tokens: Int32Array, vocab: number): void {
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (!(tok >= 0 && tok < vocab)) throw new RangeError(`token ${tok} (at ${i}) is outside the vocabulary [0, ${vocab})`);
  }
}

// Token-reading kernels cover steps tStart … tStart + tCount − 1 (one step inside a time
// loop, or the whole window), row (t − tStart)·B + b reading tokens[b, t + pos].

/** out[row] = table[token] — the embedding lookup; the pad (-1, before a stream's start) reads a zero row. */
function gather(out: FloatArray, table: FloatArray, rows: number, d: number, tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): void {
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const tok = tokens[b * T1 + tStart + s + pos];
      const r = tok * d;
      const o = (s * B + b) * d;
      if (tok < 0) out.fill(0, o, o + d);
      else for (let j = 0; j < d; j++) out[o + j] = table[r + j];
    }
}

/** G[token] += g[row] — the scatter-add gradient of the lookup, summed over the rows (the pad has none). */
function accScatter(G: FloatArray, g: FloatArray, rows: number, d: number, tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): void {
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const tok = tokens[b * T1 + tStart + s + pos];
      if (tok < 0) continue;
      const r = tok * d;
      const o = (s * B + b) * d;
      for (let j = 0; j < d; j++) G[r + j] += g[o + j];
    }
}

/** out[row] = a zero [rows, d] table with the token's row set to g[row] (unfused form). */
function scatter(out: FloatArray, g: FloatArray, rows: number, d: number, tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): void {
  out.fill(0, 0, tCount * B * rows * d);
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const tok = tokens[b * T1 + tStart + s + pos];
      const row = s * B + b;
      if (tok < 0) continue; // the pad's gradient goes nowhere
      for (let j = 0; j < d; j++) out[row * rows * d + tok * d + j] = g[row * d + j];
    }
}

/**
 * The fused softmax + cross-entropy kernels over an exp: Math.exp for float64, the
 * float32-accurate exp32 where every value is stored as float32 (e^x is most of their time).
 */
export function crossEntropy(exp: (x: number) => number) {
  return {
    /** loss[row] = logsumexp(logits[row]) − logits[row, target]; stable (the max is subtracted). Returns the sum. */
    xent(loss: FloatArray, logits: FloatArray, V: number, tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): number {
      let total = 0;
      for (let s = 0; s < tCount; s++)
        for (let b = 0; b < B; b++) {
          const row = s * B + b;
          const o = row * V;
          const target = tokens[b * T1 + tStart + s + pos];
          // A target before the stream's start (the pad, -1: a look-ahead model's first steps) has nothing to predict.
          if (target < 0) {
            loss[row] = 0;
            continue;
          }
          let max = -Infinity;
          for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
          let sum = 0;
          for (let j = 0; j < V; j++) sum += exp(logits[o + j] - max);
          const l = max + Math.log(sum) - logits[o + target];
          loss[row] = l;
          total += l;
        }
      return total;
    },
    /** out[row] = g · (softmax(logits[row]) − onehot(target)), g a shared scalar or one per row. */
    xentGrad(out: FloatArray, logits: FloatArray, g: FloatArray, gBatched: boolean, V: number, tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number): void {
      for (let s = 0; s < tCount; s++)
        for (let b = 0; b < B; b++) {
          const row = s * B + b;
          const o = row * V;
          const gb = gBatched ? g[row] : g[0];
          const target = tokens[b * T1 + tStart + s + pos];
          if (target < 0) {
            out.fill(0, o, o + V);
            continue;
          }
          let max = -Infinity;
          for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
          // One exp per entry: keep e^(x − max) in `out`, then scale by g / Σ.
          let sum = 0;
          for (let j = 0; j < V; j++) sum += out[o + j] = exp(logits[o + j] - max);
          const scale = gb / sum;
          for (let j = 0; j < V; j++) out[o + j] *= scale;
          out[o + target] -= gb;
        }
    },
  };
}
const { xent, xentGrad } = crossEntropy(Math.exp);

/** One buffer per step, as views of one whole-window allocation. */
function steps(all: FloatArray, T: number, n: number): FloatArray[] {
  return Array.from({ length: T }, (_, t) => all.subarray(t * n, (t + 1) * n));
}

/** Inverted dropout: each entry 0 with probability p, else 1/(1-p); the same draws as the interpreter. A locked mask is drawn once and copied to every step. */
function dropoutMask(out: FloatArray, B: number, n: number, p: number, seed: number, index: number, tStart: number, tCount: number, locked = false): void {
  const keep = 1 / (1 - p);
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const o = (s * B + b) * n;
      if (locked && s > 0) {
        out.copyWithin(o, b * n, b * n + n);
        continue;
      }
      const rnd = mulberry32(maskSeed(seed, index, locked ? LOCKED_T : tStart + s, b));
      for (let j = 0; j < n; j++) out[o + j] = rnd() < p ? 0 : keep;
    }
}

/** embedding_dropout's mask: every entry of a looked-up row is 0 or 1/(1-p), decided per row of the table and window. */
function rowMask(out: FloatArray, B: number, n: number, p: number, seed: number, index: number, tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number): void {
  const keep = 1 / (1 - p);
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const o = (s * B + b) * n;
      out.fill(rowKept(seed, index, tokens[b * T1 + tStart + s + pos], p) ? keep : 0, o, o + n);
    }
}

/** out[b] = Xᵀ for each example (X: [r, c]). */
function transpose(out: FloatArray, x: FloatArray, batched: boolean, B: number, r: number, c: number): void {
  for (let b = 0; b < B; b++) {
    const xo = batched ? b * r * c : 0;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[b * r * c + j * r + i] = x[xo + i * c + j];
  }
}

export const support = { sigmoid: exactSigmoid, tanh: Math.tanh, newWindow: () => {}, mvW: mv, mtvW: mtv, mv, mvPack, mtv, mtvPack, mm, accOuter, outer, place, slice, sumEach, accBatch, checkTokens, gather, accScatter, scatter, xent, xentGrad, adaptiveLogProbs, adaptiveXent, adaptiveXentGrad, dropoutMask, rowMask, transpose, steps };
export type Support = typeof support;
