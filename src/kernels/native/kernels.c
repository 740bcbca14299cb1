// Native float32 GEMM for rnnc: the optional fast path of src/kernels (built at install by
// scripts/build-native.mjs with the machine's C compiler and -march=native; the runtime falls
// back to the WebAssembly kernels wherever this does not build or load).
//
// C = alpha·op(A)·op(B) + beta·C, row-major, on byte offsets into one ArrayBuffer (the
// kernels' memory), the same contract as the WebAssembly module (src/kernels/wasm/).
//
// Structure (GotoBLAS/BLIS, as the WebAssembly module):
//   for jc in N by NC, pc in K by KC, ic in M by MC:
//     pack A block (mc×kc) into panels of MR rows
//     for each NR-column panel of B: pack it on first use (kept for the next ic blocks),
//       then run the MR×NR micro-kernel over every A panel of the block.
// The micro-kernel keeps its tile in GCC vector-extension registers (8 floats: one AVX
// register with -march=native; the compiler splits it on narrower machines) and relies on
// -ffp-contract=fast to turn acc += b * a into fused multiply-adds. The tile is 8×24 where
// AVX-512VL gives 32 vector registers (24 accumulators + 3 B vectors + a broadcast; 8 rows
// also divide the batch sizes people use), else 6×16 (12 + 2 + 1 of 16 registers).
//
// Two threads: a call may hand half of C (columns, or rows) to one helper pthread that
// spins briefly between jobs, then sleeps on a condition variable.

#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>

#define ABI_VERSION 7

typedef float v8f __attribute__((vector_size(32), aligned(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4))); // unaligned access to C

#if defined(__AVX512VL__)
enum { MR = 8, NR = 24, MC = 144, KC = 256, NC = 2040 };
#else
enum { MR = 6, NR = 16, MC = 144, KC = 256, NC = 2048 };
#endif
enum { NV = NR / 8 }; // vectors per tile row

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
  v8f acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[r][v] = (v8f){0};
  for (int p = 0; p < kc; p++) {
    v8f b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) b[v] = *(const v8f *)(Bp + v * 8);
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
        v8f x = acc[r][v] * alpha;
        if (beta != 0.0f) x += beta * *(v8fu *)(c + v * 8);
        *(v8fu *)(c + v * 8) = x;
      }
    } else {
      float t[NR] __attribute__((aligned(32)));
#pragma GCC unroll 4
      for (int v = 0; v < NV; v++) *(v8f *)(t + v * 8) = acc[r][v] * alpha;
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
} job_t;

static int64_t padded_columns(int64_t n) { return (n + NR - 1) / NR * NR; }

