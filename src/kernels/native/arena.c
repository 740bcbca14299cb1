// Block operations on the kernels' memory (the arena of parameters, gradients and activations):
// a block of rows between two row strides, and rows summed into one.
// Part of the native kernels (arena ops); kernels.c includes every part into one translation
// unit, so the compiler inlines across them as when they were one file.

// rows × cols floats from src (row stride lds) to dst (row stride ldd), both in floats; the
// blocks may overlap (memmove).
static void copy_rows(char *dst, int ldd, const char *src, int lds, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    memmove(dst + (int64_t)r * ldd * 4, src + (int64_t)r * lds * 4, (size_t)cols * 4);
  }
}

// dst[j] += Σ_r src[r·lds + j] for j < cols.
static void add_rows(float *dst, const float *src, int lds, int rows, int cols) {
  for (int r = 0; r < rows; r++) {
    const float *row = src + (size_t)r * lds;
    for (int j = 0; j < cols; j++) dst[j] += row[j];
  }
}
