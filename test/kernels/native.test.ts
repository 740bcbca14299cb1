import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createKernels, loadNative } from '../../src/kernels/index.ts';
import { loadNativeFrom } from '../../src/kernels/native/load.ts';

const root = path.resolve(import.meta.dirname, '../..');
const source = pathToFileURL(path.join(root, 'src/kernels/native/kernels.c'));
const hasCompiler = (() => {
  try {
    execFileSync(process.env.CC || 'cc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const hasHeaders = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node']
  .some((d) => existsSync(path.join(d, 'node_api.h')));

describe('native kernels', () => {
  // npm install builds them (scripts/build-native.mjs); where it can, it must have worked.
  it.runIf(hasCompiler && hasHeaders)('are built at install and load where a C compiler and Node\'s headers exist', () => {
    const status = loadNative();
    expect(status.module ? 'loaded' : status.reason).toBe('loaded');
    expect(createKernels({ maxBytes: 1 << 16, threads: 1 }).backend).toBe('native');
  });

  it('refuses a build whose stamp does not match kernels.c or this CPU, and a missing build', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rnnc-native-'));
    const missing = loadNativeFrom(pathToFileURL(dir + '/'), source);
    expect(missing.module).toBeUndefined();
    expect(missing.module ? '' : missing.reason).toMatch(/not built/);
    if (!existsSync(path.join(root, 'build/rnnc-kernels.node'))) return;
    copyFileSync(path.join(root, 'build/rnnc-kernels.node'), path.join(dir, 'rnnc-kernels.node'));
    writeFileSync(path.join(dir, 'rnnc-kernels.json'), JSON.stringify({ sha256: '0'.repeat(64) }));
    const stale = loadNativeFrom(pathToFileURL(dir + '/'), source);
    expect(stale.module ? '' : stale.reason).toMatch(/older kernels\.c/);
    // A -march=native build carries its CPU: copied to another machine it is refused, not run.
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const sha256 = createHash('sha256').update(readFileSync(path.join(root, 'src/kernels/native/kernels.c'))).digest('hex');
    writeFileSync(path.join(dir, 'rnnc-kernels.json'), JSON.stringify({ sha256, cpu: '0123456789abcdef' }));
    const elsewhere = loadNativeFrom(pathToFileURL(dir + '/'), source);
    expect(elsewhere.module ? '' : elsewhere.reason).toMatch(/another CPU/);
  });

  it.runIf(loadNative().module !== undefined)('rejects offsets outside the buffer in C as well as in JavaScript', () => {
    const native = loadNative().module!;
    const buf = new ArrayBuffer(4096);
    expect(() => native.gemm(buf, 0, 0, 4, 4, 4, 1, 0, 4, 0, 4, 0, 4080, 4, 1, 0)).toThrow(/outside the buffer/);
    expect(() => native.gemm(buf, 0, 0, 4, 4, 4, 1, 2, 4, 0, 4, 0, 64, 4, 1, 0)).toThrow(/bad sizes or offsets/);
    expect(() => (native.gemm as (...a: unknown[]) => void)(buf, 0, 0)).toThrow(/16 arguments/);
    // Rows that overlap their neighbours (ldc < N): C's rows are split between threads.
    expect(() => native.gemm(buf, 0, 0, 2, 4, 4, 1, 0, 4, 64, 4, 0, 128, 2, 1, 0)).toThrow(/leading dimension/);
    // K·N past 2^32 floats must not wrap around the bounds check (it did: a segfault).
    const big = new ArrayBuffer(4 << 20);
    expect(() => native.gemmPacked(big, 0, 1, 65544, 65536, 1, 0, 65536, 0, 0, 0, 65544, 1, 0)).toThrow();
    expect(() => native.packB(big, 0, 65536, 65544, 0, 65544, 0, 0)).toThrow();
  });

  it('RNNC_KERNELS-style selection: backend "native" throws with the reason when it is unavailable', () => {
    if (loadNative().module) expect(createKernels({ backend: 'native', maxBytes: 1 << 16 }).backend).toMatch(/^native/);
    else expect(() => createKernels({ backend: 'native', maxBytes: 1 << 16 })).toThrow(/native kernels unavailable/);
  });
});

describe.runIf(loadNative().module !== undefined)('native block helpers (oracle: the same loops in JavaScript)', () => {
  // (A skipped describe still runs its body: make the kernels only where the build exists.)
  const k = loadNative().module ? createKernels({ backend: 'native', maxBytes: 1 << 20, threads: 1 }) : (undefined as never);
  it('copy2d moves a block between row strides and leaves the padding alone', () => {
    const src = k.alloc(7 * 10), dst = k.alloc(7 * 6);
    src.view.forEach((_, i, a) => (a[i] = i + 0.5));
    dst.view.fill(-1);
    k.copy2d!(7, 4, dst.ptr, 6, src.ptr + 3 * 4, 10); // columns 3..6 of a [7, 10] block
    for (let r = 0; r < 7; r++) for (let c = 0; c < 6; c++) expect(dst.view[r * 6 + c]).toBe(c < 4 ? src.view[r * 10 + 3 + c] : -1);
    expect(() => k.copy2d!(7, 4, dst.ptr, 6, k.buffer.byteLength - 8, 10)).toThrow(/outside the buffer/);
  });
  it('addRows adds the sum over rows to a vector', () => {
    const src = k.alloc(5 * 9), dst = k.alloc(7);
    src.view.forEach((_, i, a) => (a[i] = Math.sin(i)));
    dst.view.set([1, 2, 3, 4, 5, 6, 7]);
    k.addRows!(5, 7, dst.ptr, src.ptr, 9);
    for (let j = 0; j < 7; j++) {
      let s = j + 1;
      for (let r = 0; r < 5; r++) s += Math.fround(Math.sin(r * 9 + j));
      expect(dst.view[j]).toBeCloseTo(s, 5);
    }
    expect(() => k.addRows!(5, 7, dst.ptr + 2, src.ptr, 9)).toThrow(/outside the buffer/);
  });
});

// The install builds for this CPU (-march=native); a machine without AVX-512 gets the other
// micro-kernel (6×16 instead of 8×24), and a compiler that rejects -march=native a portable
// build. Build that portable variant here and check it against the JavaScript loops.
describe.runIf(hasCompiler && hasHeaders)('the portable native build', () => {
  it('matches the float64 loop nest on random shapes, all transposes, one and two threads', async () => {
    const { gemmJs } = await import('../../src/kernels/index.ts');
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const dir = mkdtempSync(path.join(tmpdir(), 'rnnc-native-portable-'));
    const include = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node']
      .find((d) => existsSync(path.join(d, 'node_api.h')))!;
    execFileSync(process.env.CC || 'cc', ['-O2', '-std=gnu11', '-ffp-contract=fast', '-fPIC', '-shared', '-pthread', `-I${include}`,
      path.join(root, 'src/kernels/native/kernels.c'), '-o', path.join(dir, 'rnnc-kernels.node')]);
    const sha256 = createHash('sha256').update(readFileSync(path.join(root, 'src/kernels/native/kernels.c'))).digest('hex');
    writeFileSync(path.join(dir, 'rnnc-kernels.json'), JSON.stringify({ sha256 }));
    const status = loadNativeFrom(pathToFileURL(dir + '/'), source);
    expect(status.module ? 'loaded' : status.reason).toBe('loaded');
    const native = status.module!;
    const buf = new ArrayBuffer(8 << 20);
    const F = new Float32Array(buf);
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
    for (let trial = 0; trial < 60; trial++) {
      const M = 1 + Math.floor((rand() + 0.5) * 160), N = 1 + Math.floor((rand() + 0.5) * 70), K = Math.floor((rand() + 0.5) * 300);
      const ta = trial % 2 === 1, tb = trial % 4 >= 2;
      const lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 2, ldc = N + 3;
      const a = 64, b = 2 << 20, c = 5 << 20;
      for (const [p, n] of [[a, lda * Math.max(M, K)], [b, ldb * Math.max(N, K)], [c, ldc * M]]) for (let i = 0; i < n; i++) F[p / 4 + i] = rand();
      const ref = new Float64Array(F);
      gemmJs(ta, tb, M, N, K, 0.75, ref, a / 4, lda, ref, b / 4, ldb, 0.5, ref, c / 4, ldc);
      native.gemm(buf, +ta, +tb, M, N, K, 0.75, a, lda, b, ldb, 0.5, c, ldc, 1 + (trial % 2), 0);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        const want = ref[c / 4 + i * ldc + j];
        expect(Math.abs(F[c / 4 + i * ldc + j] - want)).toBeLessThan(1e-4 * (1 + Math.abs(want)) + 1e-5 * Math.sqrt(K));
      }
    }
  }, 30_000);
});

describe.runIf(loadNative().module !== undefined)('gemm with a reused, packed B (oracle: gemm)', () => {
  it('matches gemm on every transpose and shape, on one and two threads, from misaligned heap tops', () => {
    for (const threads of [1, 2]) {
      const k = createKernels({ backend: 'native', maxBytes: 256 << 20, threads, minParallelFlops: 0 });
      let seed = 99;
      const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
      for (const [M, N, K] of [[1, 5, 3], [3, 50, 7], [32, 1030, 260], [9, 25, 600], [150, 49, 31]]) {
        for (const ta of [false, true]) for (const tb of [false, true]) {
          k.alloc(1 + (M % 3)); // shift the heap top off 32-byte alignment
          const A = k.alloc(M * K), B = k.alloc(N * K), C1 = k.alloc(M * N), C2 = k.alloc(M * N);
          A.view.forEach((_, i, a) => (a[i] = rand()));
          B.view.forEach((_, i, a) => (a[i] = rand()));
          C1.view.forEach((_, i, a) => (a[i] = rand()));
          C2.view.set(C1.view);
          const lda = ta ? M : K, ldb = tb ? K : N;
          k.gemm(ta, tb, M, N, K, 0.5, A.ptr, lda, B.ptr, ldb, 0.25, C1.ptr, N);
          k.gemmReusedB!(ta, tb, M, N, K, 0.5, A.ptr, lda, B.ptr, ldb, 0.25, C2.ptr, N);
          for (let i = 0; i < M * N; i++) expect(Math.abs(C2.view[i] - C1.view[i])).toBeLessThan(1e-5 * (1 + Math.abs(C1.view[i])));
        }
      }
    }
  });

  it('reuses the packed copy until newGeneration(), and forgets it when its memory is released', () => {
    const k = createKernels({ backend: 'native', maxBytes: 8 << 20, threads: 1 });
    const M = 5, N = 8, K = 8; // more rows than the dot-product path takes
    const A = k.alloc(M * K), C = k.alloc(M * N);
    A.view.fill(1);
    const mark = k.mark();
    const B = k.alloc(K * N);
    const product = () => {
      k.gemmReusedB!(false, false, M, N, K, 1, A.ptr, K, B.ptr, N, 0, C.ptr, N);
      return C.view[0];
    };
    B.view.fill(1);
    expect(product()).toBe(8);
    B.view.fill(2); // the contract: B is constant within a generation, so the old packing is used
    expect(product()).toBe(8);
    k.newGeneration!();
    expect(product()).toBe(16);
    k.release(mark); // B's memory is freed: a new matrix there must not meet the old packing
    const B2 = k.alloc(K * N);
    expect(B2.ptr).toBe(B.ptr);
    B2.view.fill(3);
    expect(product()).toBe(24);
  });

  it('C refuses misaligned packed matrices', () => {
    const native = loadNative().module!;
    const buf = new ArrayBuffer(1 << 16);
    expect(() => native.packB(buf, 0, 4, 4, 0, 4, 4100, 0)).toThrow(/32-byte aligned/);
    expect(() => native.gemmPacked(buf, 0, 4, 4, 4, 1, 0, 4, 4100, 0, 8192, 4, 1, 0)).toThrow(/32-byte aligned/);
  });
});

describe.runIf(loadNative().module !== undefined)('native softmax cross-entropy (oracle: float64 log-sum-exp)', () => {
  const k = loadNative().module ? createKernels({ backend: 'native', maxBytes: 16 << 20, threads: 1 }) : (undefined as never);
  it('loss and gradient rows match for V below, at and above the vector width, with extreme logits', () => {
    for (const V of [1, 7, 8, 9, 65, 1000]) {
      const rows = 5;
      const logits = k.alloc(rows * V), loss = k.alloc(rows), out = k.alloc(rows * V), g = k.alloc(rows);
      logits.view.forEach((_, i, a) => (a[i] = 8 * Math.sin(i * 1.7) + (i % 13 === 0 ? -200 : 0) + (i % 29 === 0 ? 60 : 0)));
      g.view.set([0.5, 1, 2, -1, 0.25]);
      const t = k.int32Scratch!(rows);
      for (let r = 0; r < rows; r++) t.view[r] = (r * 7919) % V;
      const total = k.xent!(rows, V, logits.ptr, t.ptr, loss.ptr);
      k.xentGrad!(rows, V, logits.ptr, out.ptr, t.ptr, g.ptr, true);
      let want = 0;
      for (let r = 0; r < rows; r++) {
        const x = Array.from(logits.view.subarray(r * V, (r + 1) * V));
        const max = Math.max(...x);
        const sum = x.reduce((s, v) => s + Math.exp(v - max), 0);
        const l = max + Math.log(sum) - x[t.view[r]];
        want += l;
        expect(Math.abs(loss.view[r] - l)).toBeLessThan(1e-5 * Math.max(1, Math.abs(l)));
        for (let j = 0; j < V; j++) {
          const dj = g.view[r] * (Math.exp(x[j] - max) / sum - (j === t.view[r] ? 1 : 0));
          expect(Math.abs(out.view[r * V + j] - dj)).toBeLessThan(1e-6 * (1 + Math.abs(g.view[r])));
        }
      }
      expect(Math.abs(total - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
    }
  });
  it('a large call split across two threads gives every row exactly as one thread does', async () => {
    const k2 = createKernels({ backend: 'native', maxBytes: 16 << 20, threads: 2 });
    await k2.whenReady();
    // 97 rows × 1000 logits: past the two-thread threshold, with an odd split.
    const rows = 97, V = 1000;
    const run = (kk: typeof k) => {
      const logits = kk.alloc(rows * V), loss = kk.alloc(rows), out = kk.alloc(rows * V), g = kk.alloc(rows);
      logits.view.forEach((_, i, a) => (a[i] = 6 * Math.sin(i * 0.37) + (i % 11 === 0 ? 30 : 0)));
      g.view.forEach((_, i, a) => (a[i] = 1 + (i % 3)));
      const t = kk.int32Scratch!(rows);
      for (let r = 0; r < rows; r++) t.view[r] = (r * 7919) % V;
      const total = kk.xent!(rows, V, logits.ptr, t.ptr, loss.ptr);
      kk.xentGrad!(rows, V, logits.ptr, out.ptr, t.ptr, g.ptr, true);
      const lossRows = Array.from(loss.view);
      let sum = 0;
      for (const l of lossRows) sum += l;
      t.view[rows - 1] = V; // the last row's target outside the vocabulary: refused before any work
      expect(() => kk.xent!(rows, V, logits.ptr, t.ptr, loss.ptr)).toThrow(/outside the vocabulary/);
      expect(Array.from(loss.view)).toEqual(lossRows);
      return { total, sum, lossRows, grad: Array.from(out.view) };
    };
    const one = run(k), two = run(k2);
    expect(k2.threads).toBe(2);
    expect(two.lossRows).toEqual(one.lossRows);
    expect(two.grad).toEqual(one.grad);
    expect(Math.abs(two.total - one.total)).toBeLessThan(1e-12 * one.total);
    expect(Math.abs(two.total - one.sum)).toBeLessThan(1e-5 * one.total); // the sum of the (float32) rows
    k2.dispose();
  });

  it('the int32 scratch does not survive a release of its memory', () => {
    const k = createKernels({ backend: 'native', maxBytes: 1 << 20, threads: 1 });
    const mark = k.mark();
    const first = k.int32Scratch!(10);
    k.release(mark);
    const owner = k.alloc(64);
    const again = k.int32Scratch!(10);
    expect(again.ptr >= owner.ptr + 64 * 4 || again.ptr + 10 * 4 <= owner.ptr).toBe(true);
    expect(first.ptr).toBe(owner.ptr); // the freed scratch's memory now belongs to `owner`
  });

  it('a target outside the vocabulary throws instead of reading past the row', () => {
    const logits = k.alloc(8), loss = k.alloc(1), g = k.alloc(1);
    const t = k.int32Scratch!(1);
    t.view[0] = 8;
    expect(() => k.xent!(1, 8, logits.ptr, t.ptr, loss.ptr)).toThrow(/outside the vocabulary/);
    expect(() => k.xentGrad!(1, 8, logits.ptr, logits.ptr, t.ptr, g.ptr, false)).toThrow(/outside the vocabulary/);
  });
});

describe.runIf(loadNative().module !== undefined)('native arena loops (oracle: the float64 loop)', () => {
  it('sumSquares and axpy on views of any length, empty included; other arrays are refused', () => {
    const native = loadNative().module!;
    const whole = Float32Array.from({ length: 1003 }, (_, i) => Math.sin(i) * 3);
    for (const [a, b] of [[0, 0], [0, 1003], [5, 12], [7, 1003], [1, 2]]) {
      const x = whole.subarray(a, b);
      let want = 0;
      for (const v of x) want += v * v;
      expect(Math.abs(native.sumSquares(x) - want)).toBeLessThan(1e-12 * Math.max(1, want));
      const y = Float32Array.from(x, (v) => v / 2);
      const expected = Float32Array.from(y, (v, i) => Math.fround(v + Math.fround(-0.3) * x[i]));
      native.axpy(-0.3, x, y);
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - expected[i])).toBeLessThan(1e-6 * (1 + Math.abs(expected[i])));
    }
    expect(() => native.sumSquares(new Float64Array(3) as unknown as Float32Array)).toThrow(/Float32Array/);
    expect(() => native.axpy(1, new Float32Array(3), new Float32Array(4))).toThrow(/differ in length/);
  });
});

describe.runIf(loadNative().module !== undefined)('native Adam (oracle: the JavaScript optimizer, bit for bit)', () => {
  // The same optimizer twice, once with RNNC_KERNELS=js (its JavaScript loop), once native.
  async function steps(native: boolean, hyper: { weightDecay: number }, n: number, scales: number[]) {
    const { createOptimizer } = await import('../../src/runtime/optim/optimizers.ts');
    const before = process.env.RNNC_KERNELS;
    const p = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * (i % 5 === 0 ? 1e-4 : 1));
    const opt = createOptimizer('adam', { ...hyper, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, n);
    try {
      if (native) delete process.env.RNNC_KERNELS;
      else process.env.RNNC_KERNELS = 'js';
      scales.forEach((f, t) => {
        // Zeros, tiny and large entries: the denominator's root and eps both matter.
        const g = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : Math.cos(i * (t + 1.3)) * 10 ** ((i % 9) - 5)));
        opt.step(p, g, 2e-3 * (t + 1), f);
      });
    } finally {
      if (before === undefined) delete process.env.RNNC_KERNELS;
      else process.env.RNNC_KERNELS = before;
    }
    const { tensors } = opt.state();
    return { p, exp_avg: tensors.exp_avg as Float32Array, exp_avg_sq: tensors.exp_avg_sq as Float32Array };
  }

  for (const weightDecay of [0, 0.01]) {
    it(`equals the JavaScript loop over 4 steps (weight decay ${weightDecay}, lengths with and without a vector tail)`, async () => {
      for (const n of [1, 7, 64, 1003]) {
        // The native run must really take the native loop, and the JavaScript one must not.
        const spy = vi.spyOn(loadNative().module!, 'adam');
        const js = await steps(false, { weightDecay }, n, [1, 0.5, 3, 1]);
        expect(spy).not.toHaveBeenCalled();
        const nat = await steps(true, { weightDecay }, n, [1, 0.5, 3, 1]);
        expect(spy).toHaveBeenCalledTimes(4);
        spy.mockRestore();
        expect(Array.from(nat.p)).toEqual(Array.from(js.p));
        expect(Array.from(nat.exp_avg)).toEqual(Array.from(js.exp_avg));
        expect(Array.from(nat.exp_avg_sq)).toEqual(Array.from(js.exp_avg_sq));
      }
    });
  }

  it('refuses arenas of different lengths or other arrays', () => {
    const native = loadNative().module!;
    const a = new Float32Array(4);
    expect(() => native.adam(a, a, a, new Float32Array(3), 1, 1, 0, 0.9, 0.999, 1e-8, 0.1, 0.001)).toThrow(/differ in length/);
    expect(() => native.adam(a, new Float64Array(4) as unknown as Float32Array, a, a, 1, 1, 0, 0.9, 0.999, 1e-8, 0.1, 0.001)).toThrow(/Float32Array/);
  });
});

