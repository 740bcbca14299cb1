// What every part of the native kernels shares: system headers, the ABI version, the vector
// types and the GEMM's tile sizes. Included once, by kernels.c.
#ifndef RNNC_KERNELS_COMMON_H
#define RNNC_KERNELS_COMMON_H

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

#endif
