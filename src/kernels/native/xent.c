// Part of the native kernels (cross-entropy); kernels.c includes every part into one translation
// unit, so the compiler inlines across them as when they were one file.
//
// Softmax cross-entropy over rows of logits (the output layer of a language model: V up to
// tens of thousands, where e^x is most of the time). e^x as in src/codegen/fast-math.ts:
// Cody–Waite reduction, degree-6 Taylor polynomial, 2^n in the exponent bits; relative error
// below 2e-7. Inputs are x − max ≤ 0, clamped below at −87 (e^−87 ≈ 1.6e−38 next to a sum ≥ 1).

typedef int32_t v8i __attribute__((vector_size(32), aligned(32)));

// Softmax cross-entropy (or its gradient) over rows [r0, r1) of logits; large calls give the
// helper half of the rows.
typedef struct {
  int grad, V, r0, r1, g_batched;
  const float *logits, *g;
  const int32_t *targets; // checked in [0, V) before any job runs
  float *out;             // grad: the gradient rows; else the per-row losses
  double total;           // not grad: Σ loss over the rows
} xent_job_t;

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

static void run_xent_of(void *j) { run_xent(j); }

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
  xent_job_t mine = *j, other = *j;
  mine.r1 = other.r0 = j->r0 + rows / 2;
  const int s = helper_start(run_xent_of, &other);
  run_xent(&mine);
  helper_finish(s);
  j->total = mine.total + other.total;
}
