// The adaptive softmax's plain-loop kernels (src/codegen/adaptive-support.ts) on their own,
// against the definition written out here from Grave et al. (a word before cutoffs[0]: the
// head's softmax over those words and one logit per cluster; a word in cluster k: the head's
// probability of k times the softmax within k), and the gradients against central differences.
// Where the model tests cannot reach: logits far from 0, a window that starts past the
// stream's first step, output buffers holding stale values, and gradients not asked for.
import { describe, expect, it } from 'vitest';
import { adaptiveLogProbs, adaptiveXent, adaptiveXentGrad, adaptiveStashWidth } from '../../src/codegen/adaptive-support.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import { centralDifference } from '../autodiff/helpers.ts';

const V = 7;
const CUTOFFS = [3, 5]; // head: words 0-2; clusters {3, 4} and {5, 6}
const K = CUTOFFS.length;
const d = 3;

/** ln p(y) from the word logits z and cluster logits u, written out (stable: the max taken first). */
function lnp(z: ArrayLike<number>, u: ArrayLike<number>, y: number): number {
  const lse = (xs: number[]): number => {
    const m = Math.max(...xs);
    return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  const head = [...Array.from(z).slice(0, 3), ...Array.from(u).slice(0, K)];
  if (y < 3) return z[y] - lse(head);
  const [k, a, e] = y < 5 ? [0, 3, 5] : [1, 5, 7];
  return u[k] - lse(head) + z[y] - lse(Array.from(z).slice(a, e));
}

const rnd = mulberry32(11);
const draw = (n: number, scale = 1): Float64Array => Float64Array.from({ length: n }, () => (rnd() * 2 - 1) * scale);

describe('adaptive-support: the dense log-probabilities', () => {
  it('equal the definition for logits near ±1000 in the head, the cluster logits or a cluster (each max subtracted before exp), and leave rows past `rows` alone', () => {
    // Row 0: the cluster logits dwarf the head words'; row 1 the other way round; row 2 random. Row 3: not to be touched.
    const rows = 3;
    const Z = Float64Array.from([0, 1, -1, 5, 6, 1000, 999, /**/ 1000, 2, -1000, 1, 2, -3, 0, /**/ ...draw(V, 1000), /**/ ...draw(V)]);
    const U = Float64Array.from([1000, 999, /**/ 0, 1, /**/ ...draw(K, 1000), /**/ ...draw(K)]);
    const out = new Float64Array((rows + 1) * V).fill(42);
    adaptiveLogProbs(out, Z, U, V, CUTOFFS, rows);
    for (let r = 0; r < rows; r++)
      for (let y = 0; y < V; y++) expect(out[r * V + y]).toBeCloseTo(lnp(Z.subarray(r * V), U.subarray(r * K), y), 9);
    expect(Array.from(out.subarray(rows * V))).toEqual(new Array(V).fill(42));
  });

  it('each row is a distribution: Σ p = 1, for head words and tail words alike', () => {
    const Z = draw(V, 5);
    const U = draw(K, 5);
    const out = new Float64Array(V);
    adaptiveLogProbs(out, Z, U, V, CUTOFFS, 1);
    expect(out.reduce((s, x) => s + Math.exp(x), 0)).toBeCloseTo(1, 12);
  });
});

describe('adaptive-support: the fused loss and its gradient', () => {
  // Two streams of T1 tokens; the window reads steps tStart … tStart + tCount − 1, each target `pos` ahead.
  const B = 2, T1 = 6, tStart = 2, tCount = 2, pos = 1;
  const tokens = Int32Array.from([0, 1, 2, 3, 6, 4, /* stream 2 */ 5, 6, 4, 3, -1, 2]);
  const target = (s: number, b: number): number => tokens[b * T1 + tStart + s + pos];
  const rows = tCount * B;
  const W = draw(V * d), b_ = draw(V), H = draw(rows * d, 2), U = draw(rows * K, 2);
  const logits = (Wx: Float64Array, bx: Float64Array, Hx: Float64Array, row: number): number[] =>
    Array.from({ length: V }, (_, i) => bx[i] + Array.from({ length: d }, (_, j) => Wx[i * d + j] * Hx[row * d + j]).reduce((s, x) => s + x, 0));
  /** Σ over rows of −ln p(target), the definition's. */
  const total = (Wx = W, bx = b_, Hx = H, Ux = U): number => {
    let t = 0;
    for (let s = 0; s < tCount; s++)
      for (let bb = 0; bb < B; bb++) {
        const y = target(s, bb);
        if (y >= 0) t -= lnp(logits(Wx, bx, Hx, s * B + bb), Ux.subarray((s * B + bb) * K), y);
      }
    return t;
  };

  it('reads the target of row s·B + b at tokens[b·T1 + tStart + s + pos]; a pad target (−1) scores 0', () => {
    const loss = new Float64Array(rows).fill(7);
    const sum = adaptiveXent(loss, new Float64Array(0), W, H, U, b_, V, d, CUTOFFS, tokens, T1, pos, tStart, tCount, B);
    for (let s = 0; s < tCount; s++)
      for (let bb = 0; bb < B; bb++) {
        const y = target(s, bb);
        const row = s * B + bb;
        expect(loss[row]).toBeCloseTo(y < 0 ? 0 : -lnp(logits(W, b_, H, row), U.subarray(row * K), y), 12);
      }
    expect(target(1, 1)).toBe(-1); // the last row: no earlier row's buffer writes reach it
    expect(sum).toBeCloseTo(total(), 12);
  });

  it('its gradients equal central differences of the definition; dH and dU overwrite stale values, dW and dB add to theirs', () => {
    const g = Float64Array.from([0.5, -1.25, 2, 0.75]); // one per row
    const dW = new Float64Array(V * d).fill(1), dB = new Float64Array(V).fill(1);
    const dH = new Float64Array(rows * d).fill(NaN), dU = new Float64Array(rows * K).fill(NaN);
    adaptiveXentGrad(new Float64Array(0), W, H, U, b_, g, true, dW, dH, dU, dB, V, d, CUTOFFS, tokens, T1, pos, tStart, tCount, B);
    // The weighted loss Σ g[row] · loss[row], by the definition.
    const weighted = (Wx = W, bx = b_, Hx = H, Ux = U): number => {
      let t = 0;
      for (let s = 0; s < tCount; s++)
        for (let bb = 0; bb < B; bb++) {
          const y = target(s, bb), row = s * B + bb;
          if (y >= 0) t -= g[row] * lnp(logits(Wx, bx, Hx, row), Ux.subarray(row * K), y);
        }
      return t;
    };
    const numeric = (x: Float64Array, i: number, f: () => number): number => centralDifference(f, x, i, 1e-6);
    const f = (): number => weighted();
    for (let i = 0; i < V * d; i++) expect(dW[i] - 1).toBeCloseTo(numeric(W, i, f), 6);
    for (let i = 0; i < V; i++) expect(dB[i] - 1).toBeCloseTo(numeric(b_, i, f), 6);
    for (let i = 0; i < rows * d; i++) expect(dH[i]).toBeCloseTo(numeric(H, i, f), 6);
    for (let i = 0; i < rows * K; i++) expect(dU[i]).toBeCloseTo(numeric(U, i, f), 6);
    // The pad row (s 1, stream 1, the last) has no gradient: zeros, not the stale NaN.
    expect(Array.from(dH.subarray(3 * d, 4 * d))).toEqual([0, 0, 0]);
    expect(Array.from(dU.subarray(3 * K, 4 * K))).toEqual([0, 0]);
  });

  it('a shared g scales every row; gradients not asked for (null) are skipped, the others unchanged', () => {
    const g = Float64Array.from([0.5]);
    const all = { dW: new Float64Array(V * d), dH: new Float64Array(rows * d), dU: new Float64Array(rows * K), dB: new Float64Array(V) };
    adaptiveXentGrad(new Float64Array(0), W, H, U, b_, g, false, all.dW, all.dH, all.dU, all.dB, V, d, CUTOFFS, tokens, T1, pos, tStart, tCount, B);
    const half = Float64Array.from([0.5, 0.5, 0.5, 0.5]);
    const perRow = { dW: new Float64Array(V * d), dH: new Float64Array(rows * d), dU: new Float64Array(rows * K), dB: new Float64Array(V) };
    adaptiveXentGrad(new Float64Array(0), W, H, U, b_, half, true, perRow.dW, perRow.dH, perRow.dU, perRow.dB, V, d, CUTOFFS, tokens, T1, pos, tStart, tCount, B);
    expect(all).toEqual(perRow);
    const onlyH = new Float64Array(rows * d);
    adaptiveXentGrad(new Float64Array(0), W, H, U, b_, g, false, null, onlyH, null, null, V, d, CUTOFFS, tokens, T1, pos, tStart, tCount, B);
    expect(onlyH).toEqual(all.dH);
    const onlyWB = { dW: new Float64Array(V * d), dB: new Float64Array(V) };
    adaptiveXentGrad(new Float64Array(0), W, H, U, b_, g, false, onlyWB.dW, null, null, onlyWB.dB, V, d, CUTOFFS, tokens, T1, pos, tStart, tCount, B);
    expect(onlyWB.dW).toEqual(all.dW);
    expect(onlyWB.dB).toEqual(all.dB);
  });

  it('without a bias the logits are W·h alone', () => {
    const loss = new Float64Array(rows);
    const sum = adaptiveXent(loss, new Float64Array(0), W, H, U, null, V, d, CUTOFFS, tokens, T1, pos, tStart, tCount, B);
    expect(sum).toBeCloseTo(total(W, new Float64Array(V)), 12);
  });
});

describe('adaptive-support: the fast path stash width', () => {
  it('is the head, the cluster logits, the widest cluster, two hidden vectors and one more float', () => {
    expect(adaptiveStashWidth(V, d, CUTOFFS)).toBe(3 + 2 + 2 + 2 * d + 1);
    expect(adaptiveStashWidth(20, 4, [2, 5, 15])).toBe(2 + 3 + 10 + 8 + 1); // clusters 3, 10 and 5 words wide
  });
});
