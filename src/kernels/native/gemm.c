// Part of the native kernels (GEMM); kernels.c includes every part into one translation
// unit, so the compiler inlines across them as when they were one file.
//
// C = alpha·op(A)·op(B) + beta·C, row-major, on byte offsets into one ArrayBuffer (the
// kernels' memory), the same contract as the WebAssembly module (src/kernels/wasm/).
//
// Structure (GotoBLAS/BLIS, as the WebAssembly module):
//   for jc in N by NC, pc in K by KC, ic in M by MC:
//     pack A block (mc×kc) into panels of MR rows
//     for each NR-column panel of B: pack it on first use (kept for the next ic blocks),
//       then run the MR×NR micro-kernel over every A panel of the block.
// The micro-kernel keeps its tile in GCC vector-extension registers (vtf, common.h: 16 floats,
// one AVX-512 register, where the build has AVX-512F; else 8, one AVX register, split by the
// compiler on narrower machines) and relies on -ffp-contract=fast to turn acc += b * a into
// fused multiply-adds. The tile is 8×32 with AVX-512F (16 accumulators + 2 B vectors + a
// broadcast), 8×24 with AVX-512VL alone (24 + 3 + 1 of 32 registers; 8 rows also divide the
// batch sizes people use), else 6×16 (12 + 2 + 1 of 16 registers).
//
// Two threads: a call may hand half of C (columns, or rows) to the helper (threads.c).

// ---------------------------------------------------------------------------------------------
// Packing: every transpose variant feeds the same micro-kernel; edges are zero-padded.

// op(A)[i0:i0+mc, p0:p0+kc] → panels of MR rows, each kc×MR (k-major).
static void pack_a(int ta, const float *A, int lda, int i0, int p0, int mc, int kc, float *Ap) {
  for (int ir = 0; ir < mc; ir += MR) {
    int mr = mc - ir < MR ? mc - ir : MR;
    float *dst = Ap + (size_t)ir * kc;
    if (!ta) {
      for (int r = 0; r < mr; r++) {
        const float *src = A + (size_t)(i0 + ir + r) * lda + p0;
        for (int p = 0; p < kc; p++) dst[p * MR + r] = src[p];
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float *src = A + (size_t)(p0 + p) * lda + i0 + ir;
        for (int r = 0; r < mr; r++) dst[p * MR + r] = src[r];
      }
    }
    if (mr < MR) {
      for (int p = 0; p < kc; p++)
        for (int r = mr; r < MR; r++) dst[p * MR + r] = 0.0f;
    }
  }
}

