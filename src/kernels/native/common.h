// What every part of the native kernels shares: system headers, the ABI version, the vector
// types and the GEMM's tile sizes. Included once, by kernels.c.
#ifndef RNNC_KERNELS_COMMON_H
#define RNNC_KERNELS_COMMON_H

#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <time.h>

#define ABI_VERSION 8

typedef float v8f __attribute__((vector_size(32), aligned(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4))); // unaligned access to C

// The GEMM tile's vectors (vtf: VL floats): 16 where AVX-512 gives 64-byte registers (twice
// the work per instruction on cores with full-width units, as ONNX Runtime's MLAS uses them),
// else 8. Each C entry is still summed by one lane in k order: the same results at any width.
#if defined(__AVX512F__)
typedef float vtf __attribute__((vector_size(64), aligned(64)));
typedef float vtfu __attribute__((vector_size(64), aligned(4))); // unaligned access to C
enum { VL = 16, MR = 8, NR = 32, MC = 144, KC = 256, NC = 2048 };
#elif defined(__AVX512VL__)
typedef v8f vtf;
typedef v8fu vtfu;
enum { VL = 8, MR = 8, NR = 24, MC = 144, KC = 256, NC = 2040 };
#else
typedef v8f vtf;
typedef v8fu vtfu;
enum { VL = 8, MR = 6, NR = 16, MC = 144, KC = 256, NC = 2048 };
#endif
enum { NV = NR / VL }; // vectors per tile row

#endif
