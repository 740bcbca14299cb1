import { describe, expect, it } from 'vitest';
import { createKernels, loadNative, wasmSimdSupported, type WasmKernels } from '../../src/kernels/index.ts';
import { DIRECT_GATES_MIN_FLOATS, fastSupport } from '../../src/backend/fast-support.ts';

// mvPack writes a large product (a whole window's gate inputs) gate by gate straight into the
// outputs; oracles: the small-product path (one GEMM into the scratch, then split), which must
// give the same bits, and float64 dot products.
const backends: [string, () => WasmKernels][] = [
  ...(loadNative().module ? [['native', () => createKernels({ backend: 'native', maxBytes: 64 << 20, threads: 2 })] as [string, () => WasmKernels]] : []),
  ...(wasmSimdSupported() ? [['wasm', () => createKernels({ backend: 'wasm', maxBytes: 64 << 20, threads: 1 })] as [string, () => WasmKernels]] : []),
];

describe.each(backends)('mvPack gate by gate (%s kernels)', (_, make) => {
  it('a product past the threshold equals the packed path bit for bit, and float64 within 1e-5', () => {
    const k = make();
    // Counts the block copies of the packed path: the gate-by-gate path makes none.
    let copies = 0;
    const counted = Object.assign(Object.create(k) as WasmKernels, { copy2d: (...a: Parameters<NonNullable<WasmKernels['copy2d']>>) => (copies++, k.copy2d?.(...a)) });
    const s = fastSupport(counted);
    const gates = 4, m = 72, kk = 40; // 72 = 3 tiles of 24, 2.25 of 32: partial tiles at both widths
    const B = Math.ceil(DIRECT_GATES_MIN_FLOATS / (gates * m)) + 3;
    expect(B * gates * m).toBeGreaterThanOrEqual(DIRECT_GATES_MIN_FLOATS);
    const arr = (n: number) => k.alloc(n).view.subarray(0, n);
    const W = arr(gates * m * kk), x = arr(B * kk), scratch = arr(B * gates * m);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    W.forEach((_, i, a) => (a[i] = rnd()));
    x.forEach((_, i, a) => (a[i] = rnd()));
    const outs = Array.from({ length: gates }, () => arr(B * m).fill(NaN));
    k.newGeneration?.();
    s.mvPack(scratch, W, x, B, m, kk, outs);
    expect(copies).toBe(0);
    s.mvPack(scratch, W, x, 2, m, kk, Array.from({ length: gates }, () => arr(2 * m)));
    if (k.copy2d) expect(copies).toBe(gates); // a small product still goes through the scratch
    // The small-product path, forced: one GEMM over all gates, then the split.
    scratch.fill(NaN);
    k.gemm(false, true, B, gates * m, kk, 1, x.byteOffset, kk, W.byteOffset, kk, 0, scratch.byteOffset, gates * m);
    for (let g = 0; g < gates; g++) {
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < m; j++) {
          const got = outs[g][b * m + j];
          if (got !== scratch[b * gates * m + g * m + j]) expect.fail(`gate ${g} [${b}, ${j}]: ${got} vs packed ${scratch[b * gates * m + g * m + j]}`);
          if (b % 97 === 0) {
            let want = 0;
            for (let p = 0; p < kk; p++) want += x[b * kk + p] * W[(g * m + j) * kk + p];
            expect(Math.abs(got - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
          }
        }
      }
    }
  });
});
