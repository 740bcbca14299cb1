// Optimizers against independent float64 re-implementations of the update rules as the
// papers and PyTorch's documentation (torch.optim.*, "Algorithm" boxes) write them, and
// against a few updates worked out by hand.
import { describe, expect, it } from 'vitest';
import { createOptimizer, DEFAULT_LR, OPTIMIZER_KINDS, stateNames, type Optimizer, type OptimizerHyper, type OptimizerKind } from '../../src/runtime/optim/optimizers.ts';

import { GRADS, P0 } from './optimizer-fixtures.ts';

interface RefHyper {
  lr: number;
  weightDecay: number;
  momentum: number;
  alpha: number;
  centered: boolean;
  beta1: number;
  beta2: number;
  eps: number;
}

/** PyTorch's documented defaults (torch 2.x), written out here rather than read from the code. */
function torchDefaults(kind: OptimizerKind): Omit<RefHyper, 'lr'> {
  return {
    weightDecay: 0,
    momentum: kind === 'momentum' || kind === 'nesterov' ? 0.9 : 0,
    alpha: 0.99,
    centered: false,
    beta1: 0.9,
    beta2: 0.999,
    eps: kind === 'adagrad' ? 1e-10 : 1e-8,
  };
}

/**
 * Float64 reference: `steps` updates of `p0` with the gradients of GRADS, following the
 * algorithm boxes of the PyTorch docs. Momentum is written in Sutskever et al.'s form
 * (v ← μv − ηg; θ ← θ + v), which gives the same iterates as PyTorch's at a constant rate.
 * Adam uses PyTorch's implementation form (step size lr / bc1, denominator √v / √bc2 + ε).
 */
function reference(kind: OptimizerKind, h: RefHyper, p0: number[], grads: number[][]): number[][] {
  const n = p0.length;
  const p = [...p0];
  const buf = new Array<number>(n).fill(0);
  const sq = new Array<number>(n).fill(0);
  const gavg = new Array<number>(n).fill(0);
  const out: number[][] = [];
  grads.forEach((graw, step) => {
    const t = step + 1;
    for (let i = 0; i < n; i++) {
      const g = graw[i] + h.weightDecay * p[i];
      switch (kind) {
        case 'sgd':
          p[i] = p[i] - h.lr * g;
          break;
        case 'momentum':
          // Sutskever: v ← μ v − η g; θ ← θ + v (buf holds v).
          buf[i] = h.momentum * buf[i] - h.lr * g;
          p[i] = p[i] + buf[i];
          break;
        case 'nesterov': {
          // PyTorch: b_t = g (t = 1) or μ b_{t−1} + g; g ← g + μ b_t; θ ← θ − γ g.
          buf[i] = t === 1 ? g : h.momentum * buf[i] + g;
          p[i] = p[i] - h.lr * (g + h.momentum * buf[i]);
          break;
        }
        case 'adagrad':
          sq[i] += g * g;
          p[i] = p[i] - (h.lr * g) / (Math.sqrt(sq[i]) + h.eps);
          break;
        case 'rmsprop': {
          sq[i] = h.alpha * sq[i] + (1 - h.alpha) * g * g;
          let v = sq[i];
          if (h.centered) {
            gavg[i] = h.alpha * gavg[i] + (1 - h.alpha) * g;
            v = v - gavg[i] * gavg[i];
          }
          if (h.momentum > 0) {
            buf[i] = h.momentum * buf[i] + g / (Math.sqrt(v) + h.eps);
            p[i] = p[i] - h.lr * buf[i];
          } else p[i] = p[i] - (h.lr * g) / (Math.sqrt(v) + h.eps);
          break;
        }
        case 'adam': {
          buf[i] = h.beta1 * buf[i] + (1 - h.beta1) * g; // m
          sq[i] = h.beta2 * sq[i] + (1 - h.beta2) * g * g; // v
          const bc1 = 1 - h.beta1 ** t;
          const bc2 = 1 - h.beta2 ** t;
          const stepSize = h.lr / bc1;
          const denom = Math.sqrt(sq[i]) / Math.sqrt(bc2) + h.eps;
          p[i] = p[i] - stepSize * (buf[i] / denom);
          break;
        }
      }
    }
    out.push([...p]);
  });
  return out;
}

function run(kind: OptimizerKind, hyper: OptimizerHyper, lr: number, p0: number[], grads: number[][]): { opt: Optimizer; traj: number[][] } {
  const opt = createOptimizer(kind, hyper, p0.length);
  const p = Float32Array.from(p0);
  const traj: number[][] = [];
  for (const g of grads) {
    opt.step(p, Float32Array.from(g), lr);
    traj.push(Array.from(p));
  }
  return { opt, traj };
}