describe('kernel settings from the environment', () => {
  it('are checked, with the variable and what it wants in the message', async () => {
    const { kernelSettings } = await import('../../src/codegen/index.ts');
    expect(kernelSettings({})).toEqual({ backend: 'auto', mb: 2048, threads: undefined, minMflops: undefined });
    expect(kernelSettings({ RNNC_KERNELS: 'wasm', RNNC_THREADS: '1', RNNC_MEMORY_MB: '64', RNNC_MIN_PARALLEL_MFLOPS: '0.5' }))
      .toEqual({ backend: 'wasm', mb: 64, threads: 1, minMflops: 0.5 });
    expect(() => kernelSettings({ RNNC_KERNELS: 'gpu' })).toThrow('RNNC_KERNELS=gpu: expected native, wasm or js');
    expect(() => kernelSettings({ RNNC_MEMORY_MB: 'abc' })).toThrow(/RNNC_MEMORY_MB=abc/);
    expect(() => kernelSettings({ RNNC_THREADS: '3' })).toThrow(/RNNC_THREADS=3: expected 1 or 2/);
    expect(() => kernelSettings({ RNNC_MIN_PARALLEL_MFLOPS: '-1' })).toThrow(/RNNC_MIN_PARALLEL_MFLOPS/);
    expect(() => kernelSettings({ RNNC_KERNELS: 'gpu' })).toThrow(RangeError); // the CLI reports it as a user error
  });
});
