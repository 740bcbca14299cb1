// First-order optimizers over one flat parameter arena and its gradient arena.
//
// Each follows its paper's update and PyTorch's conventions and defaults (torch.optim, 2.x):
//
//   g ← ∇ + λ·θ                      L2 weight decay λ (PyTorch `weight_decay`): added to the
//                                     gradient before anything else; not AdamW's decoupled decay.
//   sgd       θ ← θ − η·g
//   momentum  v ← μ·v + g;  θ ← θ − η·v                 Polyak's heavy ball as PyTorch writes it
//             (v₀ = 0, so v₁ = g as in PyTorch; dampening 0). Sutskever et al. 2013 write
//             v ← μ·v − η·g; θ ← θ + v: the same iterates while η is constant.
//   nesterov  v ← μ·v + g;  θ ← θ − η·(g + μ·v)         Nesterov momentum in the form of Bengio
//             et al. 2013 ("Advances in optimizing RNNs", eq. 7) = PyTorch's nesterov=True.
//   adagrad   G ← G + g²;   θ ← θ − η·g / (√G + ε)      Duchi et al. 2011; PyTorch ε = 1e-10,
//             initial accumulator 0, lr_decay not offered (use a schedule).
//   rmsprop   s ← α·s + (1−α)·g²;  θ ← θ − η·g / (√s + ε)   Hinton's lecture 6e; PyTorch α = 0.99,
//             ε = 1e-8 outside the root. With `centered`, s − ḡ² replaces s (ḡ ← α·ḡ + (1−α)·g);
//             with `momentum` μ > 0: b ← μ·b + g/(√s + ε); θ ← θ − η·b (PyTorch's forms).
//   adam      m ← β₁·m + (1−β₁)·g;  v ← β₂·v + (1−β₂)·g²;  m̂ = m/(1−β₁ᵗ);  v̂ = v/(1−β₂ᵗ);
//             θ ← θ − η·m̂ / (√v̂ + ε)                   Kingma & Ba 2015, Algorithm 1, with bias
//             correction; β = (0.9, 0.999), ε = 1e-8 (PyTorch's, and the paper's).
//   nt-asgd   sgd's update; once startAveraging() is called (the trainer's non-monotone
//             trigger, nt-asgd.ts), also ax ← mean of θ after each later step (Merity et al. 2017).
//
// Any kind averages once startAveraging() is called (nt-asgd's trigger, or the trainer's
// averageAt for the others: tail averaging, Polyak & Juditsky 1992): ax ← mean of θ after each
// later step, kept beside the kind's own buffers; training goes on from θ. With an averaging
// window of W steps, an exponential moving average once W steps are averaged (averageInto).
//
// Parameters, gradients and moment buffers share one dtype: float32 in training (the
// arithmetic of each element is done in float64 and rounded once when stored), or float64
// (the reference-trainer test). The gradient arena is never modified. `step` allocates nothing.
import { arenaOps } from '../../backend/kernels.ts';
import { averageInto } from './nt-asgd.ts';

export type OptimizerKind = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam' | 'nt-asgd';

export const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam', 'nt-asgd'];

/** Hyper-parameters; each optimizer reads the ones it uses and ignores the rest. */
export interface OptimizerHyper {
  /** L2 penalty λ added to the gradient (all). Default 0. */
  weightDecay?: number;
  /** μ for momentum and nesterov (default 0.9), and rmsprop's optional momentum (default 0). */
  momentum?: number;
  /** rmsprop smoothing α. Default 0.99. */
  alpha?: number;
  /** rmsprop: normalise by the centred second moment. Default false. */
  centered?: boolean;
  /** adam β₁ (default 0.9) and β₂ (default 0.999). */
  beta1?: number;
  beta2?: number;
  /** Added to the root in the denominator: adagrad 1e-10, rmsprop 1e-8, adam 1e-8. */
  eps?: number;
}

/** The hyper-parameters in effect, defaults filled in (JSON-safe, for config.json). */
export interface ResolvedHyper {
  weightDecay: number;
  momentum: number;
  alpha: number;
  centered: boolean;
  beta1: number;
  beta2: number;
  eps: number;
}

