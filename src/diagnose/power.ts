// The spectral norm ‖W‖₂ (largest singular value) by power iteration on WᵀW: v ← WᵀWv/‖WᵀWv‖
// converges to the top right singular vector, and ‖Wv‖ to σ₁, at the rate (σ₂/σ₁)² per step.
import { mulberry32 } from '../graph/interpret.ts';

export interface SpectralNorm {
  value: number;
  iterations: number;
  /** Whether successive estimates agreed to the tolerance before the iteration cap. */
  converged: boolean;
}

const norm = (x: Float64Array): number => {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s);
};

/** σ₁ of the row-major [rows, cols] matrix `w`. */
export function spectralNorm(w: ArrayLike<number>, rows: number, cols: number, o: { tol?: number; maxIterations?: number; seed?: number } = {}): SpectralNorm {
  const tol = o.tol ?? 1e-12;
  const max = o.maxIterations ?? 5000;
  const rand = mulberry32(o.seed ?? 1);
  // A random start is (almost surely) not orthogonal to the top singular vector.
  let v = Float64Array.from({ length: cols }, () => rand() - 0.5);
  const u = new Float64Array(rows);
  let sigma = 0;
  for (let it = 1; it <= max; it++) {
    const vn = norm(v);
    if (vn === 0) return { value: 0, iterations: it, converged: true };
    for (let j = 0; j < cols; j++) v[j] /= vn;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += w[i * cols + j] * v[j];
      u[i] = s;
    }
    const next = norm(u);
    const x = new Float64Array(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[j] += w[i * cols + j] * u[i];
    v = x;
    if (Math.abs(next - sigma) <= tol * next) return { value: next, iterations: it, converged: true };
    sigma = next;
  }
  return { value: sigma, iterations: max, converged: false };
}
