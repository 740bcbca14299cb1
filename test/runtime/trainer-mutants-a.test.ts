// Training-loop behaviour the other trainer tests left unpinned (issue 11's surviving mutants),
// each against its definition: the epoch summary recomputed from the steps' own reports, the
// curve's train-point cadence ⌊windows/50⌋, a resume equal to the run that never stopped, the
// best-validation flag as a running minimum, nt-asgd's weights kept at the end, and the loop
// yielding to the event loop a few times a second (not at every step, never not at all).
import { describe, expect, it } from 'vitest';
import { Trainer, type EpochInfo, type StepInfo, type TrainOptions, type ValidInfo } from '../../src/runtime/train/trainer.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { elmanLM, float64Model } from './reference-trainer-model.ts';

const ir = modelFromText(elmanLM(2, 3), { vocab: 4 }, '__mutants_elman');
const seq = (n: number, k = 1) => Int32Array.from({ length: n }, (_, i) => (i * k + (i >> 2)) % 4);
const train = seq(41); // batch 2, bptt 3: 6 windows per epoch, each step a train point
const valid = seq(13, 3);
const base: TrainOptions = { batch: 2, bptt: 3, optimizer: 'sgd', lr: 0.5, seed: 3 };

async function run(options: TrainOptions, data: { train: Int32Array; valid?: Int32Array | null } = { train, valid }, trainer?: Trainer<Float64Array>) {
  const t = trainer ?? new Trainer(float64Model(ir, 2), data, options);
  const steps: StepInfo[] = [];
  const valids: ValidInfo[] = [];
  const epochs: EpochInfo[] = [];
  const result = await t.run({ onStep: (s) => steps.push(s), onValid: (v) => valids.push(v), onEpoch: (_, e) => epochs.push(e) });
  return { trainer: t, steps, valids, epochs, result };
}

/** A clip threshold at the median norm of an unclipped run, so that clipping fires at some steps only. */
async function medianNorm(options: TrainOptions, data?: { train: Int32Array; valid?: Int32Array | null }): Promise<number> {
  const norms = (await run({ ...options, clip: 0 }, data)).steps.map((s) => s.gradNorm).sort((a, b) => a - b);
  return norms[Math.floor(norms.length / 2)];
}

