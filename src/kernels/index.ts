// Float32 GEMM kernels on one WebAssembly.Memory, for the runtime's parameter, gradient
// and activation buffers. The memory is created at its final size and never grows, so a
// view taken from alloc() stays valid for the life of the kernels.
//
//   const k = createKernels({ maxBytes: 64 << 20 });
//   const W = k.alloc(m * n), x = k.alloc(B * n), y = k.alloc(B * m);
//   k.gemm(false, true, B, m, n, 1, x.ptr, n, W.ptr, n, 0, y.ptr, m);   // y = x·Wᵀ

import { buildGemmModule, resolveShape, workBytes, type GemmShape } from './wasm/gemm-module.ts';
import { BumpAllocator, checkGemmArgs, createJsKernels, type Kernels } from './js.ts';
import { CTL_BYTES, nodeBuiltin, startHelper, type GemmFn } from './threads.ts';
import { loadNative, type NativeModule } from './native/load.ts';

export { createJsKernels, gemmJs, BumpAllocator } from './js.ts';
export type { Kernels, Allocation, Dtype, FloatArray, JsKernelOptions } from './js.ts';
export { loadNative, type NativeStatus } from './native/load.ts';
export { buildGemmModule, resolveShape, DEFAULT_SHAPE, DEFAULT_FMA_SHAPE, type GemmShape } from './wasm/gemm-module.ts';

const PAGE = 65536;

export interface KernelOptions {
  /** Bytes available to alloc() (parameters, gradients, activations); default 256 MiB. The
   *  memory is this plus the kernels' scratch, reserved up front and never grown. */
  maxBytes?: number;
  /**
   * 'auto' (default): the native kernels when they are built and current (see
   * src/kernels/native/load.ts), else WebAssembly SIMD. 'native' insists (throws if they are
   * unavailable); 'wasm' and 'js' (plain-JS float32, on the same memory) force the others.
   */
  backend?: 'auto' | 'native' | 'wasm' | 'js';
  /**
   * Fused multiply-add through WebAssembly relaxed SIMD (f32x4.relaxed_madd), about 1.4×
   * faster where the CPU has FMA. 'auto': use it if the engine already accepts it (Node ≥ 22,
   * browsers). 'enable' (default): in Node 20, where the feature is still behind
   * --experimental-wasm-relaxed-simd, turn that V8 flag on first (v8.setFlagsFromString;
   * it only adds the standard relaxed-SIMD opcodes). 'off': plain SIMD mul + add.
   */
  relaxedSimd?: 'auto' | 'enable' | 'off';
  /**
   * 1, or 2 to split each large enough gemm with a worker thread sharing the memory
   * (SharedArrayBuffer-backed, so views are views of a SharedArrayBuffer). Default: 2 on
   * machines with two or more cores. Call dispose() to stop the worker.
   */
  threads?: number;
  /** Calls with fewer flops than this run on one thread (default DEFAULT_MIN_PARALLEL_FLOPS). */
  minParallelFlops?: number;
  /** Override block/tile sizes (benchmarks and tests). */
  shape?: Partial<GemmShape>;
}

/** What gemm multiplies: float32 inputs, or inputs rounded to bfloat16 (float32 sums either way). */
export type MatmulPrecision = 'float32' | 'bf16';

/** The CPUs whose AVX512-BF16 the bfloat16 products need (said in every refusal of them). */
export const BF16_CPUS = 'AMD Zen 4, Intel Cooper Lake, Sapphire Rapids or later';

