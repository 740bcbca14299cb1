// The training loop's bookkeeping, each against the number it must be: resolved options and
// their checks, what each step reports, budgets and stop reasons, the learning curve, when
// validation runs and what it reports, early stopping, Ctrl-C, and restoring carried states.
// (The arithmetic of the steps is reference-trainer.test.ts's.)
import { describe, expect, it } from 'vitest';
import { resolveTrainOptions, Trainer, type StepInfo, type TrainOptions, type ValidInfo } from '../../src/runtime/train/trainer.ts';
import { WindowBatches } from '../../src/runtime/train/batches.ts';
import { DataError } from '../../src/runtime/data/errors.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { elmanLM, float64Model } from './reference-trainer-model.ts';
import { referenceEvaluate } from './reference-trainer.ts';

const ELMAN = elmanLM(2, 3);
const ir = modelFromText(ELMAN, { vocab: 4 }, '__loop_elman');
const seq = (n: number, k = 1) => Int32Array.from({ length: n }, (_, i) => (i * k + (i >> 2)) % 4);
const train = seq(41); // batch 2 → 20 tokens per stream → ⌊19 / 3⌋ = 6 windows of 3
const valid = seq(13, 3);
const base: TrainOptions = { batch: 2, bptt: 3, optimizer: 'sgd', lr: 0.1, seed: 1 };

async function run(options: TrainOptions, data: { train: Int32Array; valid?: Int32Array | null } = { train, valid }) {
  const model = float64Model(ir, 2);
  const trainer = new Trainer(model, data, options);
  const steps: StepInfo[] = [];
  const valids: ValidInfo[] = [];
  const events: string[] = [];
  const result = await trainer.run({
    onStep: (s) => (steps.push(s), events.push(`step ${s.step}`)),
    onValid: (v) => (valids.push(v), events.push(`valid ${v.step}`)),
    onEpoch: (e) => events.push(`epoch ${e}`),
    onCheckpoint: () => events.push('checkpoint'),
  });
  return { model, trainer, steps, valids, events, result };
}

describe('resolveTrainOptions', () => {
  it('fills in the documented defaults (one epoch when no budget is given)', () => {
    expect(resolveTrainOptions({})).toEqual({
      batch: 32, bptt: 64, optimizer: 'adam', lr: 2e-3, clip: 5, weightDecay: 0, hyper: {}, lossScale: 'mean', schedule: { kind: 'constant' },
      epochs: 1, steps: null, minutes: null, evalEvery: 0, patience: 0, evalBatch: 16, seed: 0, nonmono: 5, averageAt: null, matmul: 'float32', bf16After: 0, shiftWindows: false, averageWindow: null,
    });
    expect(resolveTrainOptions({ optimizer: 'sgd' }).lr).toBe(1e-3);
    expect(resolveTrainOptions({ optimizer: 'rmsprop' }).lr).toBe(1e-2);
    expect(resolveTrainOptions({ steps: 3 })).toMatchObject({ epochs: null, steps: 3, minutes: null });
    expect(resolveTrainOptions({ minutes: 0.5 })).toMatchObject({ epochs: null, steps: null, minutes: 0.5 });
    expect(resolveTrainOptions({ clip: 0, evalEvery: 0, patience: 0, weightDecay: 0.1 })).toMatchObject({ clip: 0, weightDecay: 0.1 });
  });

  it.each([
    [{ batch: 0 }, 'batch must be a positive integer (got 0)'],
    [{ batch: 1.5 }, 'batch must be a positive integer (got 1.5)'],
    [{ bptt: 0 }, 'bptt must be a positive integer (got 0)'],
    [{ evalBatch: -1 }, 'eval batch must be a positive integer (got -1)'],
    [{ epochs: 0 }, 'epochs must be a positive integer (got 0)'],
    [{ steps: 2.5 }, 'steps must be a positive integer (got 2.5)'],
    [{ minutes: 0 }, 'minutes must be > 0 (got 0)'],
    [{ lr: 0 }, 'learning rate must be a positive number (got 0)'],
    [{ lr: Infinity }, 'learning rate must be a positive number (got Infinity)'],
    [{ clip: -1 }, 'clip must be ≥ 0 (got -1)'],
    [{ clip: Infinity }, 'clip must be ≥ 0 (got Infinity)'],
    [{ evalEvery: -1 }, 'eval-every must be an integer ≥ 0 (got -1)'],
    [{ evalEvery: 0.5 }, 'eval-every must be an integer ≥ 0 (got 0.5)'],
    [{ patience: -2 }, 'patience must be an integer ≥ 0 (got -2)'],
    [{ patience: 1.5 }, 'patience must be an integer ≥ 0 (got 1.5)'],
  ] as [TrainOptions, string][])('%o: %s', (o, message) => {
    expect(() => resolveTrainOptions(o)).toThrow(new RangeError(message));
  });

  it('the smallest values are accepted', () => {
    expect(() => resolveTrainOptions({ batch: 1, bptt: 1, evalBatch: 1, epochs: 1, steps: 1, minutes: 1e-9, lr: 1e-12, evalEvery: 1, patience: 1 })).not.toThrow();
  });
});