/** PyTorch's default learning rates (SGD has none in PyTorch 1.x; 2.x uses 1e-3). */
export const DEFAULT_LR: Readonly<Record<OptimizerKind, number>> = {
  sgd: 1e-3,
  momentum: 1e-3,
  nesterov: 1e-3,
  adagrad: 1e-2,
  rmsprop: 1e-2,
  adam: 1e-3,
  'nt-asgd': 1e-3,
};

/** A parameter, gradient or buffer arena: float32, or float64 for the reference trainer. */
export type Arena = Float32Array | Float64Array;

/** What goes into optimizer.safetensors: the step count and named buffers (float32 there). */
export interface OptimizerState<A extends Arena = Float32Array> {
  kind: OptimizerKind;
  step: number;
  tensors: Record<string, A>;
  /** The step after which averaging began (nt-asgd's trigger, or --average-at for any kind; the buffer `ax` is then in tensors); null before. */
  averageFrom?: number | null;
}

export interface Optimizer<A extends Arena = Float32Array> {
  readonly kind: OptimizerKind;
  readonly hyper: ResolvedHyper;
  /** Number of parameters (length of the arenas). */
  readonly size: number;
  /** Steps taken so far (t of Adam's bias correction). */
  readonly stepCount: number;
  /**
   * One update of `params` in place from `grads` (same length as `size`) at learning rate `lr`,
   * the gradient taken as gradScale·grads (a loss scale and a clipping factor, applied in the
   * update's own pass instead of one more pass over the arena).
   */
  step(params: A, grads: A, lr: number, gradScale?: number): void;
  /** Live views of the state buffers (copy them if you keep them past the next step). */
  state(): OptimizerState<A>;
  /** Restores a state saved from an optimizer of the same kind and size (copies the buffers). */
  load(state: OptimizerState<A | Float32Array>): void;
  /** Start averaging the weights after each following step (no-op when already averaging). */
  startAveraging?(): void;
  /** The averaged weights: null before the first step after the switch. */
  averaged?(): A | null;
  /** The step after which averaging began (the switch), null before it. */
  averagingFrom?(): number | null;
}

export class OptimizerError extends Error {}

function resolve(kind: OptimizerKind, h: OptimizerHyper): ResolvedHyper {
  const r: ResolvedHyper = {
    weightDecay: h.weightDecay ?? 0,
    momentum: h.momentum ?? (kind === 'momentum' || kind === 'nesterov' ? 0.9 : 0),
    alpha: h.alpha ?? 0.99,
    centered: h.centered ?? false,
    beta1: h.beta1 ?? 0.9,
    beta2: h.beta2 ?? 0.999,
    eps: h.eps ?? (kind === 'adagrad' ? 1e-10 : 1e-8),
  };
  const bad = (what: string, v: unknown) => {
    throw new OptimizerError(`${kind}: ${what} (got ${v})`);
  };
  if (!(r.weightDecay >= 0 && Number.isFinite(r.weightDecay))) bad('weight decay must be ≥ 0', r.weightDecay);
  if (!(r.momentum >= 0 && r.momentum < 1)) bad('momentum must be in [0, 1)', r.momentum);
  if ((kind === 'momentum' || kind === 'nesterov') && !(r.momentum > 0)) bad('momentum must be > 0', r.momentum);
  if (!(r.alpha >= 0 && r.alpha < 1)) bad('alpha must be in [0, 1)', r.alpha);
  if (!(r.beta1 >= 0 && r.beta1 < 1)) bad('beta1 must be in [0, 1)', r.beta1);
  if (!(r.beta2 >= 0 && r.beta2 < 1)) bad('beta2 must be in [0, 1)', r.beta2);
  if (!(r.eps >= 0 && Number.isFinite(r.eps))) bad('eps must be ≥ 0', r.eps);
  return r;
}

/** The names of the state buffers each optimizer keeps (PyTorch's state names). */
export function stateNames(kind: OptimizerKind, hyper: OptimizerHyper = {}): string[] {
  const h = resolve(kind, hyper);
  switch (kind) {
    case 'sgd':
    case 'nt-asgd': // its `ax` exists only once averaging began (see createOptimizer)
      return [];
    case 'momentum':
    case 'nesterov':
      return ['momentum_buffer'];
    case 'adagrad':
      return ['sum'];
    case 'rmsprop':
      return ['square_avg', ...(h.centered ? ['grad_avg'] : []), ...(h.momentum > 0 ? ['momentum_buffer'] : [])];
    case 'adam':
      return ['exp_avg', 'exp_avg_sq'];
  }
}

