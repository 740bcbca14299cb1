// `--matmul bf16`'s GEMM (src/kernels/native/gemm-bf16.c) against its definition: every input
// rounded to bfloat16 (round to nearest, ties to even: bf16Round below, written from the format),
// the products summed exactly (float64 here; float32 in the kernel, hence the tolerance), for
// every transpose, ragged edges, odd K, alpha and beta, a reused packed B, and both precisions
// on one kernels object (their packed copies must not mix).
import { describe, expect, it } from 'vitest';
import { createKernels, loadNative } from '../../src/kernels/index.ts';

const native = loadNative().module;
const bf16 = native?.bf16 === true;
if (!bf16) {
  console.log(native
    ? 'skipped: bfloat16 GEMM tests (the native kernels were built for a CPU without AVX512-BF16)'
    : 'skipped: bfloat16 GEMM tests (no native kernels: a C compiler and Node\'s headers build them at npm ci)');
}

/** x rounded to the nearest bfloat16 (8 significant bits), ties to even; NaN and ±∞ kept. */
function bf16Round(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (Number.isNaN(f[0])) return NaN;
  const lsb = (u[0] >>> 16) & 1;
  u[0] = ((u[0] + 0x7fff + lsb) >>> 16) << 16;
  return f[0];
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

type Case = [ta: boolean, tb: boolean, M: number, N: number, K: number];
// Tiles are 8 rows × 32 columns, K comes in pairs and in blocks of 256: edges on every side.
const CASES: Case[] = [
  [false, true, 32, 2048, 512], // an LSTM-512 step, h·Uᵀ
  [false, false, 32, 512, 2048], // its backward, dG·U
  [true, false, 64, 96, 700], // a weight gradient, dGᵀ·H
  [false, true, 37, 70, 33],
  [true, true, 9, 45, 257],
  [false, false, 5, 1, 1],
  [false, true, 3, 40, 9], // few rows: never the float32 dot-product path in bf16
];

describe.runIf(bf16)('bfloat16 GEMM (native, AVX512-BF16)', () => {
  it('bf16Round is round-to-nearest-even at 8 significant bits', () => {
    expect(bf16Round(1 + 2 ** -8)).toBe(1); // halfway: to the even neighbour, 1
    expect(bf16Round(1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6); // halfway: to the even neighbour, 1 + 2⁻⁶
    expect(bf16Round(1 + 2 ** -8 + 2 ** -20)).toBe(1 + 2 ** -7); // past halfway: up
    expect(bf16Round(-3.1415926)).toBe(-3.140625);
  });

  for (const reused of [false, true]) {
    it.each(CASES)(`${reused ? 'gemmReusedB' : 'gemm'}: ta %s, tb %s, %i×%i×%i equals the product of the rounded inputs`, (ta, tb, M, N, K) => {
      const k = createKernels({ backend: 'native', maxBytes: 32 << 20, threads: 2, minParallelFlops: 0 });
      const r = rng(M * 7919 + N * 31 + K);
      const A = k.alloc(M * K), B = k.alloc(K * N), C = k.alloc(M * N);
      for (const v of [A.view, B.view, C.view]) for (let i = 0; i < v.length; i++) v[i] = r();
      const C0 = C.view.slice();
      const lda = ta ? M : K, ldb = tb ? K : N;
      const alpha = 1.25, beta = 0.5;
      const call = () => (reused ? k.gemmReusedB! : k.gemm).call(k, ta, tb, M, N, K, alpha, A.ptr, lda, B.ptr, ldb, beta, C.ptr, N);
      /** The largest |C − exact| / (|alpha|·Σ|a·b| + |beta·C0|) over C, against inputs rounded or not. */
      const error = (round: (x: number) => number) => {
        // op(A) as [M][K] and op(B) as [N][K], rounded once: the loops below only multiply.
        const a = new Float64Array(M * K), bt = new Float64Array(N * K);
        for (let i = 0; i < M; i++) for (let p = 0; p < K; p++) a[i * K + p] = round(A.view[ta ? p * lda + i : i * lda + p]);
        for (let j = 0; j < N; j++) for (let p = 0; p < K; p++) bt[j * K + p] = round(B.view[tb ? j * ldb + p : p * ldb + j]);
        let worst = 0;
        for (let i = 0; i < M; i++) {
          for (let j = 0; j < N; j++) {
            let s = 0, abs = 0;
            for (let p = 0; p < K; p++) {
              const t = a[i * K + p] * bt[j * K + p];
              s += t;
              abs += Math.abs(t);
            }
            const want = alpha * s + beta * C0[i * N + j];
            worst = Math.max(worst, Math.abs(C.view[i * N + j] - want) / (alpha * abs + Math.abs(beta * C0[i * N + j]) + 1e-30));
          }
        }
        return worst;
      };
      k.setMatmul!('bf16');
      expect(k.matmul).toBe('bf16');
      call();
      expect(error(bf16Round)).toBeLessThan(1e-6); // float32 sums of the rounded products
      if (K > 8) expect(error((x) => x)).toBeGreaterThan(1e-5); // and not the float32 product
      // Back to float32 on the same kernels: the packed copy of B made for bf16 is not reused.
      C.view.set(C0);
      k.setMatmul!('float32');
      call();
      expect(error((x) => x)).toBeLessThan(1e-6);
    });
  }

  it('keeps NaN and infinities, and beta = 0 never reads C', () => {
    const k = createKernels({ backend: 'native', maxBytes: 1 << 20, threads: 1 });
    k.setMatmul!('bf16');
    const A = k.alloc(8 * 2), B = k.alloc(2 * 32), C = k.alloc(8 * 32);
    A.view.fill(1);
    B.view.fill(2);
    A.view[0] = NaN; // row 0: NaN
    A.view[2] = Infinity; // row 1: +∞
    C.view.fill(NaN); // beta = 0: overwritten, not read
    k.gemm(false, false, 8, 32, 2, 1, A.ptr, 2, B.ptr, 32, 0, C.ptr, 32);
    expect(Number.isNaN(C.view[0])).toBe(true);
    expect(C.view[32]).toBe(Infinity);
    expect([...C.view.subarray(64)].every((x) => x === 4)).toBe(true);
  });

  it('the addon refuses any precision but 0 and 1', () => {
    const buf = new ArrayBuffer(4096);
    expect(() => native!.gemm(buf, 0, 0, 4, 4, 4, 1, 0, 4, 0, 4, 0, 64, 4, 1, 2)).toThrow(/precision must be 0 \(float32\) or 1 \(bfloat16\)/);
    expect(() => native!.packB(buf, 0, 4, 4, 0, 4, 0, -1)).toThrow(/precision/);
  });
});

describe('bfloat16 products where the kernels have none', () => {
  it('the WebAssembly kernels have no setMatmul, and the addon without AVX512-BF16 refuses bf16 calls', () => {
    expect(createKernels({ backend: 'wasm', maxBytes: 1 << 16 }).setMatmul).toBeUndefined();
    if (native && !native.bf16) {
      const k = createKernels({ backend: 'native', maxBytes: 1 << 16 });
      expect(() => k.setMatmul!('bf16')).toThrow(/AVX512-BF16/);
    }
  });
});
