// NT-ASGD (optim/nt-asgd.ts): the average against a hand computation, the non-monotone
// trigger against constructed validation sequences, and a run saved and resumed through a
// checkpoint before and after the switch, bit for bit equal to one that never stopped.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOptimizer } from '../../src/runtime/optim/optimizers.ts';
import { NonMonotoneTrigger } from '../../src/runtime/optim/nt-asgd.ts';
import { compile, type LanguageModel } from '../../src/runtime/model.ts';
import { catCorpus } from './cat-corpus.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';

describe('nt-asgd: the average', () => {
  // θ₀ = 0, lr 0.5, gradients e₁, e₂, e₃, (1,1,1), (−2,0,4): by hand θ₁ = (−½,0,0),
  // θ₂ = (−½,−½,0), θ₃ = (−½,−½,−½), θ₄ = (−1,−1,−1), θ₅ = (0,−1,−3). Averaging from step 2
  // on: ax after step 5 = (θ₃ + θ₄ + θ₅)/3 = (−1.5, −2.5, −4.5)/3 = (−½, −5/6, −3/2).
  const grads = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
    [1, 1, 1],
    [-2, 0, 4],
  ];
  it('is the mean of the iterates after each step since the switch; θ itself follows plain SGD', () => {
    const opt = createOptimizer('nt-asgd', {}, 3, Float64Array);
    const p = new Float64Array(3);
    const seen: (Float64Array | null)[] = [];
    grads.forEach((g, k) => {
      if (k === 2) opt.startAveraging!();
      opt.step(p, Float64Array.from(g), 0.5);
      seen.push(opt.averaged!() && opt.averaged!()!.slice());
    });
    expect(Array.from(p)).toEqual([0, -1, -3]);
    expect(seen[0]).toBeNull();
    expect(seen[1]).toBeNull();
    expect(Array.from(seen[2]!)).toEqual([-0.5, -0.5, -0.5]); // one iterate: itself
    expect(Array.from(seen[3]!)).toEqual([-0.75, -0.75, -0.75]); // (θ₃ + θ₄)/2
    const ax = seen[4]!;
    expect(ax[0]).toBe(-0.5);
    expect(ax[1]).toBeCloseTo(-5 / 6, 15);
    expect(ax[2]).toBe(-1.5);
    expect(opt.state().averageFrom).toBe(2);
  });

  it('state → load continues the average exactly (and a second startAveraging changes nothing)', () => {
    const a = createOptimizer('nt-asgd', {}, 3, Float64Array);
    const pa = new Float64Array(3);
    grads.slice(0, 3).forEach((g, k) => {
      if (k === 1) a.startAveraging!();
      a.step(pa, Float64Array.from(g), 0.5);
    });
    const b = createOptimizer('nt-asgd', {}, 3, Float64Array);
    const s = a.state();
    b.load({ ...s, tensors: { ax: s.tensors.ax.slice() } });
    const pb = pa.slice();
    for (const g of grads.slice(3)) {
      a.step(pa, Float64Array.from(g), 0.5);
      b.startAveraging!();
      b.step(pb, Float64Array.from(g), 0.5);
    }
    expect(Array.from(b.averaged!()!)).toEqual(Array.from(a.averaged!()!));
    expect(Array.from(b.averaged!()!)).toEqual([(-0.5 - 0.5 - 1 + 0) / 4, (-0.5 - 0.5 - 1 - 1) / 4, (0 - 0.5 - 1 - 3) / 4]); // (θ₂ + θ₃ + θ₄ + θ₅)/4
  });

  it('refuses a state whose buffers do not match its averaging', () => {
    const o = createOptimizer('nt-asgd', {}, 3, Float64Array);
    expect(() => o.load({ kind: 'nt-asgd', step: 4, tensors: {}, averageFrom: 2 })).toThrow(/expected buffers \[ax\]/);
    expect(() => o.load({ kind: 'nt-asgd', step: 4, tensors: { ax: new Float64Array(3) }, averageFrom: 5 })).toThrow(/between 0 and 4/);
  });
});