// All of op(B) (K×N) packed once, for products that reuse it (a recurrent weight, every step
// of a window): for each KC block of rows, every NR-column panel in turn, as run_job packs
// them, so block pc, panel jr sits at pc·npad + jr·kc.
static void pack_b_all(int tb, const float *B, int ldb, int K, int N, float *dst) {
  const int64_t npad = padded_columns(N);
  for (int pc = 0; pc < K; pc += KC) {
    const int kc = K - pc < KC ? K - pc : KC;
    for (int jr = 0; jr < N; jr += NR) {
      const int nr = N - jr < NR ? N - jr : NR;
      pack_b(tb, B, ldb, pc, jr, kc, nr, dst + (size_t)pc * npad + (size_t)jr * kc);
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

// ---------------------------------------------------------------------------------------------
// The helper thread.

static pthread_mutex_t helper_lock = PTHREAD_MUTEX_INITIALIZER; // one two-thread call at a time
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_int job_seq, job_done;
static job_t helper_job;
static int helper_state; // 0 not started, 1 running, -1 failed to start

// Softmax cross-entropy (or its gradient) over rows [r0, r1) of logits; large calls give the
// helper half of the rows.
typedef struct {
  int grad, V, r0, r1, g_batched;
  const float *logits, *g;
  const int32_t *targets; // checked in [0, V) before any job runs
  float *out;             // grad: the gradient rows; else the per-row losses
  double total;           // not grad: Σ loss over the rows
} xent_job_t;
static int helper_does_xent; // the helper's next job: helper_xent (1) or helper_job (0)
static xent_job_t helper_xent;
static void run_xent(xent_job_t *j);

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

// Spin this long for the next job before sleeping: the gaps between products in a training
// step (element-wise work in JavaScript) are tens to hundreds of microseconds.
#define HELPER_SPIN_US 300.0

static void *helper_main(void *arg) {
  (void)arg;
  int seen = 0;
  for (;;) {
    int s = atomic_load_explicit(&job_seq, memory_order_acquire);
    if (s == seen) {
      double t0 = now_us();
      for (int i = 0; s == seen; i++) {
        cpu_relax();
        s = atomic_load_explicit(&job_seq, memory_order_acquire);
        if ((i & 255) == 255 && now_us() - t0 > HELPER_SPIN_US) break;
      }
    }
    if (s == seen) {
      pthread_mutex_lock(&wake_lock);
      while ((s = atomic_load_explicit(&job_seq, memory_order_acquire)) == seen) pthread_cond_wait(&wake, &wake_lock);
      pthread_mutex_unlock(&wake_lock);
    }
    seen = s;
    if (helper_does_xent) run_xent(&helper_xent);
    else run_job(&helper_job);
    atomic_store_explicit(&job_done, seen, memory_order_release);
  }
  return NULL;
}

static int helper_up(void) {
  if (helper_state == 0) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    helper_state = pthread_create(&t, &attr, helper_main, NULL) == 0 ? 1 : -1;
    pthread_attr_destroy(&attr);
  }
  return helper_state == 1;
}

// Takes the helper for one call when `wanted` and it is free and running: then the caller
// holds helper_lock until its helper_wait has returned.
static int helper_take(int wanted) {
  if (!wanted || pthread_mutex_trylock(&helper_lock) != 0) return 0;
  if (helper_up()) return 1;
  pthread_mutex_unlock(&helper_lock);
  return 0;
}

// Wakes the helper for the job written to helper_job / helper_xent (the caller holds
// helper_lock); returns the ticket helper_wait waits for.
static int helper_start(void) {
  pthread_mutex_lock(&wake_lock);
  const int s = (atomic_load_explicit(&job_seq, memory_order_relaxed) + 1) & 0x3fffffff;
  atomic_store_explicit(&job_seq, s, memory_order_release);
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&wake_lock);
  return s;
}

static void helper_wait(int s) {
  while (atomic_load_explicit(&job_done, memory_order_acquire) != s) cpu_relax();
}

static void gemm(const job_t *j, int threads) {
  if (j->m == 0 || j->n == 0) return;
  if (!j->packed && !j->ta && j->tb && j->m <= 4 && j->k > 0 && j->alpha != 0.0f) {
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
  helper_job = other;
  helper_does_xent = 0;
  const int s = helper_start();
  run_job(&mine);
  helper_wait(s);
  pthread_mutex_unlock(&helper_lock);
}

// ---------------------------------------------------------------------------------------------
// Softmax cross-entropy over rows of logits (the output layer of a language model: V up to
// tens of thousands, where e^x is most of the time). e^x as in src/codegen/fast-math.ts:
// Cody–Waite reduction, degree-6 Taylor polynomial, 2^n in the exponent bits; relative error
// below 2e-7. Inputs are x − max ≤ 0, clamped below at −87 (e^−87 ≈ 1.6e−38 next to a sum ≥ 1).

typedef int32_t v8i __attribute__((vector_size(32), aligned(32)));

// (Defined with the bindings below.)
static napi_value throw_error(napi_env env, const char *msg);
static char *int_args(napi_env env, napi_callback_info info, size_t count, int32_t *v, size_t *len);
static int inside(int64_t p, int64_t rows, int64_t cols, int64_t ld, size_t len);

static inline v8f exp8(v8f x) {
  const v8f lo = (v8f){0} - 87.0f;
  const v8i below = x < lo;
  x = (v8f)(((v8i)x & ~below) | ((v8i)lo & below));
  const v8f t = x * 1.4426950408889634f + 0.5f;
  v8i n = __builtin_convertvector(t, v8i); // truncates toward 0: floor for t ≥ 0
  n += (v8i)(t < __builtin_convertvector(n, v8f)); // −1 where truncation rounded up (t < 0)
  const v8f nf = __builtin_convertvector(n, v8f);
  const v8f r = x - nf * 0.693145751953125f - nf * 1.4286068203094173e-6f;
  v8f p = r * (1.0f / 720) + (1.0f / 120);
  p = p * r + (1.0f / 24);
  p = p * r + (1.0f / 6);
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  return p * (v8f)((n + 127) << 23);
}

static inline float row_max(const float *x, int V) {
  float m = -INFINITY;
  for (int j = 0; j < V; j++) m = x[j] > m ? x[j] : m;
  return m;
}

// Σ_j e^(x_j − max) over a row, writing the terms to `terms` when it is not NULL.
static inline double row_exp_sum(const float *x, int V, float max, float *terms) {
  v8f acc = {0};
  int j = 0;
  for (; j + 8 <= V; j += 8) {
    const v8f e = exp8(*(const v8fu *)(x + j) - max);
    if (terms) *(v8fu *)(terms + j) = e;
    acc += e;
  }
  double sum = 0;
  for (int l = 0; l < 8; l++) sum += acc[l];
  if (j < V) {
    v8f tail = (v8f){0} - 100.0f;
    for (int l = 0; j + l < V; l++) tail[l] = x[j + l] - max;
    const v8f e = exp8(tail);
    for (int l = 0; j + l < V; l++) {
      if (terms) terms[j + l] = e[l];
      sum += e[l];
    }
  }
  return sum;
}

static void run_xent(xent_job_t *j) {
  double total = 0;
  for (int r = j->r0; r < j->r1; r++) {
    const float *x = j->logits + (size_t)r * j->V;
    const int t = j->targets[r];
    const float max = row_max(x, j->V);
    if (j->grad) {
      float *o = j->out + (size_t)r * j->V;
      const float gr = j->g_batched ? j->g[r] : j->g[0];
      const float scale = (float)(gr / row_exp_sum(x, j->V, max, o));
      for (int c = 0; c < j->V; c++) o[c] *= scale;
      o[t] -= gr;
    } else {
      const double l = max + log(row_exp_sum(x, j->V, max, NULL)) - x[t];
      j->out[r] = (float)l;
      total += l;
    }
  }
  j->total = total;
}

// Below this many logits a call stays on one thread: the hand-off costs microseconds.
#define XENT_MIN_PARALLEL 65536

// Runs j, on two threads when it is large (rows are independent; the loss sum is the sum of
// the two halves' sums).
static void xent_rows(xent_job_t *j, int threads) {
  const int rows = j->r1 - j->r0;
  if (!helper_take(threads >= 2 && rows >= 2 && (int64_t)rows * j->V >= XENT_MIN_PARALLEL)) {
    run_xent(j);
    return;
  }
  xent_job_t mine = *j;
  mine.r1 = j->r0 + rows / 2;
  helper_xent = *j;
  helper_xent.r0 = mine.r1;
  helper_does_xent = 1;
  const int s = helper_start();
  run_xent(&mine);
  helper_wait(s);
  j->total = mine.total + helper_xent.total;
  helper_does_xent = 0;
  pthread_mutex_unlock(&helper_lock);
}

// The arguments of xent and xentGrad, checked, as a job over all rows (its threads in *threads):
//   xent(buffer, rows, V, logits, targets, loss, threads): loss[r] = logsumexp(logits[r]) −
//     logits[r, t_r]; returns Σ loss
//   xentGrad(buffer, rows, V, logits, out, targets, g, gBatched, threads):
//     out[r] = g_r · (softmax(logits[r]) − onehot(t_r)), g_r = g[r] if gBatched else g[0]
// Offsets in bytes; targets int32. NULL (an exception pending) on a bad call.
static xent_job_t *xent_args(napi_env env, napi_callback_info info, int grad, xent_job_t *j, int *threads) {
  int32_t v[8];
  size_t len;
  char *base = int_args(env, info, grad ? 8 : 6, v, &len);
  if (!base) return NULL;
  const int rows = v[0], V = v[1], logits = v[2], out = grad ? v[3] : v[4], targets = grad ? v[4] : v[3];
  const int g = grad ? v[5] : 0, g_batched = grad ? v[6] : 0;
  const int ok = rows >= 0 && V >= 1 && inside(logits, rows, V, V, len) && inside(targets, 1, rows, rows, len) &&
                 (grad ? inside(out, rows, V, V, len) && inside(g, 1, g_batched ? rows : 1, rows, len) : inside(out, 1, rows, rows, len));
  if (!ok) {
    throw_error(env, grad ? "xentGrad: a matrix lies outside the buffer" : "xent: a matrix lies outside the buffer");
    return NULL;
  }
  const int32_t *t = (const int32_t *)(base + targets);
  for (int r = 0; r < rows; r++) {
    if (t[r] < 0 || t[r] >= V) {
      throw_error(env, grad ? "xentGrad: a target lies outside the vocabulary" : "xent: a target lies outside the vocabulary");
      return NULL;
    }
  }
  *j = (xent_job_t){.grad = grad, .V = V, .r0 = 0, .r1 = rows, .g_batched = g_batched, .logits = (const float *)(base + logits),
                    .g = (const float *)(base + g), .targets = t, .out = (float *)(base + out)};
  *threads = grad ? v[7] : v[5];
  return j;
}

static napi_value js_xent(napi_env env, napi_callback_info info) {
  xent_job_t j;
  int threads;
  if (!xent_args(env, info, 0, &j, &threads)) return NULL;
  xent_rows(&j, threads);
  napi_value out;
  napi_create_double(env, j.total, &out);
  return out;
}

static napi_value js_xent_grad(napi_env env, napi_callback_info info) {
  xent_job_t j;
  int threads;
  if (xent_args(env, info, 1, &j, &threads)) xent_rows(&j, threads);
  return NULL;
}

// ---------------------------------------------------------------------------------------------
// Node-API bindings.

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

// gemm(buffer, ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, threads): offsets in bytes.
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  size_t argc = 15;
  napi_value argv[15];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 15) {
    return throw_error(env, "gemm: expected 15 arguments");
  }
  void *data;
  size_t len;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) {
    return throw_error(env, "gemm: the first argument must be an ArrayBuffer");
  }
  int32_t v[15];
  double alpha, beta;
  for (int i = 1; i < 15; i++) {
    if (i == 6 || i == 11) continue;
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) return throw_error(env, "gemm: integer argument expected");
  }
  if (napi_get_value_double(env, argv[6], &alpha) != napi_ok || napi_get_value_double(env, argv[11], &beta) != napi_ok) {
    return throw_error(env, "gemm: alpha and beta must be numbers");
  }
  const int ta = v[1], tb = v[2], M = v[3], N = v[4], K = v[5], lda = v[8], ldb = v[10], ldc = v[13];
  const int64_t a = v[7], b = v[9], c = v[12];
  if (M < 0 || N < 0 || K < 0 || ((a | b | c) & 3) || a < 0 || b < 0 || c < 0) return throw_error(env, "gemm: bad sizes or offsets");
  // Never touch memory outside the buffer, whatever the caller passed.
  const int kk = alpha == 0.0 ? 0 : K;
  const int64_t ar = ta ? kk : M, acn = ta ? M : kk, br = tb ? N : kk, bcn = tb ? kk : N;
  const int64_t aend = ar && acn ? a + ((ar - 1) * (int64_t)lda + acn) * 4 : 0;
  const int64_t bend = br && bcn ? b + ((br - 1) * (int64_t)ldb + bcn) * 4 : 0;
  const int64_t cend = M && N ? c + ((int64_t)(M - 1) * ldc + N) * 4 : 0;
  if (lda < 0 || ldb < 0 || ldc < 0) return throw_error(env, "gemm: negative leading dimension");
  // Rows shorter than their stride would overlap (and C's rows are split between threads).
  if ((ar > 1 && lda < acn) || (br > 1 && ldb < bcn) || (M > 1 && ldc < N)) return throw_error(env, "gemm: leading dimension smaller than a row");
  if (aend > (int64_t)len || bend > (int64_t)len || cend > (int64_t)len) return throw_error(env, "gemm: a matrix lies outside the buffer");
  char *base = data;
  job_t j = {
    .ta = ta != 0, .tb = tb != 0, .m = M, .n = N, .k = K, .alpha = (float)alpha, .beta = (float)beta,
    .a = (const float *)(base + a), .b = (const float *)(base + b), .c = (float *)(base + c),
    .lda = lda, .ldb = ldb, .ldc = ldc,
  };
  gemm(&j, v[14]);
  return NULL;
}

