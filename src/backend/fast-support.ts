// The support functions of generated code over the fast path's kernels: matrix products as
// one GEMM call on byte offsets of the kernels' memory (packed gate products, weights packed
// once per window), the native cross-entropy and block copies where the kernels have them,
// float32-accurate transcendentals. Anything not in that memory falls back to the plain loops.
import { crossEntropy, packRows, support, unpack, type FloatArray, type Support } from '../codegen/support.ts';
import { exp32, sigmoid32, tanh32 } from '../codegen/fast-math.ts';
import type { WasmKernels } from '../kernels/index.ts';
import { fastAdaptive } from './fast-adaptive.ts';

/** Packed gate products of at least this many floats (1 MiB: past a core's L2) go gate by gate, unpacked. */
export const DIRECT_GATES_MIN_FLOATS = 1 << 18;

/** What the fast path needs of the kernels: the GEMM on one memory, and the extras the native ones add. */
export type FastKernels = Pick<WasmKernels, 'buffer' | 'gemm' | 'gemmReusedB' | 'newGeneration' | 'int32Scratch' | 'xent' | 'xentGrad' | 'copy2d' | 'addRows'>;

/**
 * The support functions with the matrix products sent to a GEMM (e.g. WebAssembly SIMD)
 * whenever every operand lives in its memory; anything else falls back to the plain loops.
 */
export function fastSupport(k: FastKernels): Support {
  const buf = k.buffer;
  const inMemory = (...xs: FloatArray[]): boolean => xs.every((x) => x.buffer === buf && x instanceof Float32Array);
  const copy2d = k.copy2d?.bind(k);
  const addRows = k.addRows?.bind(k);
  const reusedB: FastKernels['gemm'] = (k.gemmReusedB ?? k.gemm).bind(k);
  const ce32 = crossEntropy(exp32);
  // The targets of rows s·B + b as int32 in the kernels' memory, for the native cross-entropy;
  // null when one is the pad (a look-ahead model's first steps), which only the plain loops skip.
  const targets = (tokens: Int32Array, T1: number, pos: number, tStart: number, tCount: number, B: number) => {
    const t = k.int32Scratch!(tCount * B);
    for (let s = 0; s < tCount; s++)
      for (let b = 0; b < B; b++) {
        const v = tokens[b * T1 + tStart + s + pos];
        if (v < 0) return null;
        t.view[s * B + b] = v;
      }
    return t.ptr;
  };
  return {
    ...support,
    ...fastAdaptive(k, inMemory),
    newWindow: () => k.newGeneration?.(),
    // Every value here is stored as float32: float32-accurate transcendentals suffice.
    sigmoid: sigmoid32,
    tanh: tanh32,
    xent(loss, logits, V, tokens, T1, pos, tStart, tCount, B) {
      const ptr = k.xent && inMemory(loss, logits) ? targets(tokens, T1, pos, tStart, tCount, B) : null;
      if (ptr === null) return ce32.xent(loss, logits, V, tokens, T1, pos, tStart, tCount, B);
      return k.xent!(tCount * B, V, logits.byteOffset, ptr, loss.byteOffset);
    },
    xentGrad(out, logits, g, gBatched, V, tokens, T1, pos, tStart, tCount, B) {
      const ptr = k.xentGrad && inMemory(out, logits, g) ? targets(tokens, T1, pos, tStart, tCount, B) : null;
      if (ptr === null) return ce32.xentGrad(out, logits, g, gBatched, V, tokens, T1, pos, tStart, tCount, B);
      k.xentGrad!(tCount * B, V, logits.byteOffset, out.byteOffset, ptr, g.byteOffset, gBatched);
    },
    accBatch(G, v, batched, B, n) {
      if (!addRows || !batched || !inMemory(G, v)) return support.accBatch(G, v, batched, B, n);
      addRows(B, n, G.byteOffset, v.byteOffset, n);
    },
    // out[B, m] = x[B, k] · Aᵀ
    mv(out, A, x, B, m, kk) {
      if (!inMemory(out, A, x)) return support.mv(out, A, x, B, m, kk);
      k.gemm(false, true, B, m, kk, 1, x.byteOffset, kk, A.byteOffset, kk, 0, out.byteOffset, m);
    },
    // scratch[B, n·m] = x[B, k] · Wᵀ, one GEMM for n products, then split by gate
    mvPack(scratch, W, x, B, m, kk, outs) {
      if (!inMemory(scratch, W, x)) return support.mvPack(scratch, W, x, B, m, kk, outs);
      const nm = outs.length * m;
      // A product larger than the cache (a whole window's): one GEMM per gate straight into its
      // output costs less than writing the scratch and copying it out. The same sums either way
      // (each entry is summed in k order whatever the columns around it).
      if (B * nm >= DIRECT_GATES_MIN_FLOATS && inMemory(...outs)) {
        for (let g = 0; g < outs.length; g++) reusedB(false, true, B, m, kk, 1, x.byteOffset, kk, W.byteOffset + g * m * kk * 4, kk, 0, outs[g].byteOffset, m);
        return;
      }
      // W is a block of parameters: constant for the window, so it is packed once for all steps.
      reusedB(false, true, B, nm, kk, 1, x.byteOffset, kk, W.byteOffset, kk, 0, scratch.byteOffset, nm);
      if (copy2d && inMemory(...outs)) {
        for (let g = 0; g < outs.length; g++) copy2d(B, m, outs[g].byteOffset, m, scratch.byteOffset + g * m * 4, nm);
      } else unpack(scratch, B, m, outs);
    },
    // out[B, k] = [g_0 … g_n−1][B, n·m] · W[n·m, k]: one GEMM for a sum of n products
    mtvPack(scratch, W, gs, B, m, kk, out) {
      if (!inMemory(scratch, W, out)) return support.mtvPack(scratch, W, gs, B, m, kk, out);
      const nm = gs.length * m;
      if (copy2d && inMemory(...gs)) {
        for (let g = 0; g < gs.length; g++) copy2d(B, m, scratch.byteOffset + g * m * 4, nm, gs[g].byteOffset, m);
      } else packRows(scratch, B, m, gs);
      reusedB(false, false, B, kk, nm, 1, scratch.byteOffset, nm, W.byteOffset, kk, 0, out.byteOffset, kk);
    },
    // The same with A a parameter, constant for the window: packed once for every step.
    mvW(out, A, x, B, m, kk) {
      if (!inMemory(out, A, x)) return support.mv(out, A, x, B, m, kk);
      reusedB(false, true, B, m, kk, 1, x.byteOffset, kk, A.byteOffset, kk, 0, out.byteOffset, m);
    },
    mtvW(out, A, g, B, m, kk) {
      if (!inMemory(out, A, g)) return support.mtv(out, A, g, B, m, kk);
      reusedB(false, false, B, kk, m, 1, g.byteOffset, m, A.byteOffset, kk, 0, out.byteOffset, kk);
    },
    // out[B, k] = g[B, m] · A
    mtv(out, A, g, B, m, kk) {
      if (!inMemory(out, A, g)) return support.mtv(out, A, g, B, m, kk);
      k.gemm(false, false, B, kk, m, 1, g.byteOffset, m, A.byteOffset, kk, 0, out.byteOffset, kk);
    },
    // G[m, k] += g[B, m]ᵀ · x[B, k]
    accOuter(G, g, x, B, m, kk) {
      if (!inMemory(G, g, x)) return support.accOuter(G, g, x, B, m, kk);
      k.gemm(true, false, m, kk, B, 1, g.byteOffset, m, x.byteOffset, kk, 1, G.byteOffset, kk);
    },
  };
}