export function isOptimizerKind(s: string): s is OptimizerKind {
  return (OPTIMIZER_KINDS as readonly string[]).includes(s);
}

/**
 * An optimizer of `kind` for a parameter arena of `size` floats (buffers of the arena's dtype).
 * `averageWindow` W (steps): averaging weighs each step after the first W by 1/W (averageInto);
 * default Infinity, the plain mean.
 */
export function createOptimizer(kind: OptimizerKind, hyper: OptimizerHyper, size: number): Optimizer<Float32Array>;
export function createOptimizer<A extends Arena>(kind: OptimizerKind, hyper: OptimizerHyper, size: number, Float: new (n: number) => A, averageWindow?: number): Optimizer<A>;
export function createOptimizer(kind: OptimizerKind, hyper: OptimizerHyper, size: number, Float: new (n: number) => Arena = Float32Array, averageWindow = Infinity): Optimizer<Arena> {
  if (!isOptimizerKind(kind)) throw new OptimizerError(`unknown optimizer '${kind}' (expected one of ${OPTIMIZER_KINDS.join(', ')})`);
  if (!Number.isSafeInteger(size) || size < 0) throw new OptimizerError(`optimizer size must be a non-negative integer (got ${size})`);
  if (!(averageWindow >= 1)) throw new OptimizerError(`the averaging window must be ≥ 1 step (got ${averageWindow})`);
  const h = resolve(kind, hyper);
  const names = stateNames(kind, h);
  const arena = new Float(names.length * size);
  const buffers: Record<string, Arena> = {};
  names.forEach((n, i) => (buffers[n] = arena.subarray(i * size, (i + 1) * size)));
  const update = UPDATES[kind];
  let t = 0;
  // The step after which averaging began, and the mean of the weights since (any kind; nt-asgd's
  // own buffers are none, so its state is ax alone once averaging).
  let t0: number | null = null;
  let ax: Arena | null = null;
  const ntAsgd = kind === 'nt-asgd';
  const hasAverage = () => ax !== null && t > t0!;
  return {
    kind,
    hyper: h,
    size,
    get stepCount() {
      return t;
    },
    step(params, grads, lr, gradScale = 1) {
      if (params.length !== size || grads.length !== size) throw new OptimizerError(`${kind}.step: expected arenas of ${size} floats, got params ${params.length} and grads ${grads.length}`);
      if (!(lr >= 0 && Number.isFinite(lr))) throw new OptimizerError(`${kind}.step: learning rate must be finite and ≥ 0 (got ${lr})`);
      if (!Number.isFinite(gradScale)) throw new OptimizerError(`${kind}.step: the gradient scale must be finite (got ${gradScale})`);
      t++;
      update(params, grads, gradScale, lr, h, buffers, t);
      if (ax) averageInto(ax, params, t - t0!, averageWindow);
    },
    state() {
      const avg: Record<string, Arena> = hasAverage() ? { ax: ax! } : {};
      if (ntAsgd) return { kind, step: t, tensors: avg, averageFrom: t0 };
      return { kind, step: t, tensors: { ...buffers, ...avg }, ...(t0 !== null ? { averageFrom: t0 } : {}) };
    },
    load(s) {
      if (s.kind !== kind) throw new OptimizerError(`cannot load ${s.kind} optimizer state into a ${kind} optimizer`);
      if (!Number.isSafeInteger(s.step) || s.step < 0) throw new OptimizerError(`optimizer state: step must be a non-negative integer (got ${s.step})`);
      const from = s.averageFrom ?? null;
      if (from !== null && !(Number.isSafeInteger(from) && from >= 0 && from <= s.step)) throw new OptimizerError(`${kind} optimizer state: averaging must start at a step between 0 and ${s.step} (got ${from})`);
      const hasAx = from !== null && s.step > from; // switched but no step since: no average yet
      const want = hasAx ? [...names, 'ax'] : names;
      // An ax saved with no step since the switch (older checkpoints: zeros) is no average: ignored.
      const got = Object.keys(s.tensors).filter((k) => hasAx || k !== 'ax' || from === null).sort();
      if (got.join() !== [...want].sort().join()) throw new OptimizerError(`${kind} optimizer state: expected buffers [${want.join(', ')}], got [${got.join(', ')}]`);
      for (const n of want) {
        const b = s.tensors[n];
        if (b.length !== size) throw new OptimizerError(`${kind} optimizer state: buffer '${n}' has ${b.length} floats, the model has ${size} parameters`);
      }
      for (const n of names) buffers[n].set(s.tensors[n]);
      t0 = from;
      ax = from !== null ? new Float(size) : null;
      if (hasAx) ax!.set(s.tensors.ax);
      t = s.step;
    },
    startAveraging() {
      if (t0 !== null) return;
      t0 = t;
      ax = new Float(size);
    },
    // Before the first step after the switch there is nothing to average: evaluation uses θ.
    averaged: () => (hasAverage() ? ax : null),
    averagingFrom: () => t0,
  };
}

