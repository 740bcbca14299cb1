// The kernels a standalone module's generated forward code calls (`k.mvW`, `k.gather`, …),
// as JavaScript source text: plain loops over Float32Arrays, with the matrix products sent
// to the repository's WebAssembly SIMD GEMM when the engine has it. Forward only: the
// exported code is the compiler's inference output, which never calls a gradient kernel.
// They compute what src/codegen/support.ts computes on the float32 path (withGemm): the same
// float32-accurate exp/sigmoid/tanh, the same products; the module's tests hold them to it.
import { LN2_SPLIT, TANH_RATIONAL } from '../codegen/fast-math.ts';

/** Every kernel the runtime below offers; the exporter refuses generated code that calls another. */
export const KERNEL_NAMES = ['sigmoid', 'tanh', 'newWindow', 'mv', 'mvW', 'mvPack', 'mtv', 'mtvW', 'mtvPack', 'mm', 'outer', 'place', 'slice', 'sumEach', 'checkTokens', 'gather', 'xent', 'adaptiveLogProbs', 'transpose', 'steps'] as const;

const num = (x: number): string => (Object.is(x, -0) ? '-0' : String(x));

/** JavaScript source: `jsKernels()` and `gemmKernels(exports, memory, work)`, and the float32 math they use. */
export function kernelsSource(): string {
  const p = TANH_RATIONAL.p.map(num);
  const q = TANH_RATIONAL.q.map(num);
  return String.raw`
// ── float32 math: as accurate as a float32 holds, as rnnc's float32 kernels compute it
const POW2 = new Float64Array(321).map((_, i) => 2 ** (i - 160));
function exp32(x) {
  const c = x > 100 ? 100 : x < -100 ? -100 : x;
  const n = Math.floor(c * Math.LOG2E + 0.5);
  const r = c - n * ${num(LN2_SPLIT.hi)} - n * ${num(LN2_SPLIT.lo)};
  return POW2[n + 160] * (1 + r * (1 + r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720)))))));
}
function sigmoid32(x) {
  return 1 / (1 + exp32(-x));
}
function tanh32(x) {
  const c = x > ${num(TANH_RATIONAL.clamp)} ? ${num(TANH_RATIONAL.clamp)} : x < -${num(TANH_RATIONAL.clamp)} ? -${num(TANH_RATIONAL.clamp)} : x;
  const s = c * c;
  return (c * (${p[0]} + s * (${p[1]} + s * (${p[2]} + s * (${p[3]} + s * (${p[4]} + s * (${p[5]} + s * ${p[6]}))))))) / (${q[0]} + s * (${q[1]} + s * (${q[2]} + s * ${q[3]})));
}

// ── plain-JavaScript kernels over batch-major [B, n] buffers
// out[b, i] = sum_p A[i, p] x[b, p]; four partial sums, for the engine's pipelines
function mv(out, A, x, B, m, k) {
  const k4 = k - (k % 4);
  for (let b = 0; b < B; b++) {
    const xo = b * k, oo = b * m;
    for (let i = 0; i < m; i++) {
      const ao = i * k;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, p = 0;
      for (; p < k4; p += 4) {
        s0 += A[ao + p] * x[xo + p];
        s1 += A[ao + p + 1] * x[xo + p + 1];
        s2 += A[ao + p + 2] * x[xo + p + 2];
        s3 += A[ao + p + 3] * x[xo + p + 3];
      }
      for (; p < k; p++) s0 += A[ao + p] * x[xo + p];
      out[oo + i] = s0 + s1 + (s2 + s3);
    }
  }
}
// several products W_g @ x whose matrices lie back to back in W
function mvPack(scratch, W, x, B, m, k, outs) {
  for (let g = 0; g < outs.length; g++) mv(outs[g], W.subarray(g * m * k, (g + 1) * m * k), x, B, m, k);
}
// out[b, p] = sum_i A[i, p] g[b, i]: A transposed, without forming it
function mtv(out, A, g, B, m, k) {
  for (let b = 0; b < B; b++) {
    const go = b * m, oo = b * k;
    for (let p = 0; p < k; p++) out[oo + p] = 0;
    for (let i = 0; i < m; i++) {
      const gi = g[go + i];
      if (gi === 0) continue;
      const ao = i * k;
      for (let p = 0; p < k; p++) out[oo + p] += A[ao + p] * gi;
    }
  }
}
// the sum of the products W_g^T @ g_g
function mtvPack(scratch, W, gs, B, m, k, out) {
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
// the [B, m] buffers side by side in one [B, n*m] matrix, and back
function packRows(scratch, B, m, xs) {
  const row = xs.length * m;
  for (let g = 0; g < xs.length; g++) {
    const x = xs[g];
    for (let b = 0, dst = g * m, src = 0; b < B; b++, dst += row, src += m) for (let j = 0; j < m; j++) scratch[dst + j] = x[src + j];
  }
}
function unpack(scratch, B, m, outs) {
  const row = outs.length * m;
  for (let g = 0; g < outs.length; g++) {
    const out = outs[g];
    for (let b = 0, src = g * m, dst = 0; b < B; b++, src += row, dst += m) for (let j = 0; j < m; j++) out[dst + j] = scratch[src + j];
  }
}
// out[b] = A[b] @ X[b], either operand per example or shared
function mm(out, A, aBatched, X, xBatched, B, m, k, n) {
  for (let b = 0; b < B; b++) {
    const ao = aBatched ? b * m * k : 0, xo = xBatched ? b * k * n : 0, oo = b * m * n;
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += A[ao + i * k + p] * X[xo + p * n + j];
        out[oo + i * n + j] = s;
      }
  }
}
function outer(out, g, gBatched, x, xBatched, B, m, k) {
  for (let b = 0; b < B; b++) {
    const go = gBatched ? b * m : 0, xo = xBatched ? b * k : 0;
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) out[b * m * k + i * k + p] = g[go + i] * x[xo + p];
  }
}
function place(out, n, off, part, partBatched, np, B) {
  for (let b = 0; b < B; b++) {
    const po = partBatched ? b * np : 0;
    for (let j = 0; j < np; j++) out[b * n + off + j] = part[po + j];
  }
}
function slice(out, x, xBatched, nx, start, n, B) {
  for (let b = 0; b < B; b++) {
    const xo = (xBatched ? b * nx : 0) + start;
    for (let j = 0; j < n; j++) out[b * n + j] = x[xo + j];
  }
}
function sumEach(out, x, xBatched, n, B) {
  for (let b = 0; b < B; b++) {
    const xo = xBatched ? b * n : 0;
    let s = 0;
    for (let j = 0; j < n; j++) s += x[xo + j];
    out[b] = s;
  }
}
function transpose(out, x, batched, B, r, c) {
  for (let b = 0; b < B; b++) {
    const xo = batched ? b * r * c : 0;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[b * r * c + j * r + i] = x[xo + i * c + j];
  }
}
function checkTokens(tokens, vocab) {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!(t >= 0 && t < vocab)) throw new RangeError('token ' + t + ' is outside the vocabulary [0, ' + vocab + ')');
  }
}
// the embedding lookup of steps tStart .. tStart + tCount - 1
function gather(out, table, rows, d, tokens, T1, pos, tStart, tCount, B) {
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const tok = tokens[b * T1 + tStart + s + pos], r = tok * d, o = (s * B + b) * d;
      // a token before the stream's start (-1, the pad) reads a zero row
      if (tok < 0) out.fill(0, o, o + d);
      else for (let j = 0; j < d; j++) out[o + j] = table[r + j];
    }
}
// softmax cross-entropy, stable (the max subtracted); returns the sum over the rows
function xent(loss, logits, V, tokens, T1, pos, tStart, tCount, B) {
  let total = 0;
  for (let s = 0; s < tCount; s++)
    for (let b = 0; b < B; b++) {
      const row = s * B + b, o = row * V, target = tokens[b * T1 + tStart + s + pos];
      // a target before the stream's start (the pad, -1) has nothing to predict
      if (target < 0) {
        loss[row] = 0;
        continue;
      }
      let max = -Infinity;
      for (let j = 0; j < V; j++) if (logits[o + j] > max) max = logits[o + j];
      let sum = 0;
      for (let j = 0; j < V; j++) sum += exp32(logits[o + j] - max);
      const l = max + Math.log(sum) - logits[o + target];
      loss[row] = l;
      total += l;
    }
  return total;
}
function steps(all, T, n) {
  return Array.from({ length: T }, (_, t) => all.subarray(t * n, (t + 1) * n));
}
// adaptive_cross_entropy: every word's log-probability from the word logits Z and the cluster
// logits U (Grave et al.: the head's log-softmax, then each tail cluster's plus its head entry)
function lseOf(x, o, from, to, extra, eo, en) {
  let m = -Infinity;
  for (let i = from; i < to; i++) if (x[o + i] > m) m = x[o + i];
  for (let j = 0; j < en; j++) if (extra[eo + j] > m) m = extra[eo + j];
  let s = 0;
  for (let i = from; i < to; i++) s += exp32(x[o + i] - m);
  for (let j = 0; j < en; j++) s += exp32(extra[eo + j] - m);
  return m + Math.log(s);
}
function adaptiveLogProbs(out, Z, U, V, cutoffs, rows) {
  const K = cutoffs.length;
  for (let r = 0; r < rows; r++) {
    const o = r * V;
    const head = lseOf(Z, o, 0, cutoffs[0], U, r * K, K);
    for (let i = 0; i < cutoffs[0]; i++) out[o + i] = Z[o + i] - head;
    for (let k = 0; k < K; k++) {
      const a = cutoffs[k], e = k + 1 < K ? cutoffs[k + 1] : V;
      const shift = U[r * K + k] - head - lseOf(Z, o, a, e, U, 0, 0);
      for (let i = a; i < e; i++) out[o + i] = Z[o + i] + shift;
    }
  }
}

function jsKernels() {
  return { sigmoid: sigmoid32, tanh: tanh32, newWindow() {}, mv, mvW: mv, mvPack, mtv, mtvW: mtv, mtvPack, mm, outer, place, slice, sumEach, checkTokens, gather, xent, adaptiveLogProbs, transpose, steps };
}

// ── the same with the products on the WebAssembly SIMD GEMM (every buffer lives in its memory)
function gemmKernels(ex, work) {
  // C[M, N] = op(A) op(B), on byte offsets; a row or two times B^T: dot products, no packing
  const gemm = (ta, tb, M, N, K, a, lda, b, ldb, c, ldc) => {
    if (!ta && tb && M <= 2) ex.gemvt(M, N, K, 1, a, lda, b, ldb, 0, c, ldc);
    else ex.gemm(ta ? 1 : 0, tb ? 1 : 0, M, N, K, 1, a, lda, b, ldb, 0, c, ldc, work);
  };
  const gmv = (out, A, x, B, m, k) => gemm(false, true, B, m, k, x.byteOffset, k, A.byteOffset, k, out.byteOffset, m);
  const gmtv = (out, A, g, B, m, k) => gemm(false, false, B, k, m, g.byteOffset, m, A.byteOffset, k, out.byteOffset, k);
  return Object.assign(jsKernels(), {
    mv: gmv,
    mvW: gmv,
    mtv: gmtv,
    mtvW: gmtv,
    mvPack(scratch, W, x, B, m, k, outs) {
      const nm = outs.length * m;
      gemm(false, true, B, nm, k, x.byteOffset, k, W.byteOffset, k, scratch.byteOffset, nm);
      unpack(scratch, B, m, outs);
    },
    mtvPack(scratch, W, gs, B, m, k, out) {
      const nm = gs.length * m;
      packRows(scratch, B, m, gs);
      gemm(false, false, B, k, nm, scratch.byteOffset, nm, W.byteOffset, k, out.byteOffset, k);
    },
  });
}
`;
}
