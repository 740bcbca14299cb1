// Whole-arena loops of the optimizers: Σ x² for the global gradient norm, y += alpha·x for
// SGD, and one Adam step, each the same arithmetic as the JavaScript loops they replace.
// Part of the native kernels (optimizer ops); kernels.c includes every part into one
// translation unit, so the compiler inlines across them as when they were one file.

// Σ x², accumulated in float64 (a global gradient norm).
static double sum_squares(const float *x, size_t n) {
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
  return s;
}

// y += alpha·x in float64, rounded once on store, as the JavaScript optimizers do.
static void axpy(double alpha, const float *x, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) y[i] = (float)(y[i] + alpha * (double)x[i]);
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