describe('WindowBatches', () => {
  it('cuts B streams of ⌊N/B⌋ tokens into windows of T + 1 tokens, the last token of one the first of the next', () => {
    const tokens = Int32Array.from({ length: 23 }, (_, i) => i);
    const w = new WindowBatches(tokens, 3, 2); // streams [0, 7), [7, 14), [14, 21); 2 tokens dropped
    expect([w.L, w.count]).toEqual([7, 3]);
    const out = new Int32Array(3 * 3);
    expect(Array.from(w.fill(out, 0))).toEqual([0, 1, 2, 7, 8, 9, 14, 15, 16]);
    expect(Array.from(w.fill(out, 2))).toEqual([4, 5, 6, 11, 12, 13, 18, 19, 20]);
  });

  it('exactly one window fits in B·(T + 1) tokens; one fewer is a one-line DataError', () => {
    expect(new WindowBatches(new Int32Array(8), 2, 3).count).toBe(1);
    const short = () => new WindowBatches(new Int32Array(7), 2, 3, 'the corpus');
    expect(short).toThrow(DataError);
    expect(short).toThrow('the corpus has 7 tokens, fewer than one window needs (batch 2 × (bptt 3 + 1) = 8); use a smaller --batch or --bptt, or more text');
    expect(() => new WindowBatches(new Int32Array(3), 4, 1)).toThrow(/^training data has 3 tokens/);
  });
});