// Reads `count` int32 arguments after the buffer; throws and returns NULL on a bad call.
static char *int_args(napi_env env, napi_callback_info info, size_t count, int32_t *v, size_t *len) {
  size_t argc = 10;
  napi_value argv[10];
  if (count + 1 > 10) {
    throw_error(env, "too many arguments for int_args");
    return NULL;
  }
  void *data;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != count + 1) {
    throw_error(env, "wrong number of arguments");
    return NULL;
  }
  if (napi_get_arraybuffer_info(env, argv[0], &data, len) != napi_ok) {
    throw_error(env, "the first argument must be an ArrayBuffer");
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    if (napi_get_value_int32(env, argv[i + 1], &v[i]) != napi_ok) {
      throw_error(env, "integer argument expected");
      return NULL;
    }
  }
  return data;
}

// Whether rows × cols floats with row stride ld at byte offset p lie inside the buffer (and
// rows do not overlap: ld ≥ cols). 64-bit throughout: sizes are at most 2^31, products < 2^62.
static int inside(int64_t p, int64_t rows, int64_t cols, int64_t ld, size_t len) {
  if (rows < 0 || cols < 0) return 0;
  if (rows == 0 || cols == 0) return 1;
  return p >= 0 && (p & 3) == 0 && (rows == 1 || ld >= cols) && p + ((rows - 1) * ld + cols) * 4 <= (int64_t)len;
}

