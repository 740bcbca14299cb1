// Global-norm gradient clipping (Pascanu et al. 2013; tf.clip_by_global_norm, torch's
// clip_grad_norm_): if ‖g‖₂ over all gradients exceeds the threshold, every gradient is scaled
// by threshold / ‖g‖₂, so the clipped norm is the threshold. Unlike torch, which scales by
// max_norm / (‖g‖ + 1e-6), the factor has no epsilon: it lands on the threshold exactly, as
// TensorFlow's does. The trainer does not rescale the arena: it hands clipFactor to the
// optimizer, which applies it as it reads each gradient (one pass over the arena fewer).

import { arenaOps } from '../../backend/kernels.ts';

export type GradArena = Float32Array | Float64Array;

/** ‖g‖₂ of a gradient arena, the squares summed in float64. */
export function globalNorm(g: GradArena): number {
  // The native loop (vectorised, float64 sums too) where it is built: a few times faster.
  const native = arenaOps(g);
  if (native) return Math.sqrt(native.sumSquares(g as Float32Array));
  const n = g.length;
  const n4 = n - (n % 4);
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i < n4; i += 4) {
    const a = g[i];
    const b = g[i + 1];
    const c = g[i + 2];
    const d = g[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  for (; i < n; i++) s0 += g[i] * g[i];
  return Math.sqrt(s0 + s1 + s2 + s3);
}

/**
 * The factor that clips a gradient of global norm `norm` to `maxNorm`: maxNorm / norm above
 * the threshold, else 1 (a gradient at or below it is left as it is). maxNorm 0 turns
 * clipping off. `norm` must be finite (the trainer stops on a non-finite one first).
 */
export function clipFactor(norm: number, maxNorm: number): number {
  return maxNorm > 0 && norm > maxNorm ? maxNorm / norm : 1;
}
