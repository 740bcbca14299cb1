// The plain-loop kernels generated code calls (src/codegen/support.ts), each against its
// definition written out here index by index. Every output buffer is longer than the kernel's
// range and ends in sentinels that must stay; every input ends in huge values that must not
// be read: a loop bound one too far, or a window offset read with the wrong sign, shows up
// as a changed sentinel or a wrong value. Windows start past the stream's first step and
// read tokens at an offset, which the model tests (tStart 0, offset 0) cannot tell apart.
import { describe, expect, it } from 'vitest';
import { packRows, support as k, unpack } from '../../src/codegen/support.ts';
import { mulberry32, rowKept } from '../../src/graph/interpret.ts';

const EXTRA = 3;
const SENTINEL = 12345;
const FAR = 1e9;
const rnd = mulberry32(5);
/** n values then EXTRA huge ones (an input). */
const input = (n: number): Float64Array => Float64Array.from({ length: n + EXTRA }, (_, i) => (i < n ? Math.round((rnd() * 2 - 1) * 8) / 4 : FAR));
/** n zeros (or `fill`) then EXTRA sentinels (an output). */
const output = (n: number, fill = 0): Float64Array => Float64Array.from({ length: n + EXTRA }, (_, i) => (i < n ? fill : SENTINEL));
const tail = (a: Float64Array): number[] => Array.from(a.subarray(a.length - EXTRA));
const head = (a: Float64Array): number[] => Array.from(a.subarray(0, a.length - EXTRA));

const B = 2, m = 3, kk = 4, n = 2;