// copy2d(buffer, rows, cols, dst, ldd, src, lds): a block of rows between two row strides
// (a packed product's gate columns out to their own buffers, or gradients in).
static napi_value js_copy2d(napi_env env, napi_callback_info info) {
  int32_t v[6];
  size_t len;
  char *base = int_args(env, info, 6, v, &len);
  if (!base) return NULL;
  const int rows = v[0], cols = v[1], ldd = v[3], lds = v[5];
  if (rows < 0 || cols < 0 || !inside(v[2], rows, cols, ldd, len) || !inside(v[4], rows, cols, lds, len)) {
    return throw_error(env, "copy2d: a block lies outside the buffer");
  }
  for (int r = 0; r < rows; r++) {
    memmove(base + v[2] + (int64_t)r * ldd * 4, base + v[4] + (int64_t)r * lds * 4, (size_t)cols * 4);
  }
  return NULL;
}

// addRows(buffer, rows, cols, dst, src, lds): dst[j] += Σ_r src[r, j] (a bias gradient
// summed over the batch).
static napi_value js_add_rows(napi_env env, napi_callback_info info) {
  int32_t v[5];
  size_t len;
  char *base = int_args(env, info, 5, v, &len);
  if (!base) return NULL;
  const int rows = v[0], cols = v[1], lds = v[4];
  if (rows < 0 || cols < 0 || !inside(v[2], 1, cols, cols, len) || !inside(v[3], rows, cols, lds, len)) {
    return throw_error(env, "addRows: a block lies outside the buffer");
  }
  float *dst = (float *)(base + v[2]);
  const float *src = (const float *)(base + v[3]);
  for (int r = 0; r < rows; r++) {
    const float *row = src + (size_t)r * lds;
    for (int j = 0; j < cols; j++) dst[j] += row[j];
  }
  return NULL;
}