describe('nt-asgd: the non-monotone trigger', () => {
  const fires = (n: number, losses: number[]) => {
    const t = new NonMonotoneTrigger(n);
    return losses.map((v) => t.update(v));
  };
  it('n = 2: fires at the first loss worse than the best before the last two, even if it beats those two', () => {
    // logs before 2.1 are [3, 2, 2.5, 2.4]: the best before the last two is min(3, 2) = 2 < 2.1.
    // 2.4 is not compared with 2 yet: before it, only [3] lies beyond the last two.
    expect(fires(2, [3, 2, 2.5, 2.4, 2.1])).toEqual([false, false, false, false, true]);
  });
  it('needs more than n earlier losses; equal to the best is not worse; NaN is', () => {
    expect(fires(2, [1, 5, 9])).toEqual([false, false, false]);
    expect(fires(0, [2, 2, 1, 1])).toEqual([false, false, false, false]);
    expect(fires(0, [2, 2.5])).toEqual([false, true]);
    expect(fires(1, [2, 3, NaN])).toEqual([false, false, true]);
  });
  it('its log survives JSON (NaN as null) and loading', () => {
    const t = new NonMonotoneTrigger(1);
    t.update(NaN);
    t.update(2);
    const u = new NonMonotoneTrigger(1);
    u.load(JSON.parse(JSON.stringify(t.state())));
    expect(u.update(3)).toBe(false); // the best before the last one is the NaN: nothing to be worse than
    expect(u.update(2.5)).toBe(true); // now 2 is: 2.5 > 2
    expect(() => u.load({ logs: ['x'] } as never)).toThrow(/malformed/);
  });
});

const { vocab, train, valid } = catCorpus(30);
const MODEL = 'test/runtime/models/tiny-dropout.rnn';
const data = { file: null, kind: 'char' as const, train: null, valid: null, split: 0.9, minCount: 1, maxVocab: null };
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('nt-asgd: resumed through a checkpoint, bit for bit', () => {
  // SGD at a rate high enough that validation (every 2 steps) soon stops improving.
  const opts: TrainOptions = { batch: 3, bptt: 8, steps: 24, optimizer: 'nt-asgd', lr: 3, clip: 1, evalEvery: 2, nonmono: 1, seed: 4 };

  async function uninterrupted() {
    const m = compile(MODEL, { vocab }).init(7);
    const t = new Trainer(m, { train, valid }, opts);
    const switches: number[] = [];
    await t.run({ onAveraging: (s) => switches.push(s) });
    return { m, t, switches };
  }

  async function resumed(stop: number): Promise<{ model: LanguageModel; trainer: Trainer; dir: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-ntasgd-'));
    const b = compile(MODEL, { vocab }).init(7);
    const t1 = new Trainer(b, { train, valid }, { ...opts, steps: stop });
    await t1.run();
    saveCheckpoint(dir, { model: b, trainer: t1, data, initSeed: 7, version: 'test' });
    if (t1.averaging) {
      // What eval and sample read: the averaged weights; the raw ones are the trainer's.
      const weightsOnly = loadCheckpoint(dir, { optimizer: false });
      expect(bytes(weightsOnly.model.params).equals(bytes(t1.optimizer.averaged!()!))).toBe(true);
      expect(bytes(b.params).equals(bytes(weightsOnly.model.params))).toBe(false);
      expect(weightsOnly.model.evaluate(valid, { batch: 16, window: 8 }).loss).toBe(t1.validate()!.loss);
    }
    const ck = loadCheckpoint(dir);
    const t2 = new Trainer(ck.model, { train, valid }, { ...ck.config.train!, steps: 24 });
    t2.restore(ck.config.trainer!, ck.optimizer!, ck.carried, ck.trainWeights);
    await t2.run();
    return { model: ck.model, trainer: t2, dir };
  }

  it('interrupted before the switch and after it, both equal the run that never stopped', async () => {
    const a = await uninterrupted();
    expect(a.switches).toHaveLength(1);
    const at = a.switches[0];
    expect(at).toBeGreaterThanOrEqual(4);
    expect(at).toBeLessThanOrEqual(18); // several averaged steps follow
    for (const stop of [at - 2, at + 3]) {
      const r = await resumed(stop);
      try {
        expect(r.trainer.state.step).toBe(24);
        expect(bytes(r.model.params).equals(bytes(a.m.params)), `raw weights, stopped after step ${stop}`).toBe(true);
        expect(bytes(r.trainer.optimizer.averaged!()!).equals(bytes(a.t.optimizer.averaged!()!)), `averaged weights, stopped after step ${stop}`).toBe(true);
        expect(r.trainer.optimizer.state().averageFrom).toBe(at);
        expect(r.trainer.state.curve).toEqual(a.t.state.curve);
      } finally {
        rmSync(r.dir, { recursive: true, force: true });
      }
    }
  });
});