describe('support kernels: products', () => {
  it('mv, mtv: A @ x[b] and Aᵀ @ g[b]', () => {
    const A = input(m * kk), x = input(B * kk), g = input(B * m);
    const o = output(B * m);
    k.mv(o, A, x, B, m, kk);
    const want: number[] = [];
    for (let b = 0; b < B; b++) for (let i = 0; i < m; i++) want.push([...Array(kk).keys()].reduce((s, p) => s + A[i * kk + p] * x[b * kk + p], 0));
    expect(head(o)).toEqual(want);
    expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const t = output(B * kk, 7);
    k.mtv(t, A, g, B, m, kk);
    const wantT: number[] = [];
    for (let b = 0; b < B; b++) for (let p = 0; p < kk; p++) wantT.push([...Array(m).keys()].reduce((s, i) => s + A[i * kk + p] * g[b * m + i], 0));
    expect(head(t)).toEqual(wantT);
    expect(tail(t)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });

  it('mvPack, mtvPack: packed matrices back to back equal their products one by one', () => {
    const W = input(2 * m * kk), x = input(B * kk), g0 = input(B * m), g1 = input(B * m);
    const outs = [output(B * m), output(B * m)];
    k.mvPack(new Float64Array(0), W, x, B, m, kk, outs);
    outs.forEach((o, gi) => {
      const one = output(B * m);
      k.mv(one, W.subarray(gi * m * kk, (gi + 1) * m * kk), x, B, m, kk);
      expect(o).toEqual(one);
    });
    const sum = output(B * kk, 7);
    k.mtvPack(new Float64Array(0), W, [g0, g1], B, m, kk, sum);
    const a = output(B * kk), b2 = output(B * kk);
    k.mtv(a, W.subarray(0, m * kk), g0, B, m, kk);
    k.mtv(b2, W.subarray(m * kk, 2 * m * kk), g1, B, m, kk);
    expect(head(sum)).toEqual(head(a).map((v, i) => v + head(b2)[i]));
    expect(tail(sum)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });

  it('mm: A[b] @ X[b] with either operand shared; transpose: X[b]ᵀ', () => {
    for (const [aB, xB] of [[true, true], [false, true], [true, false], [false, false]]) {
      const A = input((aB ? B : 1) * m * kk), X = input((xB ? B : 1) * kk * n);
      const o = output(B * m * n);
      k.mm(o, A, aB, X, xB, B, m, kk, n);
      const want: number[] = [];
      for (let b = 0; b < B; b++)
        for (let i = 0; i < m; i++)
          for (let j = 0; j < n; j++) want.push([...Array(kk).keys()].reduce((s, p) => s + A[(aB ? b * m * kk : 0) + i * kk + p] * X[(xB ? b * kk * n : 0) + p * n + j], 0));
      expect(head(o)).toEqual(want);
      expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
      const t = output(B * m * kk);
      k.transpose(t, A, aB, B, m, kk);
      for (let b = 0; b < B; b++) for (let i = 0; i < m; i++) for (let p = 0; p < kk; p++) expect(t[b * m * kk + p * m + i]).toBe(A[(aB ? b * m * kk : 0) + i * kk + p]);
      expect(tail(t)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    }
  });

  it('accOuter adds Σ_b g[b] x[b]ᵀ; outer writes each g[b] x[b]ᵀ', () => {
    const g = input(B * m), x = input(B * kk);
    const G = output(m * kk, 1);
    k.accOuter(G, g, x, B, m, kk);
    for (let i = 0; i < m; i++) for (let p = 0; p < kk; p++) expect(G[i * kk + p]).toBe(1 + g[i] * x[p] + g[m + i] * x[kk + p]);
    expect(tail(G)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    for (const [gB, xB] of [[true, false], [false, true]]) {
      const o = output(B * m * kk);
      k.outer(o, g, gB, x, xB, B, m, kk);
      for (let b = 0; b < B; b++) for (let i = 0; i < m; i++) for (let p = 0; p < kk; p++) expect(o[b * m * kk + i * kk + p]).toBe(g[(gB ? b * m : 0) + i] * x[(xB ? b * kk : 0) + p]);
      expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    }
  });
});

describe('support kernels: shapes and sums', () => {
  it('place and slice: a concat operand in and out of its row', () => {
    const part = input(B * 2), o = output(B * 5, 9);
    k.place(o, 5, 3, part, true, 2, B);
    expect(head(o)).toEqual([9, 9, 9, part[0], part[1], 9, 9, 9, part[2], part[3]]);
    expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const s = output(B * 2);
    k.slice(s, o, true, 5, 3, 2, B);
    expect(head(s)).toEqual(head(part));
    const shared = output(B * 2);
    k.slice(shared, part, false, 2, 0, 2, B);
    expect(head(shared)).toEqual([part[0], part[1], part[0], part[1]]);
    expect(tail(s)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });

  it('sumEach: each row summed (a broadcast scalar\'s gradient), a shared row counted per example', () => {
    const x = input(B * n), o = output(B);
    k.sumEach(o, x, true, n, B);
    expect(head(o)).toEqual([x[0] + x[1], x[2] + x[3]]);
    expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    k.sumEach(o, x, false, n, B);
    expect(head(o)).toEqual([x[0] + x[1], x[0] + x[1]]);
  });

  it('accBatch: G += Σ_b v[b], or B · v for a value every example shares', () => {
    const v = input(B * n), G = output(n, 1);
    k.accBatch(G, v, true, B, n);
    expect(head(G)).toEqual([1 + v[0] + v[2], 1 + v[1] + v[3]]);
    expect(tail(G)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const S = output(n, 1);
    k.accBatch(S, v, false, B, n);
    expect(head(S)).toEqual([1 + B * v[0], 1 + B * v[1]]);
    expect(tail(S)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });

  it('steps: T views of n entries; packRows and unpack: [B, m] buffers side by side and back', () => {
    const all = Float64Array.from({ length: 6 }, (_, i) => i);
    expect(k.steps(all, 3, 2).map((v) => Array.from(v))).toEqual([[0, 1], [2, 3], [4, 5]]);
    const xs = [input(B * 2), input(B * 2), input(B * 2)];
    const scratch = output(B * 6);
    packRows(scratch, B, 2, xs);
    expect(head(scratch)).toEqual([xs[0][0], xs[0][1], xs[1][0], xs[1][1], xs[2][0], xs[2][1], xs[0][2], xs[0][3], xs[1][2], xs[1][3], xs[2][2], xs[2][3]]);
    expect(tail(scratch)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const back = [output(B * 2), output(B * 2), output(B * 2)];
    unpack(scratch, B, 2, back);
    back.forEach((o, g) => {
      expect(head(o)).toEqual(head(xs[g]));
      expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    });
  });
});

describe('support kernels: token readers, in a window that starts at step 1 and reads one step ahead', () => {
  // Two streams of T1 = 5 tokens; steps 1 and 2 (tStart 1, tCount 2), each reading the token at t + 1.
  const T1 = 5, tStart = 1, tCount = 2, pos = 1, rows = 4, d = 2;
  const tokens = Int32Array.from([0, 1, 3, 2, 1, /**/ 2, 0, -1, 0, 3]); // read: 3, the pad, 2, 0
  const tok = (s: number, b: number): number => tokens[b * T1 + tStart + s + pos];
  const each = (f: (s: number, b: number, row: number) => void): void => {
    for (let s = 0; s < tCount; s++) for (let b = 0; b < 2; b++) f(s, b, s * 2 + b);
  };

  it('checkTokens: ids in [0, vocab) pass; vocab itself and −2 do not', () => {
    expect(() => k.checkTokens(Int32Array.from([0, 3]), 4)).not.toThrow();
    expect(() => k.checkTokens(Int32Array.from([0, 4]), 4)).toThrow('token 4 (at 1) is outside the vocabulary [0, 4)');
    expect(() => k.checkTokens(Int32Array.from([-2]), 4)).toThrow(RangeError);
  });

  it('gather, accScatter, scatter: row s·B + b is the table row of tokens[b·T1 + tStart + s + pos]; the pad reads zeros and gets no gradient', () => {
    const table = input(rows * d);
    const o = output(4 * d, 9);
    k.gather(o, table, rows, d, tokens, T1, pos, tStart, tCount, 2);
    each((s, b, row) => {
      const t = tok(s, b);
      for (let j = 0; j < d; j++) expect(o[row * d + j]).toBe(t < 0 ? 0 : table[t * d + j]);
    });
    expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const g = input(4 * d);
    const G = output(rows * d, 1);
    k.accScatter(G, g, rows, d, tokens, T1, pos, tStart, tCount, 2);
    const want = new Array(rows * d).fill(1);
    each((s, b, row) => {
      const t = tok(s, b);
      if (t >= 0) for (let j = 0; j < d; j++) want[t * d + j] += g[row * d + j];
    });
    expect(head(G)).toEqual(want);
    expect(tail(G)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const sc = output(4 * rows * d, 9);
    k.scatter(sc, g, rows, d, tokens, T1, pos, tStart, tCount, 2);
    each((s, b, row) => {
      const t = tok(s, b);
      for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) expect(sc[row * rows * d + r * d + j]).toBe(r === t ? g[row * d + j] : 0);
    });
    expect(tail(sc)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });

  it('xent and xentGrad: per row logsumexp − the target\'s logit, and g · (softmax − onehot); the pad row scores 0 with no gradient', () => {
    const V = 4;
    const logits = input(4 * V).map((v, i) => (i < 4 * V ? v * 100 : v)); // near ±200: the max must be subtracted
    const loss = output(4, 9);
    const total = k.xent(loss, logits, V, tokens, T1, pos, tStart, tCount, 2);
    let sum = 0;
    each((s, b, row) => {
      const t = tok(s, b);
      const z = Array.from(logits.subarray(row * V, row * V + V));
      const mx = Math.max(...z);
      const want = t < 0 ? 0 : mx + Math.log(z.reduce((a, v) => a + Math.exp(v - mx), 0)) - z[t];
      expect(loss[row]).toBeCloseTo(want, 10);
      sum += want;
    });
    expect(total).toBeCloseTo(sum, 10);
    expect(tail(loss)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const g = input(4);
    const out = output(4 * V, 9);
    k.xentGrad(out, logits, g, true, V, tokens, T1, pos, tStart, tCount, 2);
    each((s, b, row) => {
      const t = tok(s, b);
      const z = Array.from(logits.subarray(row * V, row * V + V));
      const mx = Math.max(...z);
      const Z = z.reduce((a, v) => a + Math.exp(v - mx), 0);
      for (let j = 0; j < V; j++) expect(out[row * V + j]).toBeCloseTo(t < 0 ? 0 : g[row] * (Math.exp(z[j] - mx) / Z - (j === t ? 1 : 0)), 10);
    });
    expect(tail(out)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });

  it('dropoutMask: one window equals its steps drawn one by one; a locked mask repeats each stream\'s first step; entries 0 or 1/(1 − p)', () => {
    const width = 6, p = 0.4;
    const whole = output(tCount * 2 * width);
    k.dropoutMask(whole, 2, width, p, 77, 1, tStart, tCount);
    for (let s = 0; s < tCount; s++) {
      const one = output(2 * width);
      k.dropoutMask(one, 2, width, p, 77, 1, tStart + s, 1);
      expect(Array.from(whole.subarray(s * 2 * width, (s + 1) * 2 * width))).toEqual(head(one));
    }
    expect(new Set(head(whole))).toEqual(new Set([0, 1 / (1 - p)]));
    expect(tail(whole)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
    const locked = output(tCount * 2 * width);
    k.dropoutMask(locked, 2, width, p, 77, 1, tStart, tCount, true);
    const first = Array.from(locked.subarray(0, 2 * width));
    expect(Array.from(locked.subarray(2 * width, 4 * width))).toEqual(first);
    expect(first.slice(0, width)).not.toEqual(first.slice(width)); // each stream its own mask (seed 77 draws differ)
    expect(tail(locked)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });

  it('rowMask: each row is 0 or 1/(1 − p) as rowKept decides for the token it reads (the interpreter\'s draw), the same for the whole window', () => {
    const width = 3, p = 0.5, keep = 1 / (1 - p);
    const o = output(4 * width, 9);
    k.rowMask(o, 2, width, p, 31, 0, tokens, T1, pos, tStart, tCount);
    expect(new Set([0, 1, 2, 3].map((t) => rowKept(31, 0, t, p))).size).toBe(2); // seed 31 keeps some tokens and drops others
    // (the pad's row reads a zero embedding whatever its mask)
    each((s, b, row) => expect(Array.from(o.subarray(row * width, row * width + width))).toEqual(new Array(width).fill(rowKept(31, 0, tok(s, b), p) ? keep : 0)));
    expect(tail(o)).toEqual([SENTINEL, SENTINEL, SENTINEL]);
  });
});
