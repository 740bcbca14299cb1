// Plain-JavaScript GEMM over a Float32Array or Float64Array: the float64 path, the
// fallback when WebAssembly SIMD is missing, and the oracle in tests. Same API as the
// WebAssembly kernels: buffers are allocated from one ArrayBuffer by a bump allocator and
// the kernels take byte offsets.

export type Dtype = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

export interface Allocation<V extends FloatArray> {
  /** Byte offset in the buffer; a multiple of 16. */
  ptr: number;
  view: V;
}

export interface Kernels<V extends FloatArray = FloatArray> {
  readonly dtype: Dtype;
  /** Which implementation runs gemm. */
  readonly backend: string;
  /** The backing store of every allocation (fixed size: it never grows, so views stay valid). */
  readonly buffer: ArrayBufferLike;
  /** Allocate `count` elements, 16-byte aligned, zero-filled on first use of the memory. */
  alloc(count: number): Allocation<V>;
  /** A view of `count` elements at byte offset `ptr`. */
  view(ptr: number, count: number): V;
  /** The allocator's current top; `release(mark())` frees everything allocated after it. */
  mark(): number;
  release(mark: number): void;
  /** Bytes still free. */
  available(): number;
  /** Stop helper threads, if any (the kernels must not be used afterwards). */
  dispose(): void;
  /**
   * C = alpha·op(A)·op(B) + beta·C, row-major: op(A) is M×K (A is M×K, or K×M when
   * transA), op(B) is K×N (B is K×N, or N×K when transB), C is M×N; lda, ldb, ldc are row
   * strides in elements; pointers are byte offsets. beta = 0 overwrites C (NaNs included).
   */
  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, aPtr: number, lda: number, bPtr: number, ldb: number,
    beta: number, cPtr: number, ldc: number,
  ): void;
}

/** A bump allocator over [start, end) of a buffer. */
export class BumpAllocator {
  private top: number;
  constructor(readonly start: number, readonly end: number) {
    if (start % 16 !== 0) throw new Error('BumpAllocator: start must be 16-byte aligned');
    this.top = start;
  }
  allocBytes(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new Error(`alloc: bad size ${bytes}`);
    const ptr = this.top;
    const next = ptr + Math.ceil(bytes / 16) * 16;
    if (next > this.end) {
      throw new Error(`alloc: out of memory (${bytes} bytes requested, ${this.end - this.top} free); pass a larger maxBytes`);
    }
    this.top = next;
    return ptr;
  }
  mark(): number {
    return this.top;
  }
  release(mark: number): void {
    if (mark < this.start || mark > this.top || mark % 16 !== 0) throw new Error(`release: bad mark ${mark}`);
    this.top = mark;
  }
  available(): number {
    return this.end - this.top;
  }
}

function checkArgs(M: number, N: number, K: number, lda: number, ldb: number, ldc: number,
  transA: boolean, transB: boolean): void {
  if (!(M >= 0 && N >= 0 && K >= 0)) throw new Error(`gemm: negative size ${M}×${N}×${K}`);
  if (ldc < Math.max(1, N)) throw new Error(`gemm: ldc ${ldc} < N ${N}`);
  if (lda < Math.max(1, transA ? M : K)) throw new Error(`gemm: lda ${lda} too small`);
  if (ldb < Math.max(1, transB ? K : N)) throw new Error(`gemm: ldb ${ldb} too small`);
}

export { checkArgs as checkGemmArgs };

/**
 * The reference loop nest on element arrays (offsets in elements). Products are summed in
 * JavaScript doubles; with a Float32Array the i-k-j path rounds C to float32 once per k.
 */
export function gemmJs(
  transA: boolean, transB: boolean, M: number, N: number, K: number,
  alpha: number, A: FloatArray, a0: number, lda: number, B: FloatArray, b0: number, ldb: number,
  beta: number, C: FloatArray, c0: number, ldc: number,
): void {
  // op(A)[i, p] = A[a0 + i·sai + p·sap]
  const sai = transA ? 1 : lda, sap = transA ? lda : 1;
  for (let i = 0; i < M; i++) {
    const ci = c0 + i * ldc;
    if (beta === 0) for (let j = 0; j < N; j++) C[ci + j] = 0;
    else if (beta !== 1) for (let j = 0; j < N; j++) C[ci + j] *= beta;
    if (alpha === 0 || K === 0) continue;
    const ai = a0 + i * sai;
    if (transB) {
      // op(B)[p, j] = B[b0 + j·ldb + p]: a dot product per element of C.
      for (let j = 0; j < N; j++) {
        const bj = b0 + j * ldb;
        let s = 0;
        for (let p = 0; p < K; p++) s += A[ai + p * sap] * B[bj + p];
        C[ci + j] += alpha * s;
      }
    } else {
      // op(B)[p, j] = B[b0 + p·ldb + j]: C row += a_ip · B row p.
      for (let p = 0; p < K; p++) {
        const s = alpha * A[ai + p * sap];
        if (s === 0) continue;
        const bp = b0 + p * ldb;
        for (let j = 0; j < N; j++) C[ci + j] += s * B[bp + j];
      }
    }
  }
}

export interface JsKernelOptions {
  dtype?: Dtype;
  /** Size of the buffer to allocate from (default 64 MiB); ignored with `buffer`. */
  maxBytes?: number;
  /** Use this buffer instead of allocating one (e.g. a WebAssembly.Memory's buffer). */
  buffer?: ArrayBufferLike;
  /** Allocations start at this byte offset of the buffer (default 0). */
  heapStart?: number;
}

export function createJsKernels(options: JsKernelOptions & { dtype: 'float64' }): Kernels<Float64Array>;
export function createJsKernels(options?: JsKernelOptions & { dtype?: 'float32' }): Kernels<Float32Array>;
export function createJsKernels(options: JsKernelOptions = {}): Kernels {
  const dtype = options.dtype ?? 'float32';
  const buffer = options.buffer ?? new ArrayBuffer(options.maxBytes ?? 64 * 1024 * 1024);
  const size = dtype === 'float64' ? 8 : 4;
  const view = (ptr: number, count: number): FloatArray =>
    dtype === 'float64' ? new Float64Array(buffer, ptr, count) : new Float32Array(buffer, ptr, count);
  const heap = new BumpAllocator(options.heapStart ?? 0, buffer.byteLength);
  const all = view(0, Math.floor(buffer.byteLength / size));
  return {
    dtype,
    backend: `js-${dtype}`,
    buffer,
    alloc(count: number) {
      const ptr = heap.allocBytes(count * size);
      return { ptr, view: view(ptr, count) };
    },
    view,
    mark: () => heap.mark(),
    release: (m: number) => heap.release(m),
    available: () => heap.available(),
    dispose: () => {},
    gemm(transA, transB, M, N, K, alpha, aPtr, lda, bPtr, ldb, beta, cPtr, ldc) {
      checkArgs(M, N, K, lda, ldb, ldc, transA, transB);
      if (aPtr % size || bPtr % size || cPtr % size) throw new Error('gemm: misaligned pointer');
      gemmJs(transA, transB, M, N, K, alpha, all, aPtr / size, lda, all, bPtr / size, ldb, beta, all, cPtr / size, ldc);
    },
  } as Kernels;
}