// packB(buffer, tb, K, N, b, ldb, dst): op(B) packed for gemmPacked at byte offset dst
// (packedFloats(K, N) floats).
static napi_value js_pack_b(napi_env env, napi_callback_info info) {
  int32_t v[6];
  size_t len;
  char *base = int_args(env, info, 6, v, &len);
  if (!base) return NULL;
  const int tb = v[0], K = v[1], N = v[2], ldb = v[4];
  if (K < 0 || N < 0 || !inside(v[3], tb ? N : K, tb ? K : N, ldb, len) ||
      !inside(v[5], 1, (int64_t)K * padded_columns(N), 0, len)) {
    return throw_error(env, "packB: a matrix lies outside the buffer");
  }
  if ((uintptr_t)(base + v[5]) & 31) return throw_error(env, "packB: the packed matrix must be 32-byte aligned");
  if (N > (1 << 30)) return throw_error(env, "packB: N too large");
  pack_b_all(tb != 0, (const float *)(base + v[3]), ldb, K, N, (float *)(base + v[5]));
  return NULL;
}

static napi_value js_packed_floats(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int32_t k, n;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_value_int32(env, argv[0], &k) != napi_ok || napi_get_value_int32(env, argv[1], &n) != napi_ok || k < 0 || n < 0) {
    return throw_error(env, "packedFloats(K, N): two sizes expected");
  }
  napi_create_double(env, (double)k * padded_columns(n), &out);
  return out;
}