export interface WasmKernels extends Kernels<Float32Array> {
  readonly memory: WebAssembly.Memory;
  /** Threads gemm may use (2 once the helper is up). */
  readonly threads: number;
  /** Resolves once every thread is ready (at once for one thread); gemm works before that, on one thread. */
  whenReady(): Promise<void>;
  /** Native kernels only: rows × cols floats from byte offset src (row stride lds) to dst (ldd). */
  copy2d?(rows: number, cols: number, dstPtr: number, ldd: number, srcPtr: number, lds: number): void;
  /** Native kernels only: dst[j] += Σ_r src[r·lds + j] for j < cols. */
  addRows?(rows: number, cols: number, dstPtr: number, srcPtr: number, lds: number): void;
  /** The precision of gemm's inputs now ('float32' unless setMatmul changed it). */
  readonly matmul?: MatmulPrecision;
  /**
   * Native kernels only: 'bf16' rounds every gemm input to bfloat16 and sums in float32 (about
   * twice as fast on CPUs with AVX512-BF16); throws where the build has no bfloat16 GEMM.
   */
  setMatmul?(precision: MatmulPrecision): void;
  /**
   * Native kernels only: gemm with op(B) packed once and reused until newGeneration() (a
   * weight read by every step of a window). The caller promises B does not change in between.
   */
  gemmReusedB?(transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, aPtr: number, lda: number, bPtr: number, ldb: number, beta: number, cPtr: number, ldc: number): void;
  /** Forget every packed B (their matrices may have changed). */
  newGeneration?(): void;
  /** Native kernels only: an int32 scratch of at least `count` entries (reused; valid until the next call). */
  int32Scratch?(count: number): { ptr: number; view: Int32Array };
  /** Native kernels only: softmax cross-entropy rows (see NativeModule.xent), targets in an int32 scratch. */
  xent?(rows: number, V: number, logitsPtr: number, targetsPtr: number, lossPtr: number): number;
  xentGrad?(rows: number, V: number, logitsPtr: number, outPtr: number, targetsPtr: number, gPtr: number, gBatched: boolean): void;
}

/** Products with at most this many rows skip B's packing in the native kernels (native/gemm.c's gemv_t). */
const GEMV_MAX_ROWS_NATIVE = 4;

/** Bytes of packed weights the native kernels keep for reuse at most (beyond: plain gemm). */
const REUSED_B_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Below this many flops (2·M·N·K) a call stays on one thread: waking the helper costs tens of
 * microseconds. Measured on P1 (LSTM-256, B 32): 2^20 → ~8 400 tok/s, 2^23 → ~9 770, 40M → ~9 100.
 */
export const DEFAULT_MIN_PARALLEL_FLOPS = 1 << 23;

/** The same threshold for the native kernels, whose helper is a pthread that spins between jobs. */
export const DEFAULT_NATIVE_MIN_PARALLEL_FLOPS = 1 << 20;

