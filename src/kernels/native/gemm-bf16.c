// Part of the native kernels (GEMM in bfloat16); kernels.c includes every part into one
// translation unit.
//
// `--matmul bf16`: C = alpha·op(A)·op(B) + beta·C with every element of A and B rounded to
// bfloat16 (round to nearest even, the CPU's own conversion) and the products summed in float32
// by vdpbf16ps, two k at a time. On AVX-512 cores with BF16 (AMD Zen 4, Intel Cooper Lake and
// Sapphire Rapids) that is twice the multiply-adds per instruction of the float32 micro-kernel.
// The same blocking and tile as gemm.c; only the packed layout differs: k comes in pairs, the
// even k in the low 16 bits of each 32-bit lane (odd K: the last pair's high half is zero).
// Built only where the compiler targets AVX512-BF16 (-march=native on such a CPU); elsewhere
// HAVE_BF16 is 0 and the bindings refuse bf16 calls.

#if defined(__AVX512BF16__) && defined(__AVX512F__)
#include <immintrin.h>
#define HAVE_BF16 1
_Static_assert(MR == 8 && NR == 32, "the bf16 micro-kernel is written for gemm.c's AVX-512 tile, 8 × 32");

// 16 lanes of pairs from the elements of k (lo) and k + 1 (hi).
static inline __m512i bf16_pairs(__m512 lo, __m512 hi) {
  const __m512i l = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(lo));
  const __m512i h = _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(hi));
  return _mm512_or_si512(l, _mm512_slli_epi32(h, 16));
}

// The first n of 16 lanes (none for n ≤ 0).
static inline __mmask16 lanes(int n) { return n >= 16 ? (__mmask16)0xffff : n <= 0 ? 0 : (__mmask16)((1u << n) - 1u); }

// x[0:kc] (contiguous in k) → its ceil(kc/2) pairs, the q-th at dst[q·stride].
static void pairs_strided(const float *x, int kc, uint32_t *dst, int stride) {
  uint32_t t[16] __attribute__((aligned(64)));
  for (int p = 0; p < kc; p += 32) {
    const __m512 a = _mm512_maskz_loadu_ps(lanes(kc - p), x + p);
    const __m512 b = _mm512_maskz_loadu_ps(lanes(kc - p - 16), x + p + 16);
    _mm512_store_si512((void *)t, (__m512i)_mm512_cvtne2ps_pbh(b, a)); // 32 bf16 in k order = 16 pairs
    const int left = (kc - p + 1) / 2, nq = left < 16 ? left : 16;
    for (int q = 0; q < nq; q++) dst[(size_t)(p / 2 + q) * stride] = t[q];
  }
}

// op(A)[i0:i0+mc, p0:p0+kc] → panels of MR rows, each [ceil(kc/2)][MR] pairs; rows past mc are zero.
static void pack_a_bf16(int ta, const float *A, int lda, int i0, int p0, int mc, int kc, uint32_t *Ap) {
  const int k2 = (kc + 1) / 2;
  for (int ir = 0; ir < mc; ir += MR) {
    const int mr = mc - ir < MR ? mc - ir : MR;
    uint32_t *dst = Ap + (size_t)ir * k2;
    if (!ta) {
      for (int r = 0; r < mr; r++) pairs_strided(A + (size_t)(i0 + ir + r) * lda + p0, kc, dst + r, MR);
      for (int r = mr; r < MR; r++)
        for (int q = 0; q < k2; q++) dst[(size_t)q * MR + r] = 0;
    } else {
      const __mmask16 m = lanes(mr);
      for (int q = 0; q < k2; q++) {
        const float *row = A + (size_t)(p0 + 2 * q) * lda + i0 + ir;
        const __m512 lo = _mm512_maskz_loadu_ps(m, row);
        const __m512 hi = 2 * q + 1 < kc ? _mm512_maskz_loadu_ps(m, row + lda) : _mm512_setzero_ps();
        _mm512_mask_storeu_epi32(dst + (size_t)q * MR, lanes(MR), bf16_pairs(lo, hi));
      }
    }
  }
}

// op(B)[p0:p0+kc, j0:j0+nr] → one panel [ceil(kc/2)][NR] pairs; columns past nr are zero.
static void pack_b_bf16(int tb, const float *B, int ldb, int p0, int j0, int kc, int nr, uint32_t *Bp) {
  const int k2 = (kc + 1) / 2;
  if (!tb) {
    for (int q = 0; q < k2; q++) {
      const float *row = B + (size_t)(p0 + 2 * q) * ldb + j0;
      for (int v = 0; v < NR / 16; v++) {
        const __mmask16 m = lanes(nr - v * 16);
        const __m512 lo = _mm512_maskz_loadu_ps(m, row + v * 16);
        const __m512 hi = 2 * q + 1 < kc ? _mm512_maskz_loadu_ps(m, row + ldb + v * 16) : _mm512_setzero_ps();
        _mm512_storeu_si512((void *)(Bp + (size_t)q * NR + v * 16), bf16_pairs(lo, hi));
      }
    }
  } else {
    for (int c = 0; c < nr; c++) pairs_strided(B + (size_t)(j0 + c) * ldb + p0, kc, Bp + c, NR);
    for (int c = nr; c < NR; c++)
      for (int q = 0; q < k2; q++) Bp[(size_t)q * NR + c] = 0;
  }
}

// C[0:m, 0:n] = alpha·(Ap·Bp) + beta·C over k2 pairs (beta = 0 never reads C).
static void kernel_bf16(int k2, const uint32_t *restrict Ap, const uint32_t *restrict Bp, float *C, int ldc,
                        float alpha, float beta, int m, int n) {
  __m512 acc[MR][2];
  for (int r = 0; r < MR; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int q = 0; q < k2; q++) {
    const __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)Bp);
    const __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(Bp + 16));
    for (int r = 0; r < MR; r++) {
      const __m512bh a = (__m512bh)_mm512_set1_epi32((int)Ap[r]);
      acc[r][0] = _mm512_dpbf16_ps(acc[r][0], a, b0);
      acc[r][1] = _mm512_dpbf16_ps(acc[r][1], a, b1);
    }
    Ap += MR;
    Bp += NR;
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (int r = 0; r < m; r++) {
    float *c = C + (size_t)r * ldc;
    for (int v = 0; v < 2; v++) {
      const __mmask16 k = lanes(n - v * 16);
      __m512 x = _mm512_mul_ps(acc[r][v], va);
      if (beta != 0.0f) x = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(k, c + v * 16), x);
      _mm512_mask_storeu_ps(c + v * 16, k, x);
    }
  }
}
#else
#define HAVE_BF16 0
#endif