// gemmPacked(buffer, ta, M, N, K, alpha, a, lda, packed, beta, c, ldc, threads).
static napi_value js_gemm_packed(napi_env env, napi_callback_info info) {
  size_t argc = 13;
  napi_value argv[13];
  void *data;
  size_t len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 13) return throw_error(env, "gemmPacked: expected 13 arguments");
  if (napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) return throw_error(env, "gemmPacked: the first argument must be an ArrayBuffer");
  int32_t v[13];
  double alpha, beta;
  for (int i = 1; i < 13; i++) {
    if (i == 5 || i == 9) continue;
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) return throw_error(env, "gemmPacked: integer argument expected");
  }
  if (napi_get_value_double(env, argv[5], &alpha) != napi_ok || napi_get_value_double(env, argv[9], &beta) != napi_ok) {
    return throw_error(env, "gemmPacked: alpha and beta must be numbers");
  }
  const int ta = v[1], M = v[2], N = v[3], K = v[4], lda = v[7], ldc = v[11];
  if (M < 0 || N < 0 || K < 0 || !inside(v[6], ta ? K : M, ta ? M : K, lda, len) ||
      !inside(v[8], 1, (int64_t)K * padded_columns(N), 0, len) || !inside(v[10], M, N, ldc, len)) {
    return throw_error(env, "gemmPacked: a matrix lies outside the buffer");
  }
  char *base = data;
  if ((uintptr_t)(base + v[8]) & 31) return throw_error(env, "gemmPacked: the packed matrix must be 32-byte aligned");
  if (N > (1 << 30)) return throw_error(env, "gemmPacked: N too large");
  job_t j = {
    .ta = ta != 0, .tb = 0, .m = M, .n = N, .k = K, .alpha = (float)alpha, .beta = (float)beta,
    .a = (const float *)(base + v[6]), .b = NULL, .c = (float *)(base + v[10]),
    .lda = lda, .ldb = 0, .ldc = ldc, .packed = (const float *)(base + v[8]), .npad = (int)padded_columns(N), .j0 = 0,
  };
  gemm(&j, v[12]);
  return NULL;
}

// Reads a Float32Array argument: its data pointer and length.
static float *float32_arg(napi_env env, napi_value v, size_t *n) {
  napi_typedarray_type type;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, n, &data, &ab, &off) != napi_ok || type != napi_float32_array) {
    throw_error(env, "a Float32Array is expected");
    return NULL;
  }
  static float empty; // an empty array may have no data pointer at all
  return *n == 0 || !data ? (*n = 0, &empty) : data;
}

// sumSquares(x: Float32Array): Σ x², accumulated in float64 (a global gradient norm).
static napi_value js_sum_squares(napi_env env, napi_callback_info info) {
  size_t argc = 1, n;
  napi_value argv[1], out;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1) return throw_error(env, "sumSquares(x): one argument");
  const float *x = float32_arg(env, argv[0], &n);
  if (!x) return NULL;
  typedef double v4d __attribute__((vector_size(32)));
  typedef float v4f __attribute__((vector_size(16), aligned(4)));
  v4d a0 = {0}, a1 = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v4d lo = __builtin_convertvector(*(const v4f *)(x + i), v4d);
    const v4d hi = __builtin_convertvector(*(const v4f *)(x + i + 4), v4d);
    a0 += lo * lo;
    a1 += hi * hi;
  }
  double s = a0[0] + a0[1] + a0[2] + a0[3] + a1[0] + a1[1] + a1[2] + a1[3];
  for (; i < n; i++) s += (double)x[i] * x[i];
  napi_create_double(env, s, &out);
  return out;
}