/** Products op(A)·Bᵀ with at most this many rows go to the unpacked dot-product kernel. */
export const GEMV_MAX_ROWS = 2;

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
      const v8 = nodeBuiltin<{ setFlagsFromString?: (f: string) => void }>('node:v8');
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
  const wanted = options.backend ?? 'auto';
  if (wanted === 'native' || wanted === 'auto') {
    const status = loadNative();
    if (status.module) return createNativeKernels(status.module, maxBytes, options);
    if (wanted === 'native') throw new Error(`native kernels unavailable: ${status.reason}`);
  }
  const useWasm = options.backend !== 'js' && wasmSimdSupported();
  const relaxed = options.relaxedSimd ?? 'enable';
  const fma = options.shape?.fma ?? (useWasm && relaxed !== 'off' && relaxedSimdSupported(relaxed === 'enable'));
  const shape = resolveShape({ ...options.shape, fma });
  const threads = useWasm ? Math.max(1, Math.min(2, options.threads ?? defaultThreads())) : 1;
  const shared = threads > 1;
  // Layout: [control block | gemm scratch per thread | heap of maxBytes for alloc()].
  const ctlPtr = 0;
  const work = useWasm ? Math.ceil(workBytes(shape) / 64) * 64 : 0;
  const workPtrs = Array.from({ length: threads }, (_, t) => CTL_BYTES + t * work);
  const heapStart = CTL_BYTES + threads * work;
  const pages = Math.ceil((heapStart + maxBytes) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared } as WebAssembly.MemoryDescriptor);

  if (!useWasm) {
    const js = createJsKernels({ buffer: memory.buffer, heapStart });
    return Object.assign(js, { memory, threads: 1, whenReady: async () => {} });
  }
  const { bytes } = buildGemmModule({ shape, memory: { minPages: pages, maxPages: pages, shared } });
  const module = new WebAssembly.Module(bytes);
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const gemmWasm = exports.gemm as GemmFn;
  const gemvt = exports.gemvt as (m: number, n: number, k: number, alpha: number, a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number) => void;
  const helper = shared ? startHelper(module, memory, ctlPtr, workPtrs[1]) : undefined;
  const minFlops = options.minParallelFlops ?? DEFAULT_MIN_PARALLEL_FLOPS;
  const { mr: MR, nr: NR } = shape;
  const buffer = memory.buffer;
  const { heap, view, inBounds, alloc } = float32Heap(buffer, heapStart);
  const work0 = workPtrs[0];

  return {
    dtype: 'float32',
    backend: `wasm-simd128${fma ? '-fma' : ''}${helper ? '-2threads' : ''}`,
    memory,
    buffer,
    alloc,
    view,
    mark: () => heap.mark(),
    release: (m: number) => heap.release(m),
    available: () => heap.available(),
    dispose: () => helper?.dispose(),
    threads: helper ? 2 : 1,
    async whenReady() {
      if (helper && !(await helper.whenReady())) throw new Error('gemm helper thread did not start');
    },
    gemm(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc) {
      if (!checkCall(inBounds, transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, cPtr, ldc)) return;
      // A row or two times Bᵀ (a batch-1 step): dot products; packing B would cost more.
      if (!transA && transB && M <= GEMV_MAX_ROWS && K > 0 && alpha !== 0) {
        gemvt(M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc);
        return;
      }
      const ta = transA ? 1 : 0, tb = transB ? 1 : 0;
      if (helper && 2 * M * N * K >= minFlops && helper.ready()) {
        // Split C in two: by columns when that makes more register tiles, else by rows.
        if (N / NR >= M / MR) {
          const n0 = Math.min(N, Math.ceil(N / 2 / NR) * NR);
          if (n0 < N) {
            helper.post(ta, tb, M, N - n0, K, alpha, aPtr, lda, bPtr + (transB ? n0 * ldb : n0) * 4, ldb,
              beta, cPtr + n0 * 4, ldc);
            gemmWasm(ta, tb, M, n0, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc, work0);
            helper.join();
            return;
          }
        } else {
          const m0 = Math.min(M, Math.ceil(M / 2 / MR) * MR);
          if (m0 < M) {
            helper.post(ta, tb, M - m0, N, K, alpha, aPtr + (transA ? m0 : m0 * lda) * 4, lda, bPtr, ldb,
              beta, cPtr + m0 * ldc * 4, ldc);
            gemmWasm(ta, tb, m0, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc, work0);
            helper.join();
            return;
          }
        }
      }
      gemmWasm(ta, tb, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc, work0);
    },
  };
}

