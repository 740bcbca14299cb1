// Native float32 kernels for rnnc: the optional fast path of src/kernels (built at install by
// scripts/build-native.mjs with the machine's C compiler and -march=native; the runtime falls
// back to the WebAssembly kernels wherever this does not build or load).
//
// One translation unit made of parts, one concern each (the build compiles this file alone):
//   common.h    system headers, ABI version, vector types, GEMM tile sizes
//   threads.c   the helper thread that runs half of a large call
//   gemm-bf16.c the same product with its inputs rounded to bfloat16 (AVX512-BF16 CPUs only)
//   gemm.c      C = alpha·op(A)·op(B) + beta·C: packing, micro-kernel, a reused packed B
//   xent.c      softmax cross-entropy and its gradient over rows of logits
//   arena.c     block copies and row sums on the kernels' memory
//   optim.c     whole-arena optimizer loops: Σ x², axpy, Adam
//   bindings.c  the Node-API functions: argument checks, then the kernels above
// scripts/build-native.mjs stamps the build with the hash of each, and src/kernels/native/load.ts
// uses it only while every one still reads the same.

#include "common.h"
#include "threads.c"
#include "gemm-bf16.c"
#include "gemm.c"
#include "xent.c"
#include "arena.c"
#include "optim.c"
#include "bindings.c"

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
  napi_value version, bf16;
  napi_create_int32(env, ABI_VERSION, &version);
  napi_set_named_property(env, exports, "abiVersion", version);
  napi_get_boolean(env, HAVE_BF16, &bf16);
  napi_set_named_property(env, exports, "bf16", bf16);
  return exports;
}

