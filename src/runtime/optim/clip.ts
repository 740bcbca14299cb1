// Global-norm gradient clipping (Pascanu et al. 2013; tf.clip_by_global_norm, torch's
// clip_grad_norm_): if ‖g‖₂ over all gradients exceeds the threshold, every gradient is scaled
// by threshold / ‖g‖₂, so the clipped norm is the threshold (up to float32 rounding). Unlike
// torch, which scales by max_norm / (‖g‖ + 1e-6), the factor has no epsilon: it lands on the
// threshold exactly, as TensorFlow's does. Sums are taken in float64.

import { nativeArenaOps } from '../../kernels/native/load.ts';

export type GradArena = Float32Array | Float64Array;

/** ‖g‖₂ over one arena or several (float64 accumulation). */
export function globalNorm(grads: GradArena | readonly GradArena[]): number {
  const list = Array.isArray(grads) ? (grads as readonly GradArena[]) : [grads as GradArena];
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (const g of list) {
    // The native loop (vectorised, float64 sums too) where it is built: a few times faster.
    const native = nativeArenaOps(g);
    if (native) {
      s0 += native.sumSquares(g as Float32Array);
      continue;
    }
    const n = g.length;
    const n4 = n - (n % 4);
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
  }
  return Math.sqrt(s0 + s1 + s2 + s3);
}

/**
 * Scales `grads` in place so that their global norm is at most `maxNorm`, and returns the
 * norm before clipping. Gradients at or below the threshold are left untouched. A non-finite
 * norm (NaN/Inf gradient) is returned as is and nothing is scaled: the caller decides.
 * `maxNorm` must be > 0; Infinity disables the clipping but still measures the norm.
 */
export function clipGlobalNorm(grads: GradArena | readonly GradArena[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new RangeError(`clipGlobalNorm: the threshold must be > 0 (got ${maxNorm})`);
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm) || norm <= maxNorm) return norm;
  const scale = maxNorm / norm;
  const list = Array.isArray(grads) ? (grads as readonly GradArena[]) : [grads as GradArena];
  for (const g of list) {
    const n = g.length;
    for (let i = 0; i < n; i++) g[i] *= scale;
  }
  return norm;
}
