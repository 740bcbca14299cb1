// The Node-API bindings of the native kernels: each checks its arguments (sizes, offsets inside
// the buffer, array types) and throws a JavaScript error on a bad call, so no kernel ever
// touches memory outside what it was given.
// Part of the native kernels (bindings); kernels.c includes every part into one translation
// unit, so the compiler inlines across them as when they were one file.

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

// A product's precision argument: 0 float32, 1 bfloat16 inputs (only where gemm-bf16.c is built).
static int bad_precision(napi_env env, const char *fn, int32_t bf16) {
  if (bf16 == 0 || (bf16 == 1 && HAVE_BF16)) return 0;
  char msg[160];
  snprintf(msg, sizeof msg, bf16 == 1 ? "%s: bfloat16 products need a CPU with AVX512-BF16 (this build has none)" : "%s: precision must be 0 (float32) or 1 (bfloat16)", fn);
  throw_error(env, msg);
  return 1;
}

// gemm(buffer, ta, tb, M, N, K, alpha, a, lda, b, ldb, beta, c, ldc, threads, bf16): offsets in bytes.
static napi_value js_gemm(napi_env env, napi_callback_info info) {
  size_t argc = 16;
  napi_value argv[16];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 16) {
    return throw_error(env, "gemm: expected 16 arguments");
  }
  void *data;
  size_t len;
  if (napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) {
    return throw_error(env, "gemm: the first argument must be an ArrayBuffer");
  }
  int32_t v[16];
  double alpha, beta;
  for (int i = 1; i < 16; i++) {
    if (i == 6 || i == 11) continue;
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) return throw_error(env, "gemm: integer argument expected");
  }
  if (bad_precision(env, "gemm", v[15])) return NULL;
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
    .lda = lda, .ldb = ldb, .ldc = ldc, .bf16 = v[15],
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
  copy_rows(base + v[2], ldd, base + v[4], lds, rows, cols);
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
  add_rows((float *)(base + v[2]), (const float *)(base + v[3]), lds, rows, cols);
  return NULL;
}

// packB(buffer, tb, K, N, b, ldb, dst, bf16): op(B) packed for gemmPacked at byte offset dst
// (packedFloats(K, N) floats; bf16 fills half of them, and gemmPacked must be told the same).
static napi_value js_pack_b(napi_env env, napi_callback_info info) {
  int32_t v[7];
  size_t len;
  char *base = int_args(env, info, 7, v, &len);
  if (!base || bad_precision(env, "packB", v[6])) return NULL;
  const int tb = v[0], K = v[1], N = v[2], ldb = v[4];
  if (K < 0 || N < 0 || !inside(v[3], tb ? N : K, tb ? K : N, ldb, len) ||
      !inside(v[5], 1, (int64_t)K * padded_columns(N), 0, len)) {
    return throw_error(env, "packB: a matrix lies outside the buffer");
  }
  if ((uintptr_t)(base + v[5]) & 31) return throw_error(env, "packB: the packed matrix must be 32-byte aligned");
  if (N > (1 << 30)) return throw_error(env, "packB: N too large");
  pack_b_all(tb != 0, (const float *)(base + v[3]), ldb, K, N, (float *)(base + v[5]), v[6]);
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

// gemmPacked(buffer, ta, M, N, K, alpha, a, lda, packed, beta, c, ldc, threads, bf16).
static napi_value js_gemm_packed(napi_env env, napi_callback_info info) {
  size_t argc = 14;
  napi_value argv[14];
  void *data;
  size_t len;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 14) return throw_error(env, "gemmPacked: expected 14 arguments");
  if (napi_get_arraybuffer_info(env, argv[0], &data, &len) != napi_ok) return throw_error(env, "gemmPacked: the first argument must be an ArrayBuffer");
  int32_t v[14];
  double alpha, beta;
  for (int i = 1; i < 14; i++) {
    if (i == 5 || i == 9) continue;
    if (napi_get_value_int32(env, argv[i], &v[i]) != napi_ok) return throw_error(env, "gemmPacked: integer argument expected");
  }
  if (bad_precision(env, "gemmPacked", v[13])) return NULL;
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
    .bf16 = v[13],
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
  napi_create_double(env, sum_squares(x, n), &out);
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
  axpy(alpha, x, y, nx);
  return NULL;
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