/** p ← update(p, f·g): f scales the gradient as it is read. */
type Update = (p: Arena, g: Arena, f: number, lr: number, h: ResolvedHyper, b: Record<string, Arena>, t: number) => void;

const UPDATES: Record<OptimizerKind, Update> = {
  'nt-asgd': (p, g, f, lr, h, b, t) => UPDATES.sgd(p, g, f, lr, h, b, t),

  sgd(p, g, f, lr, h) {
    const wd = h.weightDecay;
    const n = p.length;
    const native = arenaOps(p, g);
    if (wd === 0 && native) native.axpy(-lr * f, g as Float32Array, p as Float32Array); // native only when both are float32
    else if (wd === 0) for (let i = 0; i < n; i++) p[i] -= lr * (f * g[i]);
    else for (let i = 0; i < n; i++) p[i] -= lr * (f * g[i] + wd * p[i]);
  },

  momentum(p, g, f, lr, h, b) {
    const v = b.momentum_buffer;
    const wd = h.weightDecay;
    const mu = h.momentum;
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const gi = f * g[i] + wd * p[i];
      const vi = mu * v[i] + gi;
      v[i] = vi;
      p[i] -= lr * vi;
    }
  },

  nesterov(p, g, f, lr, h, b) {
    const v = b.momentum_buffer;
    const wd = h.weightDecay;
    const mu = h.momentum;
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const gi = f * g[i] + wd * p[i];
      const vi = mu * v[i] + gi;
      v[i] = vi;
      p[i] -= lr * (gi + mu * vi);
    }
  },

  adagrad(p, g, f, lr, h, b) {
    const s = b.sum;
    const wd = h.weightDecay;
    const eps = h.eps;
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const gi = f * g[i] + wd * p[i];
      const si = s[i] + gi * gi;
      s[i] = si;
      p[i] -= (lr * gi) / (Math.sqrt(si) + eps);
    }
  },

  rmsprop(p, g, f, lr, h, b) {
    const sq = b.square_avg;
    const ga = b.grad_avg;
    const buf = b.momentum_buffer;
    const wd = h.weightDecay;
    const a = h.alpha;
    const eps = h.eps;
    const mu = h.momentum;
    const centered = h.centered;
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const gi = f * g[i] + wd * p[i];
      const si = a * sq[i] + (1 - a) * gi * gi;
      sq[i] = si;
      let var_ = si;
      if (centered) {
        const gai = a * ga[i] + (1 - a) * gi;
        ga[i] = gai;
        var_ = si - gai * gai;
      }
      const step = gi / (Math.sqrt(var_) + eps);
      if (mu > 0) {
        const bi = mu * buf[i] + step;
        buf[i] = bi;
        p[i] -= lr * bi;
      } else p[i] -= lr * step;
    }
  },

  adam(p, g, f, lr, h, b, t) {
    const m = b.exp_avg;
    const v = b.exp_avg_sq;
    const wd = h.weightDecay;
    const b1 = h.beta1;
    const b2 = h.beta2;
    const eps = h.eps;
    const bc1 = 1 - Math.pow(b1, t);
    const bc2 = 1 - Math.pow(b2, t);
    // The native loop computes exactly this one (bit for bit), vectorised: a few times faster.
    const native = arenaOps(p, g, m, v);
    if (native) return native.adam(p as Float32Array, g as Float32Array, m as Float32Array, v as Float32Array, f, lr, wd, b1, b2, eps, bc1, bc2);
    const n = p.length;
    for (let i = 0; i < n; i++) {
      const gi = f * g[i] + wd * p[i];
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (lr * (mi / bc1)) / (Math.sqrt(vi / bc2) + eps);
    }
  },
};