// axpy(alpha, x: Float32Array, y: Float32Array): y += alpha·x (an SGD step).
static napi_value js_axpy(napi_env env, napi_callback_info info) {
  size_t argc = 3, nx, ny;
  napi_value argv[3];
  double alpha;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 3 ||
      napi_get_value_double(env, argv[0], &alpha) != napi_ok) {
    return throw_error(env, "axpy(alpha, x, y): a number and two Float32Arrays");
  }
  const float *x = float32_arg(env, argv[1], &nx);
  if (!x) return NULL;
  float *y = float32_arg(env, argv[2], &ny);
  if (!y) return NULL;
  if (nx != ny) return throw_error(env, "axpy: x and y differ in length");
  // In float64, rounded once on store, as the JavaScript optimizers do.
  for (size_t i = 0; i < nx; i++) y[i] = (float)(y[i] + alpha * (double)x[i]);
  return NULL;
}

// One Adam step over the arenas, element by element exactly as the JavaScript optimizer
// computes it (float64, the same operations in the same order, each store rounded once), so
// the two agree bit for bit: no fused multiply-adds here (GCC: the attribute, under the
// build's -ffp-contract=fast; clang: the pragma, which it honours under -ffp-contract=on, the
// flag scripts/build-native.mjs gives it). The caller checks the hyper-parameters (finite,
// bc1, bc2 > 0) and passes four distinct arrays (restrict).
#if defined(__clang__)
static void adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t n, const double *h) {
#pragma clang fp contract(off)
#else
__attribute__((optimize("fp-contract=off")))
static void adam_update(float *restrict p, const float *restrict g, float *restrict m, float *restrict v, size_t n, const double *h) {
#endif
  const double f = h[0], lr = h[1], wd = h[2], b1 = h[3], b2 = h[4], eps = h[5], bc1 = h[6], bc2 = h[7];
  const double c1 = 1 - b1, c2 = 1 - b2;
  for (size_t i = 0; i < n; i++) {
    const double pi = p[i];
    const double gi = f * (double)g[i] + wd * pi;
    const double mi = b1 * (double)m[i] + c1 * gi;
    const double vi = b2 * (double)v[i] + c2 * gi * gi;
    m[i] = (float)mi;
    v[i] = (float)vi;
    p[i] = (float)(pi - (lr * (mi / bc1)) / (sqrt(vi / bc2) + eps));
  }
}

// adam(p, g, m, v: Float32Array, f, lr, weightDecay, beta1, beta2, eps, 1 − beta1^t, 1 − beta2^t):
// p, m and v updated in place; g is read scaled by f.
static napi_value js_adam(napi_env env, napi_callback_info info) {
  size_t argc = 12, n[4];
  napi_value argv[12];
  double h[8];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 12) {
    return throw_error(env, "adam(p, g, m, v, f, lr, weightDecay, beta1, beta2, eps, bc1, bc2): twelve arguments");
  }
  for (int k = 0; k < 8; k++) {
    if (napi_get_value_double(env, argv[4 + k], &h[k]) != napi_ok) return throw_error(env, "adam: hyper-parameters must be numbers");
  }
  float *a[4];
  for (int k = 0; k < 4; k++) {
    a[k] = float32_arg(env, argv[k], &n[k]);
    if (!a[k]) return NULL;
  }
  if (n[1] != n[0] || n[2] != n[0] || n[3] != n[0]) return throw_error(env, "adam: p, g, m and v differ in length");
  adam_update(a[0], a[1], a[2], a[3], n[0], h);
  return NULL;
}

NAPI_MODULE_INIT() {
  static const struct { const char *name; napi_callback fn; } exported[] = {
    {"gemm", js_gemm}, {"copy2d", js_copy2d}, {"addRows", js_add_rows}, {"packB", js_pack_b},
    {"packedFloats", js_packed_floats}, {"gemmPacked", js_gemm_packed}, {"xent", js_xent},
    {"xentGrad", js_xent_grad}, {"sumSquares", js_sum_squares}, {"axpy", js_axpy},
    {"adam", js_adam},
  };
  for (size_t i = 0; i < sizeof exported / sizeof exported[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, exported[i].name, NAPI_AUTO_LENGTH, exported[i].fn, NULL, &fn) != napi_ok) return NULL;
    napi_set_named_property(env, exports, exported[i].name, fn);
  }
  napi_value version;
  napi_create_int32(env, ABI_VERSION, &version);
  napi_set_named_property(env, exports, "abiVersion", version);
  return exports;
}
