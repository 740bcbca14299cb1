// Float32 GEMM kernels on one WebAssembly.Memory, for the runtime's parameter, gradient
// and activation buffers. The memory is created at its final size and never grows, so a
// view taken from alloc() stays valid for the life of the kernels.
//
//   const k = createKernels({ maxBytes: 64 << 20 });
//   const W = k.alloc(m * n), x = k.alloc(B * n), y = k.alloc(B * m);
//   k.gemm(false, true, B, m, n, 1, x.ptr, n, W.ptr, n, 0, y.ptr, m);   // y = x·Wᵀ

import { buildGemmModule, resolveShape, workBytes, type GemmShape } from './wasm/gemm-module.ts';
import { BumpAllocator, checkGemmArgs, createJsKernels, type Kernels } from './js.ts';

export { createJsKernels, gemmJs, BumpAllocator } from './js.ts';
export type { Kernels, Allocation, Dtype, FloatArray, JsKernelOptions } from './js.ts';
export { buildGemmModule, resolveShape, DEFAULT_SHAPE, DEFAULT_FMA_SHAPE, type GemmShape } from './wasm/gemm-module.ts';

const PAGE = 65536;

export interface KernelOptions {
  /** Bytes available to alloc() (parameters, gradients, activations); default 256 MiB. The
   *  memory is this plus the kernels' scratch, reserved up front and never grown. */
  maxBytes?: number;
  /** Force the plain-JS float32 kernels (on the same memory). */
  backend?: 'wasm' | 'js';
  /**
   * Fused multiply-add through WebAssembly relaxed SIMD (f32x4.relaxed_madd), about 1.4×
   * faster where the CPU has FMA. 'auto': use it if the engine already accepts it (Node ≥ 22,
   * browsers). 'enable' (default): in Node 20, where the feature is still behind
   * --experimental-wasm-relaxed-simd, turn that V8 flag on first (v8.setFlagsFromString;
   * it only adds the standard relaxed-SIMD opcodes). 'off': plain SIMD mul + add.
   */
  relaxedSimd?: 'auto' | 'enable' | 'off';
  /** Override block/tile sizes (benchmarks and tests). */
  shape?: Partial<GemmShape>;
}

export interface WasmKernels extends Kernels<Float32Array> {
  readonly memory: WebAssembly.Memory;
}

type GemmExport = (
  ta: number, tb: number, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number,
) => void;

const probeMemory = { minPages: 1, maxPages: 1, shared: false };
const validates = (fma: boolean): boolean => {
  try {
    return WebAssembly.validate(buildGemmModule({ shape: { fma }, memory: probeMemory }).bytes);
  } catch {
    return false;
  }
};

let simdSupport: boolean | undefined;
/** Whether this engine runs WebAssembly SIMD (checked once by validating the module). */
export function wasmSimdSupported(): boolean {
  if (simdSupport === undefined) simdSupport = typeof WebAssembly === 'object' && validates(false);
  return simdSupport;
}

let relaxedSupport: boolean | undefined;
/** Whether this engine accepts relaxed SIMD; with `enable`, first try to switch it on (Node). */
export function relaxedSimdSupported(enable = false): boolean {
  if (relaxedSupport === undefined || (enable && !relaxedSupport)) {
    relaxedSupport = wasmSimdSupported() && validates(true);
    if (!relaxedSupport && enable) {
      const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
      const v8 = proc?.getBuiltinModule?.('node:v8') as { setFlagsFromString?: (f: string) => void } | undefined;
      if (v8?.setFlagsFromString) {
        v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
        relaxedSupport = validates(true);
      }
    }
  }
  return relaxedSupport;
}

export function createKernels(options: KernelOptions = {}): WasmKernels {
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const useWasm = options.backend !== 'js' && wasmSimdSupported();
  const relaxed = options.relaxedSimd ?? 'enable';
  const fma = options.shape?.fma ?? (useWasm && relaxed !== 'off' && relaxedSimdSupported(relaxed === 'enable'));
  const shape = resolveShape({ ...options.shape, fma });
  // Layout: [64 bytes unused | gemm scratch | heap of maxBytes for alloc()].
  const workPtr = 64;
  const work = useWasm ? workBytes(shape) : 0;
  const heapStart = Math.ceil((workPtr + work) / 64) * 64;
  const pages = Math.ceil((heapStart + maxBytes) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });

  if (!useWasm) {
    const js = createJsKernels({ buffer: memory.buffer, heapStart });
    return Object.assign(js, { memory });
  }
  const { bytes } = buildGemmModule({ shape, memory: { minPages: pages, maxPages: pages, shared: false } });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const gemmWasm = instance.exports.gemm as GemmExport;
  const buffer = memory.buffer;
  const heap = new BumpAllocator(heapStart, buffer.byteLength);
  const view = (ptr: number, count: number) => new Float32Array(buffer, ptr, count);
  return {
    dtype: 'float32',
    backend: fma ? 'wasm-simd128-fma' : 'wasm-simd128',
    memory,
    buffer,
    alloc(count: number) {
      const ptr = heap.allocBytes(count * 4);
      return { ptr, view: view(ptr, count) };
    },
    view,
    mark: () => heap.mark(),
    release: (m: number) => heap.release(m),
    available: () => heap.available(),
    gemm(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc) {
      checkGemmArgs(M, N, K, lda, ldb, ldc, transA, transB);
      if ((aPtr | bPtr | cPtr) & 3) throw new Error('gemm: pointers must be 4-byte aligned');
      gemmWasm(transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc, workPtr);
    },
  };
}