/** |got − want| ≤ rel·|want| + abs, element by element, with the index in the message. */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel = 1e-6, abs = 1e-9, what = ''): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= rel * Math.abs(want[i]) + abs)) {
      throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (error ${err.toExponential(2)})`);
    }
  }
}

interface Case {
  name: string;
  kind: OptimizerKind;
  lr: number;
  hyper: OptimizerHyper;
}

const CASES: Case[] = [
  { name: 'sgd', kind: 'sgd', lr: 0.1, hyper: {} },
  { name: 'sgd + weight decay', kind: 'sgd', lr: 0.1, hyper: { weightDecay: 0.05 } },
  { name: 'momentum (μ = 0.9 default)', kind: 'momentum', lr: 0.1, hyper: {} },
  { name: 'momentum μ = 0.5 + weight decay', kind: 'momentum', lr: 0.05, hyper: { momentum: 0.5, weightDecay: 0.1 } },
  { name: 'nesterov (μ = 0.9 default)', kind: 'nesterov', lr: 0.1, hyper: {} },
  { name: 'nesterov μ = 0.7 + weight decay', kind: 'nesterov', lr: 0.05, hyper: { momentum: 0.7, weightDecay: 0.1 } },
  { name: 'adagrad', kind: 'adagrad', lr: 0.1, hyper: {} },
  { name: 'adagrad, eps 0.5 (outside the root)', kind: 'adagrad', lr: 0.1, hyper: { eps: 0.5, weightDecay: 0.01 } },
  { name: 'rmsprop', kind: 'rmsprop', lr: 0.01, hyper: {} },
  { name: 'rmsprop α = 0.9, eps 0.1', kind: 'rmsprop', lr: 0.01, hyper: { alpha: 0.9, eps: 0.1 } },
  { name: 'rmsprop centered', kind: 'rmsprop', lr: 0.01, hyper: { centered: true } },
  { name: 'rmsprop momentum 0.8', kind: 'rmsprop', lr: 0.01, hyper: { momentum: 0.8 } },
  { name: 'rmsprop centered + momentum + weight decay', kind: 'rmsprop', lr: 0.01, hyper: { centered: true, momentum: 0.8, alpha: 0.9, weightDecay: 0.1 } },
  { name: 'adam', kind: 'adam', lr: 0.1, hyper: {} },
  { name: 'adam β = (0.5, 0.9), eps 0.2', kind: 'adam', lr: 0.1, hyper: { beta1: 0.5, beta2: 0.9, eps: 0.2 } },
  { name: 'adam + L2 weight decay (not decoupled)', kind: 'adam', lr: 0.1, hyper: { weightDecay: 0.2 } },
];

describe('optimizers: three steps against the documented update rule in float64', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const h: RefHyper = { ...torchDefaults(c.kind), ...(c.hyper as Partial<RefHyper>), lr: c.lr };
      const want = reference(c.kind, h, P0, GRADS);
      const { opt, traj } = run(c.kind, c.hyper, c.lr, P0, GRADS);
      for (let s = 0; s < 3; s++) {
        expectClose(traj[s], want[s], 1e-6, 1e-9, `${c.name} step ${s + 1}`);
        // The displacement from the start, so that a small update is not lost in |θ|.
        const dGot = traj[s].map((v, i) => v - Math.fround(P0[i]));
        const dWant = want[s].map((v, i) => v - P0[i]);
        expectClose(dGot, dWant, 2e-5, 1e-7, `${c.name} Δ step ${s + 1}`);
      }
      expect(opt.stepCount).toBe(3);
    });
  }
});

describe('optimizers: updates worked out by hand', () => {
  const p0 = [1, -2, 0.5];
  const g = [0.5, -0.25, 2];

  it('sgd: θ − η·g', () => {
    const { traj } = run('sgd', {}, 0.1, p0, [g]);
    expectClose(traj[0], [1 - 0.05, -2 + 0.025, 0.5 - 0.2]);
  });

  it('sgd with weight decay λ: θ − η·(g + λθ)', () => {
    const { traj } = run('sgd', { weightDecay: 0.1 }, 0.1, p0, [g]);
    // g + λθ = [0.6, -0.45, 2.05]
    expectClose(traj[0], [1 - 0.06, -2 + 0.045, 0.5 - 0.205]);
  });

  it('momentum: a constant gradient moves θ by η·g, then η·(1 + μ)·g', () => {
    const { traj } = run('momentum', { momentum: 0.9 }, 0.1, p0, [g, g]);
    expectClose(traj[0], p0.map((p, i) => p - 0.1 * g[i]));
    expectClose(traj[1], p0.map((p, i) => p - 0.1 * g[i] - 0.1 * 1.9 * g[i]));
  });

  it('nesterov: the first step is η·(1 + μ)·g', () => {
    const { traj } = run('nesterov', { momentum: 0.9 }, 0.1, p0, [g]);
    expectClose(traj[0], p0.map((p, i) => p - 0.1 * 1.9 * g[i]));
  });

  it('adagrad and adam: the first step is η·sign(g) (up to ε)', () => {
    for (const kind of ['adagrad', 'adam'] as const) {
      const { traj } = run(kind, {}, 0.1, p0, [g]);
      expectClose(traj[0], p0.map((p, i) => p - 0.1 * Math.sign(g[i])), 1e-6, 1e-7, kind);
    }
  });

  it('adagrad: the second step of a constant gradient is η·sign(g)/√2', () => {
    const { traj } = run('adagrad', {}, 0.1, p0, [g, g]);
    expectClose(traj[1], p0.map((p, i) => p - 0.1 * Math.sign(g[i]) * (1 + Math.SQRT1_2)), 1e-6, 1e-7);
  });

  it('adam: bias correction keeps a constant gradient at η·sign(g) per step', () => {
    // m̂ = g and v̂ = g² at every t when g is constant.
    const { traj } = run('adam', {}, 0.01, p0, [g, g, g]);
    expectClose(traj[2], p0.map((p, i) => p - 0.03 * Math.sign(g[i])), 1e-6, 1e-7);
  });

  it('rmsprop (α = 0.99): the first step is η·g/√(0.01·g²) = 10·η·sign(g)', () => {
    const { traj } = run('rmsprop', {}, 0.001, p0, [g]);
    expectClose(traj[0], p0.map((p, i) => p - 0.01 * Math.sign(g[i])), 1e-6, 1e-7);
  });

  it('rmsprop centered: the first step divides by √(0.01·g² − 0.0001·g²)', () => {
    const { traj } = run('rmsprop', { centered: true }, 0.001, p0, [g]);
    expectClose(traj[0], p0.map((p, i) => p - (0.001 * Math.sign(g[i])) / Math.sqrt(0.0099)), 1e-6, 1e-7);
  });

  it('the learning rate is the one passed to each step (PyTorch form: η outside the buffers)', () => {
    // momentum, η₁ = 0.1 then η₂ = 0.01, constant g: v₁ = g, v₂ = (1 + μ)g.
    const opt = createOptimizer('momentum', { momentum: 0.5 }, 3);
    const p = Float32Array.from(p0);
    opt.step(p, Float32Array.from(g), 0.1);
    opt.step(p, Float32Array.from(g), 0.01);
    expectClose(p, p0.map((q, i) => q - 0.1 * g[i] - 0.01 * 1.5 * g[i]));
  });

  it('lr 0 leaves the parameters unchanged but advances the state', () => {
    const opt = createOptimizer('adam', {}, 3);
    const p = Float32Array.from(p0);
    opt.step(p, Float32Array.from(g), 0);
    expect(Array.from(p)).toEqual(Array.from(Float32Array.from(p0)));
    expect(opt.stepCount).toBe(1);
    expect(Array.from(opt.state().tensors.exp_avg)).toEqual(Array.from(Float32Array.from(g.map((x) => 0.1 * x))));
  });
});

describe('optimizers: bookkeeping', () => {
  it('PyTorch defaults are filled in', () => {
    expect(createOptimizer('adam', {}, 1).hyper).toEqual({ weightDecay: 0, momentum: 0, alpha: 0.99, centered: false, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expect(createOptimizer('adagrad', {}, 1).hyper.eps).toBe(1e-10);
    expect(createOptimizer('rmsprop', {}, 1).hyper.eps).toBe(1e-8);
    expect(createOptimizer('momentum', {}, 1).hyper.momentum).toBe(0.9);
    expect(createOptimizer('nesterov', {}, 1).hyper.momentum).toBe(0.9);
    expect(DEFAULT_LR).toEqual({ sgd: 1e-3, momentum: 1e-3, nesterov: 1e-3, adagrad: 1e-2, rmsprop: 1e-2, adam: 1e-3, 'nt-asgd': 1e-3 });
  });

  it('state buffers carry PyTorch state names', () => {
    expect(stateNames('sgd')).toEqual([]);
    expect(stateNames('momentum')).toEqual(['momentum_buffer']);
    expect(stateNames('nesterov')).toEqual(['momentum_buffer']);
    expect(stateNames('adagrad')).toEqual(['sum']);
    expect(stateNames('rmsprop')).toEqual(['square_avg']);
    expect(stateNames('rmsprop', { centered: true, momentum: 0.5 })).toEqual(['square_avg', 'grad_avg', 'momentum_buffer']);
    expect(stateNames('adam')).toEqual(['exp_avg', 'exp_avg_sq']);
  });

  it('the gradient arena is never modified', () => {
    for (const kind of OPTIMIZER_KINDS) {
      const opt = createOptimizer(kind, { weightDecay: 0.1, centered: true, momentum: 0.5 }, 5);
      const p = Float32Array.from(P0);
      const g = Float32Array.from(GRADS[0]);
      const copy = g.slice();
      opt.step(p, g, 0.1);
      opt.step(p, g, 0.1);
      expect(g, kind).toEqual(copy);
    }
  });

  it('an empty arena is fine', () => {
    const opt = createOptimizer('adam', {}, 0);
    opt.step(new Float32Array(0), new Float32Array(0), 0.1);
    expect(opt.stepCount).toBe(1);
  });
});
