import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  buildGemmModule, createJsKernels, createKernels, gemmJs, loadNative, relaxedSimdSupported, wasmSimdSupported,
  type Kernels,
} from '../../src/kernels/index.ts';
import { sleb, uleb } from '../../src/kernels/wasm/asm.ts';

// One float64 oracle per case: the same loop nest in doubles on float32-rounded inputs.
interface Case {
  ta: boolean; tb: boolean; M: number; N: number; K: number;
  alpha: number; beta: number; padA: number; padB: number; padC: number; seed: number;
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s / 4294967296 - 0.5;
  };
}

/** Run one case on `k` and check it against float64 at float32 tolerance; returns the max error ratio. */
function runCase(k: Kernels<Float32Array>, c: Case): number {
  const { ta, tb, M, N, K, alpha, beta } = c;
  const rand = rng(c.seed);
  const lda = (ta ? M : K) + c.padA, ldb = (tb ? K : N) + c.padB, ldc = N + c.padC;
  const aRows = ta ? K : M, bRows = tb ? N : K;
  const mark = k.mark();
  // Odd offsets (4 bytes past an alloc) so the kernels see unaligned matrices too.
  const A = k.alloc(aRows * lda + 1), B = k.alloc(bRows * ldb + 1), C = k.alloc(M * ldc + 1);
  const a = A.view.subarray(1), b = B.view.subarray(1), cv = C.view.subarray(1);
  for (let i = 0; i < a.length; i++) a[i] = rand();
  for (let i = 0; i < b.length; i++) b[i] = rand();
  for (let i = 0; i < cv.length; i++) cv[i] = beta === 0 ? NaN : rand();
  const a64 = Float64Array.from(a), b64 = Float64Array.from(b), c64 = Float64Array.from(cv);
  const before = Float32Array.from(cv);
  k.gemm(ta, tb, M, N, K, alpha, A.ptr + 4, lda, B.ptr + 4, ldb, beta, C.ptr + 4, ldc);
  gemmJs(ta, tb, M, N, K, alpha, a64, 0, lda, b64, 0, ldb, beta, c64, 0, ldc);
  // |error| ≤ 1e-5·(K+1)·(|alpha|·Σ|a·b| + |beta·c|): float32 rounding grows with K.
  const absA = a64.map(Math.abs), absB = b64.map(Math.abs), scale = new Float64Array(M * ldc);
  gemmJs(ta, tb, M, N, K, Math.abs(alpha), absA, 0, lda, absB, 0, ldb, 0, scale, 0, ldc);
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < ldc; j++) {
      const at = i * ldc + j;
      if (j >= N) {
        // Padding columns of C are never touched.
        expect(Object.is(cv[at], before[at])).toBe(true);
        continue;
      }
      const bound = 1e-5 * (K + 1) * (scale[at] + (beta === 0 ? 0 : Math.abs(beta * before[at]))) + 1e-30;
      const err = Math.abs(cv[at] - c64[at]);
      if (!(err <= bound)) {
        throw new Error(`C[${i},${j}] = ${cv[at]}, expected ${c64[at]} (±${bound}) in ${JSON.stringify(c)}`);
      }
      worst = Math.max(worst, err / bound);
    }
  }
  k.release(mark);
  return worst;
}

const caseArb = (maxDim: number) =>
  fc.record({
    ta: fc.boolean(), tb: fc.boolean(),
    M: fc.integer({ min: 1, max: maxDim }), N: fc.integer({ min: 1, max: maxDim }), K: fc.integer({ min: 1, max: maxDim }),
    alpha: fc.oneof(fc.constant(1), fc.constant(-1), fc.constant(0.5), fc.double({ min: -2, max: 2, noNaN: true })),
    beta: fc.oneof(fc.constant(0), fc.constant(1), fc.double({ min: -2, max: 2, noNaN: true })),
    padA: fc.integer({ min: 0, max: 3 }), padB: fc.integer({ min: 0, max: 3 }), padC: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  });