describe('the loop', () => {
  it('reports each step: counters, tokens, the rate, progress against the step budget', async () => {
    const { steps, result } = await run({ ...base, steps: 8 });
    expect(result.reason).toBe('steps');
    expect(steps.map((s) => [s.step, s.epoch, s.epochStep, s.epochSteps, s.tokens, s.progress])).toEqual(
      Array.from({ length: 8 }, (_, i) => [i + 1, i < 6 ? 1 : 2, (i % 6) + 1, 6, (i + 1) * 6, (i + 1) / 8]),
    );
    for (const s of steps) {
      expect(s.lr).toBe(0.1);
      expect(s.seconds).toBeGreaterThan(0);
      expect(s.tokensPerS).toBeCloseTo((s.step * 6) / s.seconds, 6);
      expect(Number.isFinite(s.loss) && s.gradNorm > 0).toBe(true);
    }
    expect(result.lastLoss).toBe(steps[7].loss);
    expect(result.state).toMatchObject({ step: 8, epoch: 1, epochStep: 2, tokens: 48 });
    expect(result.state.seconds).toBeGreaterThanOrEqual(steps[7].seconds);
  });

  it('an epoch budget: progress against epochs × windows; validation, the schedule, onEpoch and a checkpoint at each epoch end', async () => {
    const { steps, valids, events, result, model } = await run({ ...base, epochs: 2, schedule: { kind: 'decay', factor: 0.5, after: 1 } });
    expect(result.reason).toBe('epochs');
    expect(steps.map((s) => s.progress)).toEqual(Array.from({ length: 12 }, (_, i) => (i + 1) / 12));
    expect(steps.map((s) => s.lr)).toEqual([...Array(6).fill(0.1), ...Array(6).fill(0.05)]);
    expect(events.filter((e) => !e.startsWith('step'))).toEqual(['valid 6', 'epoch 1', 'checkpoint', 'valid 12', 'epoch 2', 'checkpoint']);
    expect(valids.map((v) => [v.step, v.epoch, v.tokens, v.best])).toEqual([
      [6, 1, 36, true],
      [12, 2, 72, valids[1].result.loss < valids[0].result.loss],
    ]);
    // The validation is README's protocol at min(evalBatch 16, N − 1 = 12) streams.
    expect(Math.abs(valids[1].result.loss - referenceEvaluate(ir, model.named(), valid, 16))).toBeLessThan(1e-12);
    expect(valids[1].result.tokens).toBe(12);
    expect(result.lastValid).toBe(valids[1].result);
    expect(result.state.bestValid).toBe(Math.min(...valids.map((v) => v.result.loss)));
  });

  it('--eval-every validates mid-epoch too (epoch reported as the one in progress)', async () => {
    const { valids, events } = await run({ ...base, steps: 7, evalEvery: 4, evalBatch: 3 });
    expect(valids.map((v) => [v.step, v.epoch, v.tokens])).toEqual([
      [4, 1, 24],
      [6, 1, 36],
    ]);
    expect(events.filter((e) => !e.startsWith('step'))).toEqual(['valid 4', 'checkpoint', 'valid 6', 'epoch 1', 'checkpoint']);
    expect(valids[0].best).toBe(true);
  });

  it('the learning curve: a train point every ⌊windows/50⌋ steps and at each epoch end, a valid point at each validation', async () => {
    const long = seq(103); // batch 1, bptt 1: 102 windows per epoch → a train point every 2 steps
    const { result, steps } = await run({ ...base, batch: 1, bptt: 1, steps: 7, evalEvery: 5 }, { train: long, valid });
    expect(result.state.curve).toEqual([
      { tokens: 2, step: 2, train: steps[1].loss, gradNorms: expect.any(Object), clipped: expect.any(Number) },
      { tokens: 4, step: 4, train: steps[3].loss, gradNorms: expect.any(Object), clipped: expect.any(Number) },
      { tokens: 5, step: 5, valid: expect.any(Number) },
      { tokens: 6, step: 6, train: steps[5].loss, gradNorms: expect.any(Object), clipped: expect.any(Number) },
    ]);
    // An epoch of 101 windows (stride 2) ends at step 101: a point there too.
    const odd = await run({ ...base, batch: 1, bptt: 1, epochs: 1 }, { train: seq(102), valid: null });
    expect(odd.result.state.curve.map((p) => p.step)).toEqual([...Array.from({ length: 50 }, (_, i) => 2 * i + 2), 101]);
    const short = await run({ ...base, steps: 7 }, { train, valid: null });
    expect(short.result.state.curve.map((p) => [p.step, p.train === undefined])).toEqual(Array.from({ length: 7 }, (_, i) => [i + 1, false]));
  });

  it('no validation text (or one token): no validation, no valid points, the schedule sees no loss', async () => {
    for (const v of [null, seq(1)]) {
      const { valids, result, trainer } = await run({ ...base, epochs: 1, schedule: { kind: 'plateau', factor: 0.5 } }, { train, valid: v });
      expect(valids).toEqual([]);
      expect(trainer.validate()).toBeNull();
      expect(result.lastValid).toBeNull();
      expect(result.state.bestValid).toBeNull();
      expect(trainer.schedule.lr).toBe(0.05); // a missing loss counts as no improvement
    }
    // No validation text: --eval-every validates nothing, so the only checkpoints are at epoch ends.
    const none = await run({ ...base, steps: 8, evalEvery: 2 }, { train, valid: null });
    expect(none.events.filter((e) => e === 'checkpoint')).toHaveLength(1);
    // Two tokens are one prediction: validated at one stream.
    const { valids } = await run({ ...base, epochs: 1 }, { train, valid: seq(2) });
    expect(valids[0].result.tokens).toBe(1);
  });

  it('early stopping needs --patience; without it the same flat run goes on', async () => {
    const flat = { ...base, lr: 1e-300, steps: 20, evalEvery: 1 };
    const stopped = await run({ ...flat, patience: 1 });
    expect(stopped.result.reason).toBe('early-stopping');
    expect(stopped.steps).toHaveLength(2); // the first validation sets the best, the second does not beat it
    expect(stopped.result.state.early).toMatchObject({ bad: 1, epoch: 2 });
    const going = await run(flat);
    expect(going.result.reason).toBe('steps');
    expect(going.steps).toHaveLength(20);
    // Equal losses: only the first validation is the best.
    expect(going.valids.map((v) => v.best)).toEqual([true, ...Array(19).fill(false)]);
  });

  it('shouldStop (Ctrl-C) ends the run before the next step, as "interrupted"', async () => {
    const model = float64Model(ir, 2);
    let n = 0;
    const r = await new Trainer(model, { train, valid }, { ...base, steps: 50 }).run({ onStep: () => n++, shouldStop: () => n === 3 });
    expect(r.reason).toBe('interrupted');
    expect(r.state.step).toBe(3);
  });

  it('steps and epochs count from the start of the run: a restored run at the budget stops at once', async () => {
    const a = await run({ ...base, steps: 4 });
    const t = new Trainer(float64Model(ir, 2), { train, valid }, { ...base, steps: 4 });
    t.restore(a.result.state, a.trainer.optimizer.state(), a.trainer.carried());
    let n = 0;
    const r = await t.run({ onStep: () => n++ });
    expect([r.reason, n, r.state.step]).toEqual(['steps', 0, 4]);
  });

  it('a restored run: the rate counts this call\'s steps and seconds, progress the larger of steps and minutes done', async () => {
    const a = await run({ ...base, steps: 4 });
    const t = new Trainer(float64Model(ir, 2), { train, valid }, { ...base, steps: 8, minutes: 1000 });
    t.restore({ ...a.result.state, seconds: 3600 }, a.trainer.optimizer.state(), a.trainer.carried());
    const steps: StepInfo[] = [];
    const r = await t.run({ onStep: (s) => steps.push(s) });
    expect(r.reason).toBe('steps');
    expect(steps.map((s) => [s.step, s.tokens, s.progress])).toEqual([5, 6, 7, 8].map((k) => [k, k * 6, k / 8]));
    for (const s of steps) {
      expect(s.seconds).toBeGreaterThan(3600);
      expect(s.tokensPerS).toBeCloseTo(((s.step - 4) * 6) / (s.seconds - 3600), 6);
    }
    expect(r.state.seconds).toBeGreaterThan(3600);
    // Minutes alone: progress is the fraction of this call's minutes, below 1 until the end.
    const m = new Trainer(float64Model(ir, 2), { train, valid }, { ...base, minutes: 0.01 });
    m.restore({ ...a.result.state, seconds: 3600 }, a.trainer.optimizer.state(), a.trainer.carried());
    const ps: number[] = [];
    const rm = await m.run({ onStep: (s) => ps.push(s.progress) });
    expect(rm.reason).toBe('minutes');
    expect(ps.length).toBeGreaterThan(1);
    expect(ps[0]).toBeLessThan(1);
    for (const [k, p] of ps.entries()) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThanOrEqual(1);
      if (k > 0) expect(p).toBeGreaterThanOrEqual(ps[k - 1]);
    }
    expect(rm.state.seconds - 3600).toBeGreaterThanOrEqual(0.6);
  });

  it('cosine over --minutes: the rate of each step from the time spent before it; a resumed call goes on from where the last left it', async () => {
    const cos = { kind: 'cosine', final: 0.1 } as const;
    const first = await run({ ...base, minutes: 0.01, schedule: cos });
    expect(first.result.reason).toBe('minutes');
    const lrs = first.steps.map((s) => s.lr);
    expect(lrs.length).toBeGreaterThan(2);
    expect(lrs[0]).toBeGreaterThan(0.1 * 0.999); // the first step: nearly nothing spent yet
    lrs.slice(1).forEach((r, k) => expect(r).toBeLessThanOrEqual(lrs[k]));
    const p = first.result.state.schedule.progress!; // spent before the last step
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(first.trainer.schedule.lrAt(p)).toBe(lrs.at(-1));
    expect(lrs.at(-1)).toBeLessThan(lrs[0]);
    // Stopped half way (Ctrl-C), resumed with new minutes: it starts at the rate it stopped at.
    const m = new Trainer(float64Model(ir, 2), { train, valid }, { ...base, minutes: 0.005, schedule: cos });
    m.restore({ ...first.result.state, schedule: { ...first.result.state.schedule, progress: 0.5 } }, first.trainer.optimizer.state(), first.trainer.carried());
    const again: number[] = [];
    await m.run({ onStep: (s) => again.push(s.lr) });
    expect(again[0]).toBeLessThanOrEqual(m.schedule.lrAt(0.5));
    expect(again[0]).toBeGreaterThan(m.schedule.lrAt(0.5) * 0.99);
    expect(again.at(-1)).toBeLessThan(m.schedule.lrAt(0.9));
  });

  it('restore: carried states are used as given, or zeroed when there are none', async () => {
    const a = await run({ ...base, steps: 2 });
    const carried = a.trainer.carried().map((s) => s.slice());
    expect(carried.some((s) => s.some((x) => x !== 0))).toBe(true);
    const t = new Trainer(float64Model(ir, 2), { train, valid }, { ...base, steps: 4 });
    t.restore(a.result.state, a.trainer.optimizer.state(), carried);
    expect(t.carried().map((s) => Array.from(s))).toEqual(carried.map((s) => Array.from(s)));
    t.restore(a.result.state, a.trainer.optimizer.state(), null);
    expect(t.carried().every((s) => s.every((x) => x === 0))).toBe(true);
    // The restored state is a copy: the run does not write into the one it was given.
    const state = structuredClone(a.result.state);
    t.restore(state, a.trainer.optimizer.state(), carried);
    await t.run();
    expect(state).toEqual(a.result.state);
  });
});