describe('nt-asgd: --average-at, the switch by budget', () => {
  it('averages the iterates after the steps past the fraction of the budget, when validation never fired', async () => {
    const m = compile(MODEL, { vocab }).init(7);
    // nonmono 100: validation cannot fire in 20 steps, so only the budget can.
    const t = new Trainer(m, { train, valid }, { batch: 3, bptt: 8, steps: 20, optimizer: 'nt-asgd', lr: 0.5, clip: 1, evalEvery: 4, nonmono: 100, seed: 4, averageAt: 0.55 });
    const switches: [number, string][] = [];
    const iterates: Float64Array[] = [];
    await t.run({ onAveraging: (s, why) => switches.push([s, why]), onStep: (i) => void (i.step > 11 && iterates.push(Float64Array.from(m.params))) });
    // 0.55 × 20 = 11: the switch after step 11, the mean of the weights after steps 12…20.
    expect(switches).toEqual([[11, 'budget']]);
    expect(iterates).toHaveLength(9);
    const ax = t.optimizer.averaged!()!;
    let worst = 0;
    for (let i = 0; i < ax.length; i++) {
      const mean = iterates.reduce((a, p) => a + p[i], 0) / iterates.length;
      worst = Math.max(worst, Math.abs(ax[i] - mean));
    }
    expect(worst).toBeLessThan(1e-6);
    expect(bytes(Float32Array.from(iterates[8])).equals(bytes(m.params))).toBe(true); // training reads the raw weights
    expect(t.optimizer.state().averageFrom).toBe(11);
  });

  it('does not switch again when validation fired first; refuses fractions outside [0, 1]', async () => {
    const m = compile(MODEL, { vocab }).init(7);
    const t = new Trainer(m, { train, valid }, { batch: 3, bptt: 8, steps: 24, optimizer: 'nt-asgd', lr: 3, clip: 1, evalEvery: 2, nonmono: 1, seed: 4, averageAt: 0.9 });
    const switches: [number, string][] = [];
    await t.run({ onAveraging: (s, why) => switches.push([s, why]) });
    expect(switches).toHaveLength(1);
    expect(switches[0][1]).toBe('validation');
    expect(() => new Trainer(m, { train, valid }, { optimizer: 'nt-asgd', averageAt: 1.5 })).toThrow(/\[0, 1\]/);
  });
});

