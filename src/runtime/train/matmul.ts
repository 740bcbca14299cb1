// `--matmul bf16`: the training windows' matrix products read their inputs rounded to bfloat16
// and sum in float32 (about twice the GEMM speed on CPUs with AVX512-BF16), as PyTorch's autocast
// does for CPU matmuls; the weights, the optimizer and everything else stay float32, and
// validation, evaluation and sampling multiply in float32, so `rnnc eval` reproduces the numbers.
import { bf16Unavailable, setMatmul, type MatmulPrecision } from '../../backend/kernels.ts';

export type { MatmulPrecision };

/** Throws when `precision` cannot train this model here (bf16: float32 models on kernels that have it). */
export function checkMatmul(precision: MatmulPrecision, float64: boolean): void {
  if (precision === 'float32') return;
  if (float64) throw new RangeError('--matmul bf16 trains float32 models; this one trains in float64');
  const why = bf16Unavailable();
  if (why) throw new RangeError(`--matmul bf16: ${why}`);
}

/**
 * The precision of the window after `step` steps: float32 for the first `bf16After` epochs of a
 * bf16 run. On tiny Shakespeare's 2×512 LSTM, bf16 from the start followed a worse curve (1.8109
 * against float32's 1.7148 after 2 epochs, still 0.009 behind after 13), while bf16 after half a
 * float32 epoch followed float32's (1.7121; README, "Training"). Counted in steps, so resume is exact.
 */
export function precisionAt(matmul: MatmulPrecision, bf16After: number, step: number, epochSteps: number): MatmulPrecision {
  return matmul === 'bf16' && step < Math.round(bf16After * epochSteps) ? 'float32' : matmul;
}

/** Runs one training window with its products in `precision`, then returns to float32. */
export function inPrecision<T>(precision: MatmulPrecision, run: () => T): T {
  if (precision === 'float32') return run();
  setMatmul(precision);
  try {
    return run();
  } finally {
    setMatmul('float32');
  }
}