// op(B)[p0:p0+kc, j0:j0+nr] → one panel kc×NR (k-major).
static void pack_b(int tb, const float *B, int ldb, int p0, int j0, int kc, int nr, float *Bp) {
  if (!tb) {
    for (int p = 0; p < kc; p++) {
      const float *src = B + (size_t)(p0 + p) * ldb + j0;
      float *dst = Bp + (size_t)p * NR;
      int c = 0;
      for (; c < nr; c++) dst[c] = src[c];
      for (; c < NR; c++) dst[c] = 0.0f;
    }
  } else {
    for (int c = 0; c < nr; c++) {
      const float *src = B + (size_t)(j0 + c) * ldb + p0;
      for (int p = 0; p < kc; p++) Bp[(size_t)p * NR + c] = src[p];
    }
    if (nr < NR) {
      for (int p = 0; p < kc; p++)
        for (int c = nr; c < NR; c++) Bp[(size_t)p * NR + c] = 0.0f;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Micro-kernel: C[0:m, 0:n] = alpha·(Ap·Bp) + beta·C (beta = 0 never reads C).

static void kernel(int kc, const float *restrict Ap, const float *restrict Bp, float *C, int ldc,
                   float alpha, float beta, int m, int n) {
  vtf acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = (vtf){0};
  for (int p = 0; p < kc; p++) {
    vtf b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = *(const vtf *)(Bp + v * VL);
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const float a = Ap[r];
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) acc[r][v] += b[v] * a;
    }
    Ap += MR;
    Bp += NR;
  }
  for (int r = 0; r < m; r++) {
    float *c = C + (size_t)r * ldc;
    if (n == NR) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) {
        vtf x = acc[r][v] * alpha;
        if (beta != 0.0f) x += beta * *(vtfu *)(c + v * VL);
        *(vtfu *)(c + v * VL) = x;
      }
    } else {
      float t[NR] __attribute__((aligned(64)));
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) *(vtf *)(t + v * VL) = acc[r][v] * alpha;
      if (beta != 0.0f) {
        for (int j = 0; j < n; j++) c[j] = t[j] + beta * c[j];
      } else {
        for (int j = 0; j < n; j++) c[j] = t[j];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One thread's share of a product.

typedef struct {
  int ta, tb, m, n, k;
  float alpha, beta;
  const float *a, *b;
  float *c;
  int lda, ldb, ldc;
  // Pre-packed B (pack_b_all's layout, npad columns) and this job's first column in it; NULL: pack b.
  const float *packed;
  int npad, j0;
  // 1: inputs rounded to bfloat16 (gemm-bf16.c); a pre-packed B must have been packed so too.
  int bf16;
} job_t;

static int64_t padded_columns(int64_t n) { return (n + NR - 1) / NR * NR; }

// All of op(B) (K×N) packed once, for products that reuse it (a recurrent weight, every step
// of a window): for each KC block of rows, every NR-column panel in turn, as run_job packs
// them, so block pc, panel jr sits at pc·npad + jr·kc.
static void pack_b_all(int tb, const float *B, int ldb, int K, int N, float *dst, int bf16) {
  const int64_t npad = padded_columns(N);
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = K - pc < KC ? K - pc : KC;
    for (int jr = 0; jr < N; jr += NR) {
      const int nr = N - jr < NR ? N - jr : NR;
      float *panel = dst + (size_t)pc * npad + (size_t)jr * kc; // bf16: the same places, half filled
#if HAVE_BF16
      if (bf16) {
        pack_b_bf16(tb, B, ldb, pc, jr, kc, nr, (uint32_t *)panel);
        continue;
      }
#endif
      (void)bf16;
      pack_b(tb, B, ldb, pc, jr, kc, nr, panel);
    }
  }
}

static _Thread_local float *pack_bufs; // [MC·KC | KC·NC], per thread: callers may be several

static float *buffers(void) {
  if (!pack_bufs) pack_bufs = aligned_alloc(64, ((size_t)MC * KC + (size_t)KC * NC) * sizeof(float));
  return pack_bufs;
}

static void scale_c(const job_t *j) {
  for (int i = 0; i < j->m; i++) {
    float *row = j->c + (size_t)i * j->ldc;
    if (j->beta == 0.0f) memset(row, 0, (size_t)j->n * sizeof(float));
    else if (j->beta != 1.0f) for (int x = 0; x < j->n; x++) row[x] *= j->beta;
  }
}

// C[i, j] = alpha·Σ_k A[i, k]·B[j, k] + beta·C for a few rows (op(A)·Bᵀ, A not transposed):
// dot products straight from memory; packing B would cost more than the product.
static void gemv_t(const job_t *j) {
  const int K = j->k, k8 = K & ~7;
  for (int i = 0; i < j->m; i++) {
    const float *a = j->a + (size_t)i * j->lda;
    float *c = j->c + (size_t)i * j->ldc;
    int x = 0;
    for (; x + 4 <= j->n; x += 4) {
      const float *b0 = j->b + (size_t)x * j->ldb, *b1 = b0 + j->ldb, *b2 = b1 + j->ldb, *b3 = b2 + j->ldb;
      v8f s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
      for (int p = 0; p < k8; p += 8) {
        const v8f av = *(const v8fu *)(a + p);
        s0 += av * *(const v8fu *)(b0 + p);
        s1 += av * *(const v8fu *)(b1 + p);
        s2 += av * *(const v8fu *)(b2 + p);
        s3 += av * *(const v8fu *)(b3 + p);
      }
      float r[4] = {0, 0, 0, 0};
      for (int l = 0; l < 8; l++) { r[0] += s0[l]; r[1] += s1[l]; r[2] += s2[l]; r[3] += s3[l]; }
      for (int p = k8; p < K; p++) { r[0] += a[p] * b0[p]; r[1] += a[p] * b1[p]; r[2] += a[p] * b2[p]; r[3] += a[p] * b3[p]; }
      for (int l = 0; l < 4; l++) c[x + l] = j->alpha * r[l] + (j->beta != 0.0f ? j->beta * c[x + l] : 0.0f);
    }
    for (; x < j->n; x++) {
      const float *b0 = j->b + (size_t)x * j->ldb;
      v8f s0 = {0};
      for (int p = 0; p < k8; p += 8) s0 += *(const v8fu *)(a + p) * *(const v8fu *)(b0 + p);
      float r = 0;
      for (int l = 0; l < 8; l++) r += s0[l];
      for (int p = k8; p < K; p++) r += a[p] * b0[p];
      c[x] = j->alpha * r + (j->beta != 0.0f ? j->beta * c[x] : 0.0f);
    }
  }
}

#if HAVE_BF16
// run_job's inner loops in bfloat16: one (ic, pc) block of A against the nc columns from jc.
static void run_block_bf16(const job_t *j, float *Ap, float *Bp, int ic, int mc, int jc, int nc, int pc, int kc, float beta) {
  const int k2 = (kc + 1) / 2;
  uint32_t *ap = (uint32_t *)Ap;
  pack_a_bf16(j->ta, j->a, j->lda, ic, pc, mc, kc, ap);
  for (int jr = 0; jr < nc; jr += NR) {
    const int nr = nc - jr < NR ? nc - jr : NR;
    const uint32_t *bp;
    if (j->packed) {
      bp = (const uint32_t *)(j->packed + (size_t)pc * j->npad + (size_t)(j->j0 + jc + jr) * kc);
    } else {
      uint32_t *panel = (uint32_t *)(Bp + (size_t)(jr / NR) * kc * NR);
      if (ic == 0) pack_b_bf16(j->tb, j->b, j->ldb, pc, jc + jr, kc, nr, panel);
      bp = panel;
    }
    for (int ir = 0; ir < mc; ir += MR) {
      const int mr = mc - ir < MR ? mc - ir : MR;
      kernel_bf16(k2, ap + (size_t)ir * k2, bp, j->c + (size_t)(ic + ir) * j->ldc + jc + jr, j->ldc, j->alpha, beta, mr, nr);
    }
  }
}
#endif

static void run_job(const job_t *j) {
  if (j->m == 0 || j->n == 0) return;
  if (j->k == 0 || j->alpha == 0.0f) {
    scale_c(j);
    return;
  }
  float *bufs = buffers();
  if (!bufs) abort(); // out of memory for 2.4 MB of scratch: nothing sensible left to do
  float *Ap = bufs, *Bp = bufs + (size_t)MC * KC;
  // A pre-packed B is all there already: one column block, panels read in place.
  const int nc_max = j->packed ? j->n : NC;
  for (int jc = 0; jc < j->n; jc += nc_max) {
    const int nc = j->n - jc < nc_max ? j->n - jc : nc_max;
    for (int pc = 0; pc < j->k; pc += KC) {
      const int kc = j->k - pc < KC ? j->k - pc : KC;
      const float beta = pc == 0 ? j->beta : 1.0f;
      for (int ic = 0; ic < j->m; ic += MC) {
        const int mc = j->m - ic < MC ? j->m - ic : MC;
#if HAVE_BF16
        if (j->bf16) {
          run_block_bf16(j, Ap, Bp, ic, mc, jc, nc, pc, kc, beta);
          continue;
        }
#endif
        pack_a(j->ta, j->a, j->lda, ic, pc, mc, kc, Ap);
        for (int jr = 0; jr < nc; jr += NR) {
          const int nr = nc - jr < NR ? nc - jr : NR;
          const float *bp;
          if (j->packed) {
            bp = j->packed + (size_t)pc * j->npad + (size_t)(j->j0 + jc + jr) * kc;
          } else {
            float *panel = Bp + (size_t)(jr / NR) * kc * NR;
            if (ic == 0) pack_b(j->tb, j->b, j->ldb, pc, jc + jr, kc, nr, panel);
            bp = panel;
          }
          for (int ir = 0; ir < mc; ir += MR) {
            const int mr = mc - ir < MR ? mc - ir : MR;
            kernel(kc, Ap + (size_t)ir * kc, bp, j->c + (size_t)(ic + ir) * j->ldc + jc + jr, j->ldc,
                   j->alpha, beta, mr, nr);
          }
        }
      }
    }
  }
}

static void run_job_of(void *j) { run_job(j); }

static void gemm(const job_t *j, int threads) {
  if (j->m == 0 || j->n == 0) return;
  if (!j->packed && !j->bf16 && !j->ta && j->tb && j->m <= 4 && j->k > 0 && j->alpha != 0.0f) {
    gemv_t(j);
    return;
  }
  // Split C in two: by columns when that makes more register tiles, else by rows.
  job_t mine = *j, other = *j;
  int split = 0;
  if (j->n / NR >= j->m / MR) {
    int n0 = ((j->n + 2 * NR - 1) / (2 * NR)) * NR;
    if (n0 < j->n) {
      mine.n = n0;
      other.n = j->n - n0;
      if (j->b) other.b = j->tb ? j->b + (size_t)n0 * j->ldb : j->b + n0;
      other.c = j->c + n0;
      other.j0 = j->j0 + n0;
      split = 1;
    }
  } else {
    int m0 = ((j->m + 2 * MR - 1) / (2 * MR)) * MR;
    if (m0 < j->m) {
      mine.m = m0;
      other.m = j->m - m0;
      other.a = j->ta ? j->a + m0 : j->a + (size_t)m0 * j->lda;
      other.c = j->c + (size_t)m0 * j->ldc;
      split = 1;
    }
  }
  if (!helper_take(threads >= 2 && split)) {
    run_job(j);
    return;
  }
  const int s = helper_start(run_job_of, &other);
  run_job(&mine);
  helper_finish(s);
}