describe('--average-at with adam: tail averaging beside the moment buffers', () => {
  const opts: TrainOptions = { batch: 3, bptt: 8, steps: 20, optimizer: 'adam', lr: 0.01, clip: 1, evalEvery: 4, seed: 4, averageAt: 0.5 };

  it('averages the iterates after step 10 of 20; Adam itself goes on from the raw weights', async () => {
    const m = compile(MODEL, { vocab }).init(7);
    const t = new Trainer(m, { train, valid }, opts);
    const switches: [number, string][] = [];
    const iterates: Float64Array[] = [];
    await t.run({ onAveraging: (s, why) => switches.push([s, why]), onStep: (i) => void (i.step > 10 && iterates.push(Float64Array.from(m.params))) });
    expect(switches).toEqual([[10, 'budget']]);
    const ax = t.optimizer.averaged!()!;
    let worst = 0;
    for (let i = 0; i < ax.length; i++) worst = Math.max(worst, Math.abs(ax[i] - iterates.reduce((a, p) => a + p[i], 0) / iterates.length));
    expect(worst).toBeLessThan(1e-6);
    // Adam's steps are those of a run that never averages: the average is only beside them.
    const plain = compile(MODEL, { vocab }).init(7);
    await new Trainer(plain, { train, valid }, { ...opts, averageAt: null }).run();
    expect(bytes(plain.params).equals(bytes(m.params))).toBe(true);
    expect(Object.keys(t.optimizer.state().tensors).sort()).toEqual(['ax', 'exp_avg', 'exp_avg_sq']);
  });

  it('resumed through a checkpoint before and after the switch, bit for bit', async () => {
    const a = compile(MODEL, { vocab }).init(7);
    const ta = new Trainer(a, { train, valid }, opts);
    await ta.run();
    for (const stop of [6, 13]) {
      const dir = mkdtempSync(join(tmpdir(), 'rnnc-avg-adam-'));
      try {
        const b = compile(MODEL, { vocab }).init(7);
        // The first part with the whole run's budget in steps, so the fraction means the same step.
        const t1 = new Trainer(b, { train, valid }, opts);
        await t1.run({ shouldStop: () => t1.state.step >= stop });
        saveCheckpoint(dir, { model: b, trainer: t1, data, initSeed: 7, version: 'test' });
        const ck = loadCheckpoint(dir);
        const t2 = new Trainer(ck.model, { train, valid }, ck.config.train!);
        t2.restore(ck.config.trainer!, ck.optimizer!, ck.carried, ck.trainWeights);
        await t2.run();
        expect(bytes(ck.model.params).equals(bytes(a.params)), `raw weights, stopped after step ${stop}`).toBe(true);
        expect(bytes(t2.optimizer.averaged!()!).equals(bytes(ta.optimizer.averaged!()!)), `averaged weights, stopped after step ${stop}`).toBe(true);
        expect(t2.state.curve).toEqual(ta.state.curve);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe('the switch with no step after it yet', () => {
  const opts: TrainOptions = { batch: 3, bptt: 8, steps: 8, optimizer: 'adam', lr: 0.01, clip: 1, evalEvery: 4, seed: 4, averageAt: 1 };

  it('validates and saves the raw weights (not an empty average), and resumes into the averaging run', async () => {
    const m = compile(MODEL, { vocab }).init(7);
    const t = new Trainer(m, { train, valid }, opts);
    const valids: [number, number, boolean][] = [];
    await t.run({ onValid: (v) => valids.push([v.step, v.result.loss, v.averaged]) });
    const plain = compile(MODEL, { vocab }).init(7);
    const tp = new Trainer(plain, { train, valid }, { ...opts, averageAt: null });
    const plainValids: number[] = [];
    await tp.run({ onValid: (v) => plainValids.push(v.result.loss) });
    expect(t.optimizer.averagingFrom!()).toBe(8);
    expect(t.averaging).toBe(false);
    expect(valids.map(([s, , a]) => [s, a])).toEqual([[4, false], [8, false]]);
    expect(valids.map(([, l]) => l)).toEqual(plainValids);
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-avg-switch-'));
    try {
      saveCheckpoint(dir, { model: m, trainer: t, data, initSeed: 7, version: 'test' });
      const ck = loadCheckpoint(dir);
      expect(bytes(ck.model.params).equals(bytes(plain.params))).toBe(true);
      expect(ck.optimizer!.averageFrom).toBe(8);
      expect(ck.trainWeights).toBeNull();
      const t2 = new Trainer(ck.model, { train, valid }, { ...ck.config.train!, steps: 12 });
      t2.restore(ck.config.trainer!, ck.optimizer!, ck.carried, ck.trainWeights);
      await t2.run();
      // The same as one run of 12 steps that switches after step 8.
      const one = compile(MODEL, { vocab }).init(7);
      const t1 = new Trainer(one, { train, valid }, { ...opts, steps: 12, averageAt: 8 / 12 });
      await t1.run();
      expect(t1.optimizer.averagingFrom!()).toBe(8);
      expect(bytes(ck.model.params).equals(bytes(one.params))).toBe(true);
      expect(bytes(t2.optimizer.averaged!()!).equals(bytes(t1.optimizer.averaged!()!))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
