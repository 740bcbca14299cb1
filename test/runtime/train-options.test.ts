// resolveTrainOptions: the defaults of a library train() call, each bound itself accepted,
// and the refusals trainer-loop.test.ts does not already pin.
import { describe, expect, it } from 'vitest';
import { resolveTrainOptions } from '../../src/runtime/train/train-options.ts';
import { DEFAULT_LR } from '../../src/runtime/optim/optimizers.ts';
import { DEFAULT_NONMONO } from '../../src/runtime/optim/nt-asgd.ts';

describe('resolveTrainOptions', () => {
  it('defaults: Adam at 2e-3, batch 32 × bptt 64, clip 5, one epoch when no budget is given', () => {
    expect(resolveTrainOptions({})).toEqual({
      batch: 32, bptt: 64, optimizer: 'adam', lr: 2e-3, clip: 5, weightDecay: 0, hyper: {}, lossScale: 'mean',
      schedule: { kind: 'constant' }, epochs: 1, steps: null, minutes: null, evalEvery: 0, patience: 0, evalBatch: 16,
      seed: 0, nonmono: DEFAULT_NONMONO, averageAt: null, matmul: 'float32', bf16After: 0, shiftWindows: false, averageWindow: null,
    });
    expect(resolveTrainOptions({ steps: 5 })).toMatchObject({ epochs: null, steps: 5 });
    expect(resolveTrainOptions({ minutes: 0.5 })).toMatchObject({ epochs: null, minutes: 0.5 });
    expect(resolveTrainOptions({ optimizer: 'sgd' }).lr).toBe(DEFAULT_LR.sgd);
    expect(resolveTrainOptions({ optimizer: 'nt-asgd' }).lr).toBe(DEFAULT_LR['nt-asgd']);
  });

  it('accepts each bound itself', () => {
    expect(() => resolveTrainOptions({ batch: 1, bptt: 1, evalBatch: 1, epochs: 1, steps: 1, minutes: 1e-3, clip: 0, evalEvery: 0, patience: 0, nonmono: 0, averageAt: 0 })).not.toThrow();
    expect(() => resolveTrainOptions({ averageAt: 1, lr: 1e-9 })).not.toThrow();
  });

  // The refusals of batch, bptt, eval batch, epochs, steps, minutes, lr, clip, eval-every and
  // patience are in trainer-loop.test.ts; these are the rest.
  const refused: [Parameters<typeof resolveTrainOptions>[0], string][] = [
    [{ minutes: NaN }, 'minutes must be > 0 (got NaN)'],
    [{ batch: 0 }, 'batch must be a positive integer (got 0)'],
    [{ nonmono: -1 }, 'nonmono must be an integer ≥ 0 (got -1)'],
    [{ nonmono: 2.5 }, 'nonmono must be an integer ≥ 0 (got 2.5)'],
    [{ averageAt: -0.1 }, 'average-at must be a fraction of the budget in [0, 1] (got -0.1)'],
    [{ averageAt: 1.1 }, 'average-at must be a fraction of the budget in [0, 1] (got 1.1)'],
    [{ shiftWindows: 'yes' as unknown as boolean }, 'shiftWindows must be true or false (got yes)'],
  ];
  for (const [o, message] of refused) {
    it(`refuses ${JSON.stringify(o)}`, () => expect(() => resolveTrainOptions(o)).toThrow(new RangeError(message)));
  }
});