const EDGE_SIZES: Array<[number, number, number]> = [
  [1, 1, 1], [65, 1, 3], [1, 65, 3], [3, 65, 1], [65, 65, 65], [1, 1, 65], [2, 3, 1], [13, 7, 5], [32, 65, 64],
];

const backends: Array<[string, () => Kernels<Float32Array>]> = [
  ['wasm simd128', () => createKernels({ backend: 'wasm', maxBytes: 4 << 20, threads: 1, relaxedSimd: 'off' })],
  // Tiny cache blocks, so small random sizes cross every block boundary of the loop nest.
  ['wasm simd128, tiny blocks', () => createKernels({ backend: 'wasm', maxBytes: 4 << 20, threads: 1, relaxedSimd: 'off', shape: { mc: 8, kc: 5, nc: 16 } })],
  ['wasm simd128 5×8, unroll 3', () => createKernels({ backend: 'wasm', maxBytes: 4 << 20, threads: 1, relaxedSimd: 'off', shape: { mr: 5, nr: 8, mc: 10, kc: 7, nc: 24, unroll: 3 } })],
  ['js float32', () => createJsKernels({ maxBytes: 4 << 20 })],
  ['js fallback on wasm memory', () => createKernels({ maxBytes: 4 << 20, threads: 1, backend: 'js' })],
];
if (relaxedSimdSupported(true)) {
  backends.push(['wasm relaxed-simd fma', () => createKernels({ backend: 'wasm', maxBytes: 4 << 20, threads: 1, relaxedSimd: 'enable' })]);
  backends.push(['wasm fma, tiny blocks', () => createKernels({ backend: 'wasm', maxBytes: 4 << 20, threads: 1, shape: { fma: true, mc: 6, kc: 3, nc: 24 } })]);
}

const nativeBuilt = loadNative().module !== undefined;
if (nativeBuilt) {
  backends.push(['native', () => createKernels({ backend: 'native', maxBytes: 4 << 20, threads: 1 })]);
  // Every product large enough to split goes to the helper thread (by rows or by columns).
  backends.push(['native, 2 threads', () => createKernels({ backend: 'native', maxBytes: 4 << 20, threads: 2, minParallelFlops: 0 })]);
}

