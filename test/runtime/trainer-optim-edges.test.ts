// The edges of the training loop's optimizers and schedules that the mutation run
// (npm run mutate, MUTATE_SCOPE=training) found untested: the exact bounds of each
// hyper-parameter, every error message, the native SGD step's gradient scale, and the
// checks of a restored schedule or early-stopping state.
import { describe, expect, it } from 'vitest';
import { createOptimizer, OptimizerError, type OptimizerHyper, type OptimizerKind } from '../../src/runtime/optim/optimizers.ts';
import { EarlyStopping, LrSchedule, ScheduleError, type EarlyStoppingState, type ScheduleSpec, type ScheduleState } from '../../src/runtime/optim/schedule.ts';

describe('optimizer hyper-parameters: the bounds are exactly the documented ones', () => {
  it.each([
    ['rmsprop', { momentum: 0 }],
    ['rmsprop', { alpha: 0 }],
    ['adam', { beta1: 0, beta2: 0 }],
    ['adam', { eps: 0 }],
    ['sgd', { weightDecay: 0 }],
  ] as [OptimizerKind, OptimizerHyper][])('%s %o is accepted', (kind, hyper) => {
    expect(() => createOptimizer(kind, hyper, 2)).not.toThrow();
  });

  it.each([
    ['rmsprop', { momentum: -0.5 }, 'rmsprop: momentum must be in [0, 1) (got -0.5)'],
    ['rmsprop', { alpha: -0.1 }, 'rmsprop: alpha must be in [0, 1) (got -0.1)'],
    ['adam', { beta1: -0.1 }, 'adam: beta1 must be in [0, 1) (got -0.1)'],
    ['adam', { beta2: -0.1 }, 'adam: beta2 must be in [0, 1) (got -0.1)'],
    ['adam', { eps: -1 }, 'adam: eps must be ≥ 0 (got -1)'],
    ['momentum', { momentum: 0 }, 'momentum: momentum must be > 0 (got 0)'],
  ] as [OptimizerKind, OptimizerHyper, string][])('%s %o: %s', (kind, hyper, message) => {
    expect(() => createOptimizer(kind, hyper, 2)).toThrow(new OptimizerError(message));
  });

  it('the other messages, word for word', () => {
    expect(() => createOptimizer('lbfgs' as OptimizerKind, {}, 1)).toThrow(new OptimizerError("unknown optimizer 'lbfgs' (expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam, nt-asgd)"));
    expect(() => createOptimizer('sgd', {}, -1)).toThrow(new OptimizerError('optimizer size must be a non-negative integer (got -1)'));
    const opt = createOptimizer('adam', {}, 2);
    expect(() => opt.step(new Float32Array(2), new Float32Array(2), 0.1, Infinity)).toThrow(new OptimizerError('adam.step: the gradient scale must be finite (got Infinity)'));
    const state = opt.state();
    expect(() => opt.load({ ...state, step: -1 })).toThrow(new OptimizerError('optimizer state: step must be a non-negative integer (got -1)'));
    expect(() => opt.load({ ...state, tensors: { exp_avg: new Float32Array(2) } })).toThrow(new OptimizerError('adam optimizer state: expected buffers [exp_avg, exp_avg_sq], got [exp_avg]'));
    // Two wrong buffers: the list of what was found is separated as the expected one is.
    const two = { exp_avg: new Float32Array(2), momentum_buffer: new Float32Array(2) };
    expect(() => opt.load({ ...state, tensors: two })).toThrow(new OptimizerError('adam optimizer state: expected buffers [exp_avg, exp_avg_sq], got [exp_avg, momentum_buffer]'));
  });
});

describe('the gradient scale reaches every path of the update', () => {
  it('sgd without weight decay (the native axpy on float32, the JavaScript loop on float64): θ − η·f·g', () => {
    for (const Float of [Float32Array, Float64Array]) {
      const p = Float.from([1, -2, 0.5]);
      const opt = createOptimizer<Float32Array | Float64Array>('sgd', {}, 3, Float as new (n: number) => Float32Array | Float64Array);
      opt.step(p, Float.from([0.5, 1, -2]), 0.1, 0.25);
      expect(Array.from(p)).toEqual([1 - 0.1 * 0.125, -2 - 0.1 * 0.25, 0.5 + 0.1 * 0.5].map((x) => (Float === Float32Array ? Math.fround(x) : x)));
    }
  });

  it('adam on float64 arenas (the JavaScript loop): the first step is η·sign(g)', () => {
    const p = Float64Array.from([1, -1]);
    createOptimizer('adam', {}, 2, Float64Array).step(p, Float64Array.from([3, -0.5]), 0.1, 2);
    expect(Math.abs(p[0] - 0.9)).toBeLessThan(1e-8);
    expect(Math.abs(p[1] + 0.9)).toBeLessThan(1e-8);
  });
});

describe('schedule and early-stopping bounds and restored states', () => {
  it('decay factor 1 is allowed (no decay); plateau factor and threshold must be in range', () => {
    expect(new LrSchedule(1, { kind: 'decay', factor: 1, after: 0 }).endEpoch()).toBe(1);
    for (const factor of [0, -0.5]) expect(() => new LrSchedule(1, { kind: 'plateau', factor })).toThrow(new ScheduleError(`plateau factor must be in (0, 1) (got ${factor}; to divide by 4, use 0.25)`));
    expect(() => new LrSchedule(1, { kind: 'plateau', factor: 0.5, threshold: -0.1 })).toThrow(new ScheduleError('plateau threshold must be in [0, 1) (got -0.1)'));
    expect(() => new LrSchedule(1, { kind: 'plateau', factor: 0.5, threshold: 0 } as ScheduleSpec)).not.toThrow();
  });

  const good: ScheduleState = { epoch: 1, lr: 1, best: null, bad: 0 };
  it.each([
    ['undefined', undefined],
    ['a number', 5],
    ['lr as a string', { ...good, lr: '1' }],
    ['bad < 0', { ...good, bad: -1 }],
  ])('LrSchedule.load refuses %s', (_, state) => {
    expect(() => new LrSchedule(1).load(state as unknown as ScheduleState)).toThrow(new ScheduleError(`malformed schedule state ${JSON.stringify(state)}`));
  });

  const es: EarlyStoppingState = { best: null, bestEpoch: 0, bad: 0, epoch: 0 };
  it.each([
    ['null', null],
    ['undefined', undefined],
    ['best as a string', { ...es, best: 'x' }],
    ['epoch < 0', { ...es, epoch: -1 }],
  ])('EarlyStopping.load refuses %s', (_, state) => {
    expect(() => new EarlyStopping(2).load(state as unknown as EarlyStoppingState)).toThrow(new ScheduleError(`malformed early-stopping state ${JSON.stringify(state)}`));
  });

  it('a good early-stopping state loads (best a number or null)', () => {
    const e = new EarlyStopping(2);
    e.load({ ...es, best: 3, bestEpoch: 1, epoch: 1 });
    expect(e.update(3.5)).toEqual({ improved: false, stop: false });
    expect(e.update(2)).toEqual({ improved: true, stop: false });
  });
});
