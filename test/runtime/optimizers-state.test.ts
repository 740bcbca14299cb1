// Optimizers' state (save, load, resume), their refusals of bad hyper-parameters, and the
// gradient scale the trainer hands them; the update rules are in optimizers.test.ts.
import { describe, expect, it } from 'vitest';
import { createOptimizer, OPTIMIZER_KINDS, OptimizerError, type OptimizerHyper, type OptimizerKind, type OptimizerState } from '../../src/runtime/optim/optimizers.ts';


import { GRADS, P0 } from './optimizer-fixtures.ts';

describe('optimizers: state save / load', () => {
  const copyState = (s: OptimizerState): OptimizerState => ({
    kind: s.kind,
    step: s.step,
    tensors: Object.fromEntries(Object.entries(s.tensors).map(([k, v]) => [k, v.slice()])),
  });
  const configs: [OptimizerKind, OptimizerHyper][] = [
    ['sgd', { weightDecay: 0.01 }],
    ['momentum', {}],
    ['nesterov', { weightDecay: 0.01 }],
    ['adagrad', {}],
    ['rmsprop', { centered: true, momentum: 0.7 }],
    ['adam', { weightDecay: 0.01 }],
  ];

  for (const [kind, hyper] of configs) {
    it(`${kind}: continuing from a loaded state gives bit-identical parameters and state`, () => {
      const a = createOptimizer(kind, hyper, 5);
      const pa = Float32Array.from(P0);
      a.step(pa, Float32Array.from(GRADS[0]), 0.05);
      a.step(pa, Float32Array.from(GRADS[1]), 0.05);
      const saved = copyState(a.state());
      expect(saved.step).toBe(2);
      const pSaved = pa.slice();
      a.step(pa, Float32Array.from(GRADS[2]), 0.05);
      a.step(pa, Float32Array.from(GRADS[0]), 0.02);

      const b = createOptimizer(kind, hyper, 5);
      b.load(saved);
      expect(b.stepCount).toBe(2);
      const pb = pSaved.slice();
      b.step(pb, Float32Array.from(GRADS[2]), 0.05);
      b.step(pb, Float32Array.from(GRADS[0]), 0.02);
      expect(Array.from(pb)).toEqual(Array.from(pa));
      expect(copyState(b.state())).toEqual(copyState(a.state()));

      // A fresh optimizer (no state) from the same parameters does not follow the same path,
      // except for stateless SGD: so the test above depends on the loaded state.
      const c = createOptimizer(kind, hyper, 5);
      const pc = pSaved.slice();
      c.step(pc, Float32Array.from(GRADS[2]), 0.05);
      c.step(pc, Float32Array.from(GRADS[0]), 0.02);
      if (kind === 'sgd') expect(Array.from(pc)).toEqual(Array.from(pa));
      else expect(Array.from(pc)).not.toEqual(Array.from(pa));
    });
  }

  it('adam: the step count is part of the state (bias correction)', () => {
    const a = createOptimizer('adam', {}, 5);
    const p = Float32Array.from(P0);
    a.step(p, Float32Array.from(GRADS[0]), 0.1);
    const s = copyState(a.state());
    const b = createOptimizer('adam', {}, 5);
    b.load({ ...s, step: 7 });
    const pa = p.slice();
    const pb = p.slice();
    a.step(pa, Float32Array.from(GRADS[1]), 0.1);
    b.step(pb, Float32Array.from(GRADS[1]), 0.1);
    expect(Array.from(pb)).not.toEqual(Array.from(pa));
  });

  it('load copies the buffers (the saved state may be reused or changed afterwards)', () => {
    const a = createOptimizer('momentum', {}, 3);
    const p = new Float32Array([1, 2, 3]);
    a.step(p, new Float32Array([1, 1, 1]), 0.1);
    const saved = copyState(a.state());
    const b = createOptimizer('momentum', {}, 3);
    b.load(saved);
    saved.tensors.momentum_buffer.fill(42);
    expect(Array.from(b.state().tensors.momentum_buffer)).toEqual([1, 1, 1]);
  });

  it('rejects a state of another kind, size or set of buffers', () => {
    const adam = createOptimizer('adam', {}, 4);
    const s = copyState(adam.state());
    expect(() => createOptimizer('rmsprop', {}, 4).load(s)).toThrow(/cannot load adam optimizer state into a rmsprop optimizer/);
    expect(() => createOptimizer('adam', {}, 5).load(s)).toThrow(/'exp_avg' has 4 floats, the model has 5 parameters/);
    expect(() => adam.load({ ...s, tensors: { exp_avg: s.tensors.exp_avg } })).toThrow(/expected buffers \[exp_avg, exp_avg_sq\], got \[exp_avg\]/);
    expect(() => adam.load({ ...s, step: -1 })).toThrow(OptimizerError);
    expect(() => adam.load({ ...s, step: 1.5 })).toThrow(OptimizerError);
    const centered = createOptimizer('rmsprop', { centered: true }, 4);
    expect(() => centered.load(copyState(createOptimizer('rmsprop', {}, 4).state()))).toThrow(/grad_avg/);
  });
});