/** Kernels over one (unshared) WebAssembly.Memory whose gemm runs in the native addon. */
function createNativeKernels(native: NativeModule, maxBytes: number, options: KernelOptions): WasmKernels {
  const heapStart = CTL_BYTES;
  const pages = Math.ceil((heapStart + maxBytes) / PAGE);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const buffer = memory.buffer as ArrayBuffer;
  const { heap, view, inBounds, alloc } = float32Heap(buffer, heapStart);
  const threads = Math.max(1, Math.min(2, options.threads ?? defaultThreads()));
  const minFlops = options.minParallelFlops ?? DEFAULT_NATIVE_MIN_PARALLEL_FLOPS;
  const threadsFor = (M: number, N: number, K: number) => (threads > 1 && 2 * M * N * K >= minFlops ? 2 : 1);
  // Packed copies of reused B matrices, by (offset, transpose, shape), valid for one generation.
  const reused = new Map<string, { ptr: number; bytes: number; source: number; generation: number }>();
  let reusedBytes = 0;
  let generation = 0;
  let scratch: { ptr: number; view: Int32Array } | undefined;
  let bf16 = 0;
  return {
    dtype: 'float32',
    backend: `native${threads > 1 ? '-2threads' : ''}`,
    get matmul(): MatmulPrecision {
      return bf16 ? 'bf16' : 'float32';
    },
    setMatmul(precision: MatmulPrecision) {
      if (precision === 'bf16' && !native.bf16) throw new Error(`bf16 matrix products need the native kernels built on a CPU with AVX512-BF16 (${BF16_CPUS}); this build has none`);
      bf16 = precision === 'bf16' ? 1 : 0;
    },
    memory,
    buffer,
    alloc,
    view,
    mark: () => heap.mark(),
    release(m: number) {
      heap.release(m);
      if (scratch && scratch.ptr >= m) scratch = undefined;
      // Packed copies in the freed space, or of matrices that were there, are gone.
      for (const [key, e] of reused) {
        if (e.ptr >= m || e.source >= m) {
          reused.delete(key);
          reusedBytes -= e.bytes;
        }
      }
    },
    available: () => heap.available(),
    dispose: () => {},
    threads,
    whenReady: async () => {},
    newGeneration: () => void generation++,
    gemmReusedB(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc) {
      // A few rows (a sampling step, often its own window): dot products, no packing at all.
      if (M <= GEMV_MAX_ROWS_NATIVE) return this.gemm(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc);
      if (!checkCall(inBounds, transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, cPtr, ldc)) return;
      const key = `${bPtr}:${transB ? 1 : 0}:${K}:${N}:${ldb}:${bf16}`; // the two precisions pack B differently
      let entry = reused.get(key);
      if (!entry) {
        const floats = native.packedFloats(K, N);
        // At most an eighth of the heap (and REUSED_B_MAX_BYTES): the rest is for the models.
        if (reusedBytes + floats * 4 > Math.min(REUSED_B_MAX_BYTES, maxBytes / 8) || heap.available() < floats * 4 + 64) {
          return this.gemm(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc);
        }
        reusedBytes += floats * 4;
        // The micro-kernel reads packed panels with aligned 32-byte loads.
        const ptr = Math.ceil(heap.allocBytes(floats * 4 + 64) / 64) * 64;
        entry = { ptr, bytes: floats * 4, source: bPtr, generation: -1 };
        reused.set(key, entry);
      }
      if (entry.generation !== generation) {
        // All of B is packed even when alpha = 0 (which checkCall lets through unread).
        if (!inBounds(bPtr, transB ? N : K, transB ? K : N, ldb)) throw new Error('gemm: a matrix lies outside the heap');
        native.packB(buffer, transB ? 1 : 0, K, N, bPtr, ldb, entry.ptr, bf16);
        entry.generation = generation;
      }
      native.gemmPacked(buffer, transA ? 1 : 0, M, N, K, alpha, aPtr, lda, entry.ptr, beta, cPtr, ldc, threadsFor(M, N, K), bf16);
    },
    int32Scratch(count: number) {
      if (!scratch || scratch.view.length < count) {
        const n = Math.max(count, 4096);
        const ptr = heap.allocBytes(n * 4);
        scratch = { ptr, view: new Int32Array(buffer, ptr, n) };
      }
      return scratch;
    },
    // Bounds (and targets in [0, V)) are checked in C: anything outside throws there.
    xent: (rows, V, logitsPtr, targetsPtr, lossPtr) => native.xent(buffer, rows, V, logitsPtr, targetsPtr, lossPtr, threads),
    xentGrad: (rows, V, logitsPtr, outPtr, targetsPtr, gPtr, gBatched) =>
      native.xentGrad(buffer, rows, V, logitsPtr, outPtr, targetsPtr, gPtr, gBatched ? 1 : 0, threads),
    copy2d: (rows, cols, dstPtr, ldd, srcPtr, lds) => native.copy2d(buffer, rows, cols, dstPtr, ldd, srcPtr, lds),
    addRows: (rows, cols, dstPtr, srcPtr, lds) => native.addRows(buffer, rows, cols, dstPtr, srcPtr, lds),
    gemm(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc) {
      if (!checkCall(inBounds, transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, cPtr, ldc)) return;
      native.gemm(buffer, transA ? 1 : 0, transB ? 1 : 0, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc, threadsFor(M, N, K), bf16);
    },
  };
}

