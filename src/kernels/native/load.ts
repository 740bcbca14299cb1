// Finds and loads the native kernels built at install (scripts/build-native.mjs). They are used
// only when the build is current: the stamp beside it must hold the hash of kernels.c and of
// each part it includes as they are now, so an edited source never runs through a stale binary.
import { nodeBuiltin } from '../threads.ts';

/** The addon's ABI: the JavaScript side and kernels.c (bindings.c) change together. */
export const NATIVE_ABI_VERSION = 8;

export interface NativeModule {
  /**
   * C = alpha·op(A)·op(B) + beta·C on byte offsets into `buffer`; threads 1 or 2; bf16 1: the
   * inputs rounded to bfloat16, summed in float32 (only where `bf16` is true; else it throws).
   */
  gemm(
    buffer: ArrayBuffer, ta: number, tb: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, threads: number, bf16: number,
  ): void;
  /** rows × cols floats from byte offset src (row stride lds) to dst (row stride ldd). */
  copy2d(buffer: ArrayBuffer, rows: number, cols: number, dst: number, ldd: number, src: number, lds: number): void;
  /** dst[j] += Σ_r src[r·lds + j] for j < cols. */
  addRows(buffer: ArrayBuffer, rows: number, cols: number, dst: number, src: number, lds: number): void;
  /** op(B) (K×N) packed at byte offset dst for gemmPacked (bf16 1: for its bfloat16 products); it needs packedFloats(K, N) floats. */
  packB(buffer: ArrayBuffer, tb: number, k: number, n: number, b: number, ldb: number, dst: number, bf16: number): void;
  packedFloats(k: number, n: number): number;
  /** C = alpha·op(A)·B + beta·C with B packed by packB, with the same bf16. */
  gemmPacked(
    buffer: ArrayBuffer, ta: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, packed: number, beta: number, c: number, ldc: number, threads: number, bf16: number,
  ): void;
  /** Softmax cross-entropy of `rows` rows of V logits against int32 targets; returns the sum. Threads 2: large calls split the rows. */
  xent(buffer: ArrayBuffer, rows: number, V: number, logits: number, targets: number, loss: number, threads: number): number;
  /** out = g·(softmax(logits) − onehot(targets)), g per row (gBatched 1) or one value. */
  xentGrad(buffer: ArrayBuffer, rows: number, V: number, logits: number, out: number, targets: number, g: number, gBatched: number, threads: number): void;
  /** Σ x² in float64 over any Float32Array. */
  sumSquares(x: Float32Array): number;
  /** y += alpha·x over any two Float32Arrays of one length. */
  axpy(alpha: number, x: Float32Array, y: Float32Array): void;
  /** One Adam step in place, bit for bit the JavaScript optimizer's (bc = 1 − β^t). */
  adam(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, f: number, lr: number,
    weightDecay: number, beta1: number, beta2: number, eps: number, bc1: number, bc2: number): void;
  abiVersion: number;
  /** Built with the bfloat16 GEMM (gemm-bf16.c: a CPU with AVX512-BF16). */
  bf16: boolean;
}

export type NativeStatus = { module: NativeModule; path: string } | { module: undefined; reason: string };

let cached: NativeStatus | undefined;

/** The native kernels, or why they are not available (not built, stale, failed to load). */
export function loadNative(): NativeStatus {
  cached ??= loadNativeFrom(new URL('../../../build/', import.meta.url), new URL('../../../src/kernels/native/kernels.c', import.meta.url));
  return cached;
}

/** The files kernels.c includes with `#include "…"` (its parts); the same as partsOf in scripts/build-native.mjs. */
export function partsOf(text: string): string[] {
  return [...text.matchAll(/^#include "([^"]+)"/gm)].map((m) => m[1]);
}

/** This CPU: architecture, model and (on Linux) feature flags; the same as cpuId in scripts/build-native.mjs. */
function cpuId(fs: typeof import('node:fs'), crypto: typeof import('node:crypto')): string {
  const os = nodeBuiltin<typeof import('node:os')>('node:os');
  let flags = '';
  try {
    flags = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^(flags|Features)\s*:(.*)$/m)?.[2].trim() ?? '';
  } catch {
    // not Linux: architecture and model only
  }
  return crypto.createHash('sha256').update(`${process.arch}|${os?.cpus()[0]?.model ?? ''}|${flags}`).digest('hex').slice(0, 16);
}

/** Load rnnc-kernels.node from `buildDir` if its stamp matches `source` (tests point it elsewhere). */
export function loadNativeFrom(buildDir: URL, source: URL): NativeStatus {
  const fs = nodeBuiltin<typeof import('node:fs')>('node:fs');
  const crypto = nodeBuiltin<typeof import('node:crypto')>('node:crypto');
  const url = nodeBuiltin<typeof import('node:url')>('node:url');
  const mod = nodeBuiltin<typeof import('node:module')>('node:module');
  if (!fs || !crypto || !url || !mod) return { module: undefined, reason: 'not running in Node.js' };
  const file = url.fileURLToPath(new URL('rnnc-kernels.node', buildDir));
  const stampFile = url.fileURLToPath(new URL('rnnc-kernels.json', buildDir));
  const sourceFile = url.fileURLToPath(source);
  if (!fs.existsSync(file)) return { module: undefined, reason: 'not built (npm run build:native)' };
  try {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8')) as { sha256?: string; parts?: Record<string, string>; cpu?: string | null };
    const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    if (stamp.sha256 !== sha256(sourceFile)) return { module: undefined, reason: 'built from an older kernels.c (npm run build:native)' };
    // The build script records every part; a stamp without parts (written by hand) vouches for kernels.c alone.
    for (const part of stamp.parts ? partsOf(fs.readFileSync(sourceFile, 'utf8')) : []) {
      const file = url.fileURLToPath(new URL(part, source));
      if (!fs.existsSync(file) || stamp.parts![part] !== sha256(file)) return { module: undefined, reason: `built from an older ${part} (npm run build:native)` };
    }
    // A build for this CPU's instruction set would die of SIGILL elsewhere (a copied node_modules).
    if (stamp.cpu && stamp.cpu !== cpuId(fs, crypto)) return { module: undefined, reason: 'built for another CPU (npm run build:native)' };
    const module = mod.createRequire(import.meta.url)(file) as NativeModule;
    if (module.abiVersion !== NATIVE_ABI_VERSION || typeof module.gemm !== 'function') {
      return { module: undefined, reason: `ABI ${module.abiVersion}, expected ${NATIVE_ABI_VERSION} (npm run build:native)` };
    }
    return { module, path: file };
  } catch (e) {
    return { module: undefined, reason: `failed to load: ${e instanceof Error ? e.message : String(e)}` };
  }
}
