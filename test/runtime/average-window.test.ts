// The moving average (averageWindow, --average-window): the k-th averaged step weighs 1/min(k, W),
// so the first W steps give their plain mean and later ones an exponential moving average with
// decay 1 − 1/W. Oracle: the weights of every iterate written out by hand (float64), against the
// optimizer's running update; and the trainer resumed across the window's end, bit for bit.
import { describe, expect, it } from 'vitest';
import { createOptimizer } from '../../src/runtime/optim/optimizers.ts';
import { averageInto } from '../../src/runtime/optim/nt-asgd.ts';
import { resolveTrainOptions } from '../../src/runtime/train/train-options.ts';
import { catCorpus } from './cat-corpus.ts';
import { continuedRun } from './continued-run.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';

/** The weight of each of the first k iterates in the average after k steps, window W: written out. */
function weights(k: number, W: number): number[] {
  const w: number[] = [];
  for (let j = 1; j <= k; j++) {
    if (j <= W) w.splice(0, w.length, ...Array(j).fill(1 / j)); // the plain mean of the first j
    else {
      for (let i = 0; i < w.length; i++) w[i] *= 1 - 1 / W; // older ones fade by 1 − 1/W
      w.push(1 / W);
    }
  }
  return w;
}

describe('averageInto with a window', () => {
  it('the mean for k ≤ W, then each new iterate weighs 1/W and the rest fade by 1 − 1/W', () => {
    const iterates = [[1, -2], [4, 0], [-3, 5], [2, 2], [7, -1], [0, 3], [5, 5]].map((p) => Float64Array.from(p));
    for (const W of [1, 2, 3, Infinity]) {
      const ax = new Float64Array(2);
      iterates.forEach((p, j) => {
        averageInto(ax, p, j + 1, W);
        const w = weights(j + 1, W);
        expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14); // a weighted mean
        for (let i = 0; i < 2; i++) expect(ax[i], `W ${W}, k ${j + 1}`).toBeCloseTo(w.reduce((s, wj, jj) => s + wj * iterates[jj][i], 0), 12);
      });
    }
    // W = 3 after 5 steps, by hand: mean of the first 3 = (2/3, 1), then ×2/3 + p/3 twice.
    const ax = new Float64Array(2);
    iterates.slice(0, 5).forEach((p, j) => averageInto(ax, p, j + 1, 3));
    const a4 = [(2 / 3) * (2 / 3) + 2 / 3, (2 / 3) * 1 + 2 / 3];
    expect(ax[0]).toBeCloseTo((2 / 3) * a4[0] + 7 / 3, 14);
    expect(ax[1]).toBeCloseTo((2 / 3) * a4[1] - 1 / 3, 14);
  });

  it('the optimizer averages with its window from the switch on, and its state resumes it', () => {
    const n = 3, W = 2;
    const grads = (t: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(t + i));
    const run = (steps: number, resumeAt?: number) => {
      let opt = createOptimizer('sgd', {}, n, Float64Array, W);
      const p = Float64Array.from([0.5, -1, 2]);
      const seen: Float64Array[] = [];
      for (let t = 1; t <= steps; t++) {
        if (t === 3) opt.startAveraging!(); // after step 2
        opt.step(p, grads(t), 0.1);
        if (t >= 3) seen.push(p.slice());
        if (t === resumeAt) {
          const s = structuredClone(opt.state());
          opt = createOptimizer('sgd', {}, n, Float64Array, W);
          opt.load(s);
        }
      }
      return { ax: opt.averaged!()!, seen };
    };
    const { ax, seen } = run(8);
    const w = weights(seen.length, W);
    for (let i = 0; i < n; i++) expect(ax[i]).toBeCloseTo(w.reduce((s, wj, j) => s + wj * seen[j][i], 0), 12);
    expect(Array.from(run(8, 5).ax)).toEqual(Array.from(ax)); // saved and loaded mid-average: the same bits
    expect(() => createOptimizer('sgd', {}, n, Float64Array, 0.5)).toThrow('the averaging window must be ≥ 1 step (got 0.5)');
  });
});

describe('averageWindow in the trainer', () => {
  it('refuses a window ≤ 0 and a window without averaging', () => {
    expect(() => resolveTrainOptions({ averageAt: 0.5, averageWindow: 0 })).toThrow('average-window must be a number of epochs > 0 (got 0)');
    expect(() => resolveTrainOptions({ averageWindow: 1 })).toThrow('average-window weighs the averaged steps; it needs averaging (average-at, or the nt-asgd optimizer)');
    expect(resolveTrainOptions({ optimizer: 'nt-asgd', averageWindow: 1 }).averageWindow).toBe(1);
  });

  const { vocab, train, valid } = catCorpus(30);
  const run = async (opts: TrainOptions, from?: Trainer) => (await continuedRun(vocab, { train, valid }, { averageAt: 0, ...opts }, from)).t;

  it('windows W = round(epochs × steps per epoch); differs from the plain mean past W; resumes across W exactly', async () => {
    const epochSteps = (await run({ steps: 1 })).batches.count;
    const window = 4 / epochSteps; // 4 steps
    const plain = await run({ steps: 9 });
    const moving = await run({ steps: 9, averageWindow: window });
    const upToW = await run({ steps: 4, averageWindow: window });
    const plainUpToW = await run({ steps: 4 });
    expect(upToW.optimizer.averaged!()).toEqual(plainUpToW.optimizer.averaged!()); // the mean until W
    expect(moving.model.params).toEqual(plain.model.params); // training reads the raw weights alone
    expect(moving.optimizer.averaged!()).not.toEqual(plain.optimizer.averaged!());
    const head = await run({ steps: 3, averageWindow: window });
    const tail = await run({ steps: 9, averageWindow: window }, head);
    expect(tail.optimizer.averaged!()).toEqual(moving.optimizer.averaged!());
  });
});
