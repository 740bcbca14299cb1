// Parameter initialisation from the model's `init` annotations. Each parameter draws from
// its own stream, seeded by (seed, parameter name): the same seed gives the same weights,
// and adding a parameter to a model does not change how the others start.
import type { IRInit } from '../ir/types.ts';
import { Rng } from './rng.ts';

export interface InitSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

/** A uniform draw in [0, 1). */
export type Uniform = () => number;

/** FNV-1a of a string, for mixing a parameter's name into the seed. */
function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The stream parameter `name` draws from under `seed`. */
export function paramStream(seed: number, name: string): Uniform {
  return new Rng(seed, hashName(name)).asFunction();
}

/** Standard normal draws by Box–Muller (both values used). */
export function gaussian(u: Uniform): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let a = u();
    while (a <= 1e-300) a = u(); // log(0) guard
    const b = u();
    const r = Math.sqrt(-2 * Math.log(a));
    spare = r * Math.sin(2 * Math.PI * b);
    return r * Math.cos(2 * Math.PI * b);
  };
}

/** fan_in / fan_out of a weight of shape [out, in, …receptive] (PyTorch's convention). */
export function fans(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  const rest = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * rest, fanOut: shape[0] * rest };
}

/** The Glorot/Xavier uniform bound √(6 / (fan_in + fan_out)). */
export function xavierBound(shape: number[]): number {
  const { fanIn, fanOut } = fans(shape);
  return Math.sqrt(6 / (fanIn + fanOut));
}

/**
 * A (semi-)orthogonal rows × cols matrix, row-major (Saxe et al. 2014, as torch.nn.init.orthogonal_):
 * QR of a Gaussian matrix by modified Gram–Schmidt, with Q's columns signed by diag(R) so
 * the result is uniformly distributed. rows ≥ cols: orthonormal columns (QᵀQ = I);
 * rows < cols: orthonormal rows (QQᵀ = I).
 */
export function orthogonal(rows: number, cols: number, normal: () => number): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // the Gaussian matrix A is m × n, m ≥ n
  const n = tall ? cols : rows;
  const q = new Float64Array(m * n); // column-major here: column j at j*m
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    let norm = 0;
    // Column j of A is the next m draws; a degenerate one (probability ~0) is drawn again.
    while (norm < 1e-12) {
      for (let i = 0; i < m; i++) q[cj + i] = normal();
      for (let k = 0; k < j; k++) {
        const ck = k * m;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[ck + i] * q[cj + i];
        for (let i = 0; i < m; i++) q[cj + i] -= dot * q[ck + i];
      }
      norm = 0;
      for (let i = 0; i < m; i++) norm += q[cj + i] * q[cj + i];
      norm = Math.sqrt(norm);
    }
    // R's diagonal is +norm by construction, so the sign correction is already applied.
    for (let i = 0; i < m; i++) q[cj + i] /= norm;
  }
  const out = new Float64Array(rows * cols);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < m; i++) {
      // Tall: out[i][j] = Q[i][j]. Wide: out = Qᵀ, out[j][i] = Q[i][j].
      if (tall) out[i * cols + j] = q[j * m + i];
      else out[j * cols + i] = q[j * m + i];
    }
  return out;
}

/** Fills `out` (one parameter's values) by its init. */
export function fillInit(out: { length: number; [i: number]: number }, shape: number[], init: IRInit, u: Uniform): void {
  const n = out.length;
  switch (init.name) {
    case 'zeros':
      for (let i = 0; i < n; i++) out[i] = 0;
      return;
    case 'ones':
      for (let i = 0; i < n; i++) out[i] = 1;
      return;
    case 'constant':
      for (let i = 0; i < n; i++) out[i] = init.args[0];
      return;
    case 'uniform': {
      const a = init.args[0];
      for (let i = 0; i < n; i++) out[i] = (2 * u() - 1) * a;
      return;
    }
    case 'normal': {
      const std = init.args[0];
      const g = gaussian(u);
      for (let i = 0; i < n; i++) out[i] = std * g();
      return;
    }
    case 'xavier': {
      const a = xavierBound(shape);
      for (let i = 0; i < n; i++) out[i] = (2 * u() - 1) * a;
      return;
    }
    case 'orthogonal': {
      const rows = shape[0];
      const cols = n / rows;
      const q = orthogonal(rows, cols, gaussian(u));
      for (let i = 0; i < n; i++) out[i] = q[i];
      return;
    }
    default: {
      const never: never = init.name;
      throw new Error(`unknown init ${String(never)}`);
    }
  }
}

/**
 * Initialises a parameter arena: every slot by its param's init, from `seed`. `inits` maps
 * a param name to its init (from the IR: `new Map(ir.params.map((p) => [p.name, p.init]))`).
 */
export function initParams(arena: { subarray(a: number, b: number): { length: number; [i: number]: number } }, slots: readonly InitSlot[], inits: ReadonlyMap<string, IRInit>, seed: number): void {
  for (const s of slots) {
    const init = inits.get(s.name);
    if (!init) throw new Error(`no init for param ${s.name}`);
    fillInit(arena.subarray(s.offset, s.offset + s.size), s.shape, init, paramStream(seed, s.name));
  }
}