describe('gemm', () => {
  it('WebAssembly SIMD is available and the module validates', () => {
    expect(wasmSimdSupported()).toBe(true);
    for (const fma of [false, true]) {
      const { bytes } = buildGemmModule({ shape: { fma }, memory: { minPages: 1, maxPages: 1, shared: false } });
      if (!fma) expect(WebAssembly.validate(bytes)).toBe(true);
      else expect(WebAssembly.validate(bytes)).toBe(relaxedSimdSupported());
    }
    expect(createKernels({ backend: 'wasm', maxBytes: 1 << 16, relaxedSimd: 'off', threads: 1 }).backend).toBe('wasm-simd128');
  });

  for (const [name, make] of backends) {
    describe(name, () => {
      const k = make();
      it('matches float64 on random sizes 1..40, all transposes, alpha/beta incl. beta = 0 over NaN', () => {
        fc.assert(fc.property(caseArb(40), (c) => { runCase(k, c); }), { numRuns: 150 });
      });
      it('edge sizes', () => {
        for (const [M, N, K] of EDGE_SIZES) {
          for (const ta of [false, true]) for (const tb of [false, true]) {
            for (const [alpha, beta] of [[1, 0], [0.5, 1], [-1.5, 0.25]]) {
              runCase(k, { ta, tb, M, N, K, alpha, beta, padA: 1, padB: 0, padC: 2, seed: M * 1000 + N * 10 + K });
            }
          }
        }
      });
    });
  }

  it('crosses the default cache blocks (K > kc, N > nc, M > mc)', () => {
    const k = createKernels({ backend: 'wasm', maxBytes: 16 << 20, threads: 1 });
    for (const [ta, tb] of [[false, true], [false, false], [true, false], [true, true]] as const) {
      for (const [M, N, K] of [[131, 13, 9], [5, 1037, 7], [5, 13, 517]]) {
        runCase(k, { ta, tb, M, N, K, alpha: 1, beta: 1, padA: 0, padB: 1, padC: 0, seed: 7 });
      }
    }
    runCase(k, { ta: false, tb: true, M: 130, N: 1030, K: 260, alpha: 1, beta: 1, padA: 0, padB: 1, padC: 0, seed: 7 });
  });

  it.runIf(nativeBuilt)('native: crosses its cache blocks (M > 144, K > 256, N > 2048), on one and two threads', () => {
    for (const threads of [1, 2]) {
      const k = createKernels({ backend: 'native', maxBytes: 16 << 20, threads, minParallelFlops: 0 });
      for (const [ta, tb] of [[false, true], [false, false], [true, false], [true, true]] as const) {
        for (const [M, N, K] of [[151, 13, 9], [5, 2069, 7], [5, 13, 517]]) {
          runCase(k, { ta, tb, M, N, K, alpha: 1, beta: 1, padA: 0, padB: 1, padC: 0, seed: 7 });
        }
      }
      runCase(k, { ta: false, tb: true, M: 150, N: 2060, K: 260, alpha: 1, beta: 0.5, padA: 0, padB: 1, padC: 0, seed: 7 });
    }
  });

  it('the dot-product path (one or two rows times Bᵀ) matches float64 on every k remainder', () => {
    for (const [, make] of backends) {
      const k = make();
      for (const K of [1, 3, 4, 7, 8, 9, 15, 16, 64, 67, 257])
        for (const M of [1, 2])
          for (const beta of [0, 1, -0.5]) runCase(k, { ta: false, tb: true, M, N: 13, K, alpha: 0.75, beta, padA: 1, padB: 2, padC: 1, seed: K * 10 + M });
      fc.assert(
        fc.property(caseArb(70).map((c) => ({ ...c, ta: false, tb: true, M: 1 + (c.M % 2) })), (c) => {
          runCase(k, c);
        }),
        { numRuns: 100 },
      );
    }
  });

  it.each(nativeBuilt ? ['wasm', 'native'] as const : ['wasm'] as const)('degenerate sizes: M, N or K = 0, alpha = 0 (%s)', (backend) => {
    const k = createKernels({ backend, maxBytes: 1 << 20, threads: 1 });
    const C = k.alloc(6);
    C.view.set([1, 2, NaN, 4, 5, 6]);
    k.gemm(false, false, 2, 3, 0, 1, 0, 1, 0, 3, 2, C.ptr, 3); // K = 0: C = 2·C
    expect(Array.from(C.view)).toEqual([2, 4, NaN, 8, 10, 12]);
    C.view.fill(NaN);
    k.gemm(false, true, 2, 3, 4, 0, 0, 4, 0, 4, 0, C.ptr, 3); // alpha = 0, beta = 0: zeros
    expect(Array.from(C.view)).toEqual([0, 0, 0, 0, 0, 0]);
    C.view.fill(3);
    k.gemm(true, false, 0, 3, 4, 1, 0, 1, 0, 3, 0, C.ptr, 3); // M = 0: nothing
    k.gemm(true, false, 2, 0, 4, 1, 0, 2, 0, 1, 0, C.ptr, 1); // N = 0: nothing
    expect(Array.from(C.view)).toEqual([3, 3, 3, 3, 3, 3]);
    expect(() => k.gemm(false, false, 2, 3, 4, 1, 0, 3, 0, 3, 0, C.ptr, 3)).toThrow(/lda/);
    const end = k.memory.buffer.byteLength;
    expect(() => k.gemm(false, false, 2, 3, 4, 1, end - 16, 4, C.ptr, 3, 0, C.ptr, 3)).toThrow(/outside/);
    expect(() => k.gemm(false, false, 2, 3, 1, 1, 0, 1, C.ptr, 3, 0, C.ptr, 3)).toThrow(/outside/);
  });
});

