// Where a compiled model's arrays live: float32 in the fast path's one WebAssembly memory (so
// the kernels work on them in place), anything else (float64, or float32 without the fast
// path) in plain typed arrays.
import type { FloatArray, FloatCtor, Support } from '../codegen/support.ts';
import { support } from '../codegen/support.ts';
import { outOfMemoryMessage } from '../kernels/index.ts';
import { fastPath } from './kernels.ts';

/** What generated code gets as `rt`: an allocator, and the support functions that suit its arrays. */
export interface Runtime {
  alloc(n: number): FloatArray;
  k: Support;
}

/** Allocation and support functions for a dtype: float32 on the fast path when it is available. */
export function runtimeFor(Float: FloatCtor): Runtime {
  const f = Float === Float32Array ? fastPath() : null;
  if (!f) return { alloc: (n) => new Float(n), k: support };
  return {
    alloc: (n) => {
      const bytes = n * 4 + 64;
      if (f.kernels.available() < bytes) throw new RangeError(outOfMemoryMessage({ requested: bytes, free: f.kernels.available(), reserved: f.mb * 2 ** 20 }));
      return f.kernels.alloc(Math.max(n, 1)).view.subarray(0, n).fill(0);
    },
    k: f.support,
  };
}

/** A parameter arena and a gradient arena of `size` values each, zeroed, where the kernels work fastest. */
export function createArenas(size: number, Float: FloatCtor): { params: FloatArray; grads: FloatArray } {
  const { alloc } = runtimeFor(Float);
  return { params: alloc(size), grads: alloc(size) };
}