/** Float32 allocation over [heapStart, end of buffer): the part both backends share. */
function float32Heap(buffer: ArrayBufferLike, heapStart: number) {
  const byteLength = buffer.byteLength;
  const heap = new BumpAllocator(heapStart, byteLength);
  const view = (ptr: number, count: number) => new Float32Array(buffer, ptr, count);
  return {
    heap,
    view,
    alloc(count: number) {
      const ptr = heap.allocBytes(count * 4);
      return { ptr, view: view(ptr, count) };
    },
    /** Whether rows × cols floats with row stride ld at byte offset ptr lie in the heap. */
    inBounds: (ptr: number, rows: number, cols: number, ld: number) =>
      rows === 0 || cols === 0 || (ptr >= heapStart && ptr + ((rows - 1) * ld + cols) * 4 <= byteLength),
  };
}

/**
 * The checks every gemm makes before touching memory: sizes and strides, 4-byte alignment,
 * every matrix inside the heap. Returns false when there is nothing to do (M or N is 0).
 */
function checkCall(
  inBounds: (ptr: number, rows: number, cols: number, ld: number) => boolean,
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  aPtr: number, lda: number, bPtr: number, ldb: number, cPtr: number, ldc: number,
): boolean {
  checkGemmArgs(M, N, K, lda, ldb, ldc, transA, transB);
  if ((aPtr | bPtr | cPtr) & 3) throw new Error('gemm: pointers must be 4-byte aligned');
  if (M === 0 || N === 0) return false;
  const kk = alpha === 0 ? 0 : K;
  if (!inBounds(aPtr, transA ? kk : M, transA ? M : kk, lda) || !inBounds(bPtr, transB ? N : kk, transB ? kk : N, ldb) ||
    !inBounds(cPtr, M, N, ldc)) {
    throw new Error('gemm: a matrix lies outside the heap');
  }
  return true;
}

/** 2 where the machine has two or more cores and worker_threads exists, else 1. */
function defaultThreads(): number {
  const os = nodeBuiltin<{ availableParallelism?: () => number }>('node:os');
  return (os?.availableParallelism?.() ?? 1) >= 2 ? 2 : 1;
}

/** The most RNNC_MEMORY_MB may reserve (MiB); kernelSettings enforces it. */
export const MAX_MEMORY_MB = 65536;

const GiB = 2 ** 30;
const gib = (bytes: number): string => (bytes < GiB ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / GiB).toFixed(bytes < 10 * GiB ? 2 : 1)} GiB`);

/**
 * What to tell a user whose model does not fit the kernels' memory: what it needs (at least
 * what is taken plus this request) and what the machine has. RNNC_MEMORY_MB is suggested only
 * when a value it accepts holds that on this machine; otherwise smaller sizes are.
 */
export function outOfMemoryMessage(o: { requested: number; free: number; reserved: number; machine?: number }): string {
  const machine = o.machine ?? nodeBuiltin<{ totalmem(): number }>('node:os')?.totalmem() ?? Infinity;
  const need = o.reserved - o.free + o.requested;
  const reservedMb = Math.round(o.reserved / 2 ** 20);
  const head = `out of kernel memory: the model needs at least ${gib(need)} for its parameters, gradients and activations, more than the ${gib(o.reserved)} reserved (RNNC_MEMORY_MB=${reservedMb})`;
  const ram = Number.isFinite(machine) ? `this machine has ${gib(machine)} of RAM` : 'the RAM of this machine is unknown';
  const smaller = 'use smaller dims, --batch or --bptt';
  if (need > machine) return `${head}, and ${ram}: ${smaller}`;
  // Half as much again for what is allocated after this request, in whole GiB, within bounds.
  const mb = Math.min(Math.ceil((need * 1.5) / GiB) * 1024, MAX_MEMORY_MB, Math.floor(machine / GiB) * 1024);
  if (mb * 2 ** 20 > need && mb > reservedMb) return `${head}; ${ram}: set RNNC_MEMORY_MB=${mb}`;
  if (MAX_MEMORY_MB * 2 ** 20 <= need) return `${head}; ${ram}, but RNNC_MEMORY_MB reserves at most ${MAX_MEMORY_MB} (${gib(MAX_MEMORY_MB * 2 ** 20)}): ${smaller}`;
  return `${head}, nearly all of the RAM of this machine (${gib(machine)}): ${smaller}`;
}
