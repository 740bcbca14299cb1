// Which kernels run this process's float32 work, chosen once from the settings: the native
// addon when it is built (npm install builds it), else WebAssembly SIMD; RNNC_KERNELS=wasm or
// js (plain JavaScript) force the others, RNNC_KERNELS=native insists on the addon.
import type { Support } from '../codegen/support.ts';
import { BF16_CPUS, createKernels, loadNative, wasmSimdSupported, type MatmulPrecision, type WasmKernels } from '../kernels/index.ts';
import type { NativeModule } from '../kernels/native/load.ts';
import { fastSupport } from './fast-support.ts';
import { settings } from './settings.ts';

/** The float32 fast path: kernels on one WebAssembly memory, and the support functions over them. */
export interface FastPath {
  readonly kernels: WasmKernels;
  readonly support: Support;
  /** The MiB reserved (RNNC_MEMORY_MB when the kernels were made). */
  readonly mb: number;
}

let fast: FastPath | null | undefined;

/**
 * The fast path, made on first use and shared by every compiled model of the process (its
 * memory is reserved once: address space only, pages are touched as they are used); null
 * where float32 runs on plain arrays (RNNC_KERNELS=js, or no WebAssembly SIMD).
 */
export function fastPath(): FastPath | null {
  if (fast === undefined) {
    const { backend, mb, threads, minMflops } = settings().kernels;
    if (backend === 'js' || !wasmSimdSupported()) fast = null;
    else {
      let kernels: WasmKernels;
      try {
        kernels = createKernels({ maxBytes: mb * 1024 * 1024, threads, backend, minParallelFlops: minMflops === undefined ? undefined : minMflops * 1e6 });
      } catch (e) {
        // e.g. RNNC_KERNELS=native without a build: a setting the user can change, not a crash.
        throw new RangeError(`${e instanceof Error ? e.message : String(e)} (RNNC_KERNELS=${backend === 'auto' ? '' : backend}, RNNC_MEMORY_MB=${mb})`);
      }
      fast = { kernels, support: fastSupport(kernels), mb };
    }
  }
  return fast;
}

export type { MatmulPrecision };

/** Why this process cannot run bfloat16 products (`--matmul bf16`), or null when it can. */
export function bf16Unavailable(): string | null {
  const f = fastPath();
  if (!f) return 'float32 runs on plain JavaScript arrays in this process (RNNC_KERNELS=js), which have no bfloat16 products';
  if (!f.kernels.setMatmul) return `the ${f.kernels.backend} kernels have no bfloat16 products; the native kernels have them where they are built on a CPU with AVX512-BF16`;
  if (!loadNative().module?.bf16) return `the native kernels were built for a CPU without AVX512-BF16 (bfloat16 products need ${BF16_CPUS})`;
  return null;
}

/** The precision of the fast path's matrix products from now on (bf16: see bf16Unavailable). */
export function setMatmul(precision: MatmulPrecision): void {
  fastPath()?.kernels.setMatmul?.(precision);
}

/** Which kernels run float32 products in this process (e.g. `native-2threads`, `wasm-simd128-fma-2threads`, `js`). */
export function float32Kernels(): string {
  return fastPath()?.kernels.backend ?? 'js';
}

/** The native whole-arena loops: gradient norms, SGD and Adam steps. */
export type ArenaOps = Pick<NativeModule, 'sumSquares' | 'axpy' | 'adam'>;

/**
 * The native arena loops when every array given is a Float32Array over a plain ArrayBuffer;
 * undefined where they are not built, RNNC_KERNELS picks other kernels, or an array is of
 * another kind (the caller's JavaScript loop runs).
 */
export function arenaOps(...arrays: ArrayBufferView[]): ArenaOps | undefined {
  if (!arrays.every((a) => a instanceof Float32Array && a.buffer instanceof ArrayBuffer)) return undefined;
  const { backend } = settings().kernels;
  if (backend === 'js' || backend === 'wasm') return undefined;
  return loadNative().module;
}