describe('onEpoch: the epoch summary', () => {
  it('counts the clipped steps of that epoch only (norm > clip) and gives the norms of its last step, with validation points in the curve', async () => {
    const options = { ...base, epochs: 3, evalEvery: 4 };
    const clip = await medianNorm(options);
    const { steps, epochs, trainer } = await run({ ...options, clip });
    expect(epochs).toHaveLength(3);
    const train = trainer.state.curve.filter((p) => p.train !== undefined);
    for (const [e, info] of epochs.entries()) {
      const own = steps.slice(6 * e, 6 * e + 6);
      const fired = own.filter((s) => s.gradNorm > clip).length;
      const last = train.find((p) => p.step === 6 * e + 6)!;
      expect(info).toEqual({ step: 6 * e + 6, steps: 6, clipped: fired, gradNorms: last.gradNorms });
      // The last step's norms make up its reported global norm, and differ from the step before's.
      expect(Math.abs(Math.hypot(...Object.values(info.gradNorms)) - own[5].gradNorm) / own[5].gradNorm).toBeLessThan(1e-12);
      expect(info.gradNorms).not.toEqual(train.find((p) => p.step === 6 * e + 5)!.gradNorms);
    }
    // The threshold splits the steps: the counts are neither all nor none, and differ by epoch.
    const counts = epochs.map((e) => e.clipped);
    expect(counts.some((c) => c > 0 && c < 6)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(steps.filter((s) => s.gradNorm > clip).length);
    // Every step clipped: each epoch counts its own 6, not the previous epoch's last step too.
    expect((await run({ ...options, clip: 1e-6 })).epochs.map((e) => e.clipped)).toEqual([6, 6, 6]);
  });
});

describe('the curve', () => {
  it('151 windows per epoch: a train point every ⌊151/50⌋ = 3 steps, counted from the first step', async () => {
    const { result, steps } = await run({ ...base, batch: 1, bptt: 1, steps: 10 }, { train: seq(152), valid: null });
    expect(result.state.curve.map((p) => [p.step, p.train])).toEqual([3, 6, 9].map((k) => [k, steps[k - 1].loss]));
  });

  it('each train point counts its clipped steps (2 windows per point here): 0, 1 or 2, as the norms say', async () => {
    const options = { ...base, batch: 1, bptt: 1, steps: 40 };
    const data = { train: seq(103), valid: null };
    const clip = await medianNorm(options, data);
    const { trainer, steps } = await run({ ...options, clip }, data);
    const seen = new Set<number>();
    for (const p of trainer.state.curve) {
      const want = steps.filter((s) => s.step > p.step - 2 && s.step <= p.step && s.gradNorm > clip).length;
      expect(p.clipped, `point at step ${p.step}`).toBe(want);
      seen.add(want);
    }
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});

describe('resume', () => {
  it('stopped between two train points with clipped steps pending: the curve equals the run that never stopped', async () => {
    const options = { ...base, batch: 1, bptt: 1, steps: 12, clip: 1e-6 }; // every step clipped
    const data = { train: seq(103), valid: null };
    const whole = await run(options, data);
    expect(whole.result.state.curve.map((p) => p.clipped)).toEqual(Array(6).fill(2));
    const first = await run({ ...options, steps: 5 }, data);
    expect(first.result.state.clipped).toBe(1);
    const t = new Trainer(float64Model(ir, 2), data, options);
    t.restore(structuredClone(first.result.state), first.trainer.optimizer.state(), first.trainer.carried(), null);
    t.model.params.set(first.trainer.model.params);
    const rest = await run(options, data, t);
    expect(rest.result.state.curve).toEqual(whole.result.state.curve);
  });

  it('a state from before the clip count (no `clipped`) resumes as if none were pending', async () => {
    const data = { train: seq(103), valid: null };
    const options = { ...base, batch: 1, bptt: 1, steps: 6, clip: 1e-6 };
    const first = await run({ ...options, steps: 2 }, data);
    const old = structuredClone(first.result.state);
    delete old.clipped;
    const t = new Trainer(float64Model(ir, 2), data, options);
    t.restore(old, first.trainer.optimizer.state(), first.trainer.carried());
    expect(t.state.clipped).toBe(0);
  });
});

describe('validation', () => {
  it('best is a running minimum: true exactly when a validation beats every earlier one', async () => {
    const { valids } = await run({ ...base, lr: 0.2, steps: 12, evalEvery: 1 }, { train, valid: train }); // the training text: its loss falls
    expect(valids).toHaveLength(12);
    let min = Infinity;
    const want = valids.map((v) => {
      const best = v.result.loss < min;
      min = Math.min(min, v.result.loss);
      return best;
    });
    expect(valids.map((v) => v.best)).toEqual(want);
    expect(want.filter(Boolean).length).toBeGreaterThan(1); // later validations improve too
  });
});

describe('nt-asgd', () => {
  const options: TrainOptions = { ...base, optimizer: 'nt-asgd', lr: 2, steps: 12, evalEvery: 1, nonmono: 0 };

  it('adoptEvalWeights leaves the averaged weights in the model once averaging began, and changes nothing before', async () => {
    const { trainer } = await run(options);
    expect(trainer.averaging).toBe(true);
    const averaged = trainer.optimizer.averaged!()!.slice();
    expect(Array.from(trainer.model.params)).not.toEqual(Array.from(averaged));
    trainer.adoptEvalWeights();
    expect(Array.from(trainer.model.params)).toEqual(Array.from(averaged));
    const plain = new Trainer(float64Model(ir, 2), { train, valid }, { ...options, steps: 1, evalEvery: 0 });
    await plain.run();
    const before = plain.model.params.slice();
    plain.adoptEvalWeights();
    expect(Array.from(plain.model.params)).toEqual(Array.from(before));
  });

  it('restore: the trigger log as saved, and the raw weights given replace the averaged ones the arena holds', async () => {
    const { trainer } = await run(options);
    const logs = trainer.state.nonmono!.logs;
    expect(logs.length).toBeGreaterThan(1); // the validations before averaging began
    const raw = trainer.model.params.slice();
    const averaged = trainer.optimizer.averaged!()!.slice();
    const m = float64Model(ir, 2);
    m.params.set(averaged); // what a checkpoint's weights are once averaging began
    const t = new Trainer(m, { train, valid }, options);
    t.restore(structuredClone(trainer.state), trainer.optimizer.state(), trainer.carried(), raw);
    expect(t.trigger!.state().logs).toEqual(logs);
    expect(t.state.nonmono!.logs).toEqual(logs);
    expect(Array.from(m.params)).toEqual(Array.from(raw));
  });

  it('a state without the trigger log (an older checkpoint) restores an empty log', async () => {
    const t = new Trainer(float64Model(ir, 2), { train, valid }, options);
    const fresh = t.optimizer.state();
    const old = structuredClone(t.state);
    delete old.nonmono;
    t.restore(old, fresh, null);
    expect(t.state.nonmono).toEqual({ logs: [] });
    expect(t.trigger!.state()).toEqual({ logs: [] });
  });
});

describe('yielding to the event loop', () => {
  it('a timer set before the run fires during it (shouldStop sees it), through setImmediate in Node', async () => {
    let fired = false;
    const timer = setTimeout(() => (fired = true), 150);
    const immediate = globalThis.setImmediate;
    let immediates = 0;
    globalThis.setImmediate = ((fn: () => void) => (immediates++, immediate(fn))) as typeof setImmediate;
    try {
      const r = await new Trainer(float64Model(ir, 2), { train, valid: null }, { ...base, minutes: 0.1 }).run({ shouldStop: () => fired });
      expect(r.reason).toBe('interrupted');
      expect(immediates).toBeGreaterThan(0);
    } finally {
      globalThis.setImmediate = immediate;
      clearTimeout(timer);
    }
  });

  it('a few times a second, not at every step', async () => {
    const immediate = globalThis.setImmediate;
    let immediates = 0;
    globalThis.setImmediate = ((fn: () => void) => (immediates++, immediate(fn))) as typeof setImmediate;
    try {
      const t0 = performance.now();
      const r = await new Trainer(float64Model(ir, 2), { train, valid: null }, { ...base, steps: 300 }).run();
      const ms = performance.now() - t0;
      expect(r.state.step).toBe(300);
      expect(ms).toBeLessThan(3000); // otherwise the bound below would not tell
      expect(immediates).toBeLessThanOrEqual(Math.floor(ms / 100) + 1);
    } finally {
      globalThis.setImmediate = immediate;
    }
  });
});