describe('optimizers: bad hyper-parameters and arguments throw', () => {
  const bad: [OptimizerKind, OptimizerHyper, RegExp][] = [
    ['sgd', { weightDecay: -0.1 }, /weight decay/],
    ['sgd', { weightDecay: NaN }, /weight decay/],
    ['sgd', { weightDecay: Infinity }, /weight decay/],
    ['momentum', { momentum: 0 }, /momentum must be > 0/],
    ['nesterov', { momentum: 0 }, /momentum must be > 0/],
    ['momentum', { momentum: 1 }, /momentum must be in \[0, 1\)/],
    ['momentum', { momentum: -0.5 }, /momentum/],
    ['rmsprop', { momentum: 1.5 }, /momentum/],
    ['rmsprop', { alpha: 1 }, /alpha/],
    ['rmsprop', { alpha: -0.1 }, /alpha/],
    ['adam', { beta1: 1 }, /beta1/],
    ['adam', { beta1: -0.1 }, /beta1/],
    ['adam', { beta2: 1 }, /beta2/],
    ['adam', { beta2: NaN }, /beta2/],
    ['adam', { eps: -1e-8 }, /eps/],
    ['adagrad', { eps: Infinity }, /eps/],
  ];
  for (const [kind, hyper, msg] of bad) {
    it(`${kind} ${JSON.stringify(hyper, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v))}`, () => {
      expect(() => createOptimizer(kind, hyper, 3)).toThrow(OptimizerError);
      expect(() => createOptimizer(kind, hyper, 3)).toThrow(msg);
    });
  }

  it('unknown kinds and bad sizes', () => {
    expect(() => createOptimizer('lbfgs' as OptimizerKind, {}, 3)).toThrow(/unknown optimizer 'lbfgs'/);
    expect(() => createOptimizer('sgd', {}, -1)).toThrow(OptimizerError);
    expect(() => createOptimizer('sgd', {}, 2.5)).toThrow(OptimizerError);
  });

  it('step: arenas of the wrong length, a non-finite or negative learning rate', () => {
    const opt = createOptimizer('sgd', {}, 3);
    const p = new Float32Array(3);
    expect(() => opt.step(new Float32Array(2), new Float32Array(3), 0.1)).toThrow(/expected arenas of 3 floats/);
    expect(() => opt.step(p, new Float32Array(4), 0.1)).toThrow(/expected arenas of 3 floats/);
    expect(() => opt.step(p, new Float32Array(3), NaN)).toThrow(/learning rate/);
    expect(() => opt.step(p, new Float32Array(3), Infinity)).toThrow(/learning rate/);
    expect(() => opt.step(p, new Float32Array(3), -0.1)).toThrow(/learning rate/);
    expect(opt.stepCount).toBe(0);
  });
});

describe('gradient scale (the trainer passes the loss scale and clipping factor here)', () => {
  it('step(p, g, lr, f) is step(p, f·g, lr) for every optimizer, over several steps, with weight decay', () => {
    for (const kind of OPTIMIZER_KINDS) {
      const hyper: OptimizerHyper = { weightDecay: 0.01, ...(kind === 'rmsprop' ? { momentum: 0.5, centered: true } : {}) };
      const a = createOptimizer(kind, hyper, 5), b = createOptimizer(kind, hyper, 5);
      const pa = Float32Array.from([0.5, -1, 2, 0.1, -0.3]), pb = Float32Array.from(pa);
      for (let step = 0; step < 4; step++) {
        const f = [0.25, 1, 3.5, 0.01][step];
        const g = Float32Array.from([1, -2, 0.5, 3, -0.7].map((x) => x * (step + 1)));
        a.step(pa, g, 0.05, f);
        b.step(pb, Float32Array.from(g, (x) => Math.fround(f * x)), 0.05);
        for (let i = 0; i < 5; i++) expect(Math.abs(pa[i] - pb[i]), `${kind} step ${step}`).toBeLessThan(1e-6 * (1 + Math.abs(pb[i])));
      }
      expect(() => a.step(pa, new Float32Array(5), 0.05, NaN)).toThrow(OptimizerError);
    }
  });
});