describe('two threads', () => {
  it.each(nativeBuilt ? ['wasm', 'native'] as const : ['wasm'] as const)('split by rows or columns, matches float64 and is bitwise equal to one thread (%s)', async (backend) => {
    const k2 = createKernels({ backend, maxBytes: 8 << 20, threads: 2, minParallelFlops: 0 });
    const k1 = createKernels({ backend, maxBytes: 8 << 20, threads: 1 });
    try {
      expect(k1.threads).toBe(1);
      expect(k2.threads).toBe(2);
      // WebAssembly's helper is a worker on a shared memory; the native one a pthread.
      if (backend === 'wasm') expect(k2.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
      await k2.whenReady();
      fc.assert(fc.property(caseArb(40), (c) => { runCase(k2, c); }), { numRuns: 100 });
      for (const [M, N, K] of [[32, 1024, 64], [300, 65, 70], [65, 256, 33], [7, 5, 3]]) {
        for (const [ta, tb] of [[false, true], [false, false], [true, false]] as const) {
          const C = [k1, k2].map((k) => {
            const A = k.alloc(M * K), B = k.alloc(K * N), C = k.alloc(M * N);
            const rand = rng(M + N + K);
            for (const v of [A.view, B.view, C.view]) for (let i = 0; i < v.length; i++) v[i] = rand();
            k.gemm(ta, tb, M, N, K, 0.5, A.ptr, ta ? M : K, B.ptr, tb ? K : N, 1, C.ptr, N);
            return C.view;
          });
          expect(C[1]).toEqual(C[0]);
        }
      }
    } finally {
      k2.dispose();
    }
  });
});

describe('float64 path', () => {
  it('createJsKernels float64 matches the loop nest and keeps double precision', () => {
    const k = createJsKernels({ dtype: 'float64', maxBytes: 1 << 20 });
    const A = k.alloc(2 * 3), B = k.alloc(3 * 2), C = k.alloc(4);
    expect(A.view).toBeInstanceOf(Float64Array);
    A.view.set([1, 2, 3, 4, 5, 6]);
    B.view.set([1e-9, 1, 1, 1, 1, 1]); // op(B) = Bᵀ (2×3 stored): rows [1e-9,1,1], [1,1,1]
    k.gemm(false, true, 2, 2, 3, 1, A.ptr, 3, B.ptr, 3, 0, C.ptr, 2);
    expect(Array.from(C.view)).toEqual([1e-9 + 2 + 3, 6, 4e-9 + 5 + 6, 15]);
  });
});

describe('alloc', () => {
  it('is 16-byte aligned, views are live on the memory, and it never grows', () => {
    const k = createKernels({ maxBytes: 1 << 20, threads: 1 });
    const byteLength = k.memory.buffer.byteLength;
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 }), (counts) => {
      const mark = k.mark();
      let last = -1;
      for (const n of counts) {
        const { ptr, view } = k.alloc(n);
        expect(ptr % 16).toBe(0);
        expect(ptr).toBeGreaterThan(last);
        last = ptr + n * 4 - 1;
        expect(view.length).toBe(n);
        expect(view.byteOffset).toBe(ptr);
        expect(view.buffer).toBe(k.memory.buffer);
      }
      k.release(mark);
    }));
    expect(() => k.alloc(1 << 20)).toThrow(/out of memory/);
    expect(k.memory.buffer.byteLength).toBe(byteLength);
  });

  it('offers maxBytes to alloc beyond the kernels\' scratch', () => {
    const k = createKernels({ maxBytes: 1 << 20, threads: 1 });
    expect(k.available()).toBeGreaterThanOrEqual(1 << 20);
    k.alloc((1 << 20) / 4);
  });
});

describe('assembler encodings', () => {
  it('LEB128', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([127]);
    expect(uleb(128)).toEqual([0x80, 1]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(2 ** 31 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x07]);
  });
});
