// `--matmul bf16` in the training loop: the windows' products in bfloat16 change the run (it is
// not float32), stay close to it, repeat bit for bit, and leave validation and evaluation in
// float32 (the trainer's validation equals an evaluation of the same weights); float64 models
// and kernels without bfloat16 products are refused before anything runs. With bf16After, the
// first epochs multiply in float32: the run equals a float32 run up to the switch and, from
// there, a bf16 run restored from it; resumed across the switch it repeats bit for bit.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { catCorpus } from './cat-corpus.ts';
import { continuedRun } from './continued-run.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { bf16Unavailable } from '../../src/backend/kernels.ts';
import { precisionAt } from '../../src/runtime/train/matmul.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { elmanLM, float64Model } from './reference-trainer-model.ts';

const { vocab, train, valid } = catCorpus(30);
const MODEL = 'test/runtime/models/tiny-dropout.rnn';
const why = bf16Unavailable();
if (why) console.log(`skipped: bf16 training tests (${why})`);

async function trained(matmul: 'float32' | 'bf16') {
  const m = compile(MODEL, { vocab }).init(3);
  const losses: number[] = [];
  const valids: number[] = [];
  const opts: TrainOptions = { batch: 4, bptt: 16, steps: 30, evalEvery: 15, lr: 1e-2, seed: 5, matmul };
  await new Trainer(m, { train, valid }, opts).run({ onStep: (s) => losses.push(s.loss), onValid: (v) => valids.push(v.result.loss) });
  return { m, losses, valids };
}

describe.runIf(why === null)('training with bf16 products', () => {
  it('differs from float32, stays close, repeats exactly, and validates in float32', async () => {
    const f32 = await trained('float32');
    const a = await trained('bf16');
    const b = await trained('bf16');
    expect(a.losses).toEqual(b.losses); // deterministic
    expect(a.m.params).toEqual(b.m.params);
    expect(a.losses).not.toEqual(f32.losses); // the products really were bf16
    for (let i = 0; i < a.losses.length; i++) expect(Math.abs(a.losses[i] - f32.losses[i])).toBeLessThan(0.05);
    expect(a.losses.at(-1)!).toBeLessThan(a.losses[0] - 0.5); // and it learns
    // The last validation is a float32 evaluation of the final weights: the same number.
    expect(a.valids.at(-1)).toBe(a.m.evaluate(valid, { batch: 16 }).loss);
  });
});

/** Losses and final weights of `steps` steps from `from` (a trainer that ran before: its state, optimizer and carried states). */
const continued = (opts: TrainOptions, from?: Trainer) => continuedRun(vocab, { train, valid }, opts, from);

describe.runIf(why === null)('bf16 products after float32 epochs (bf16After)', () => {
  it('is float32 up to the switch, then a bf16 run continuing from there; resume across the switch is exact', async () => {
    const epochSteps = new Trainer(compile(MODEL, { vocab }).init(3), { train }, { batch: 4, bptt: 16 }).batches.count; // no step needed
    expect(epochSteps).toBeGreaterThan(4);
    const after = 1.5, at = Math.round(after * epochSteps), steps = at + 6;
    const mixed = await continued({ steps, matmul: 'bf16', bf16After: after });
    const f32 = await continued({ steps: at });
    expect(mixed.losses.slice(0, at)).toEqual(f32.losses);
    const rest = await continued({ steps, matmul: 'bf16' }, f32.t); // plain bf16 from the float32 run's step `at`
    expect(mixed.losses.slice(at)).toEqual(rest.losses);
    expect(mixed.t.model.params).toEqual(rest.t.model.params);
    // Not float32 after the switch (the products really became bf16), nor bf16 before it.
    const allF32 = await continued({ steps });
    expect(mixed.losses.slice(at)).not.toEqual(allF32.losses.slice(at));
    const allBf16 = await continued({ steps, matmul: 'bf16' });
    expect(mixed.losses.slice(0, at)).not.toEqual(allBf16.losses.slice(0, at));
    // Stopped two steps before the switch and resumed: the same bits as without the stop.
    const first = await continued({ steps: at - 2, matmul: 'bf16', bf16After: after });
    const resumed = await continued({ steps, matmul: 'bf16', bf16After: after }, first.t);
    expect([...first.losses, ...resumed.losses]).toEqual(mixed.losses);
    expect(resumed.t.model.params).toEqual(mixed.t.model.params);
  });
});

describe('the precision of a step (precisionAt)', () => {
  it('float32 for the first round(bf16After × epoch steps) steps of a bf16 run, bf16 after; float32 runs stay float32', () => {
    expect(precisionAt('bf16', 0, 0, 10)).toBe('bf16');
    expect(precisionAt('bf16', 2, 19, 10)).toBe('float32');
    expect(precisionAt('bf16', 2, 20, 10)).toBe('bf16');
    expect(precisionAt('bf16', 0.25, 2, 10)).toBe('float32'); // round(2.5) = 3 float32 steps
    expect(precisionAt('bf16', 0.25, 3, 10)).toBe('bf16');
    expect(precisionAt('float32', 0, 0, 10)).toBe('float32');
    expect(precisionAt('float32', 3, 50, 10)).toBe('float32');
  });

  it('refuses a negative or non-finite count, and bf16After without bf16 products', () => {
    const m = compile(MODEL, { vocab }).init(3);
    expect(() => new Trainer(m, { train }, { matmul: 'bf16', bf16After: -1 })).toThrow(/bf16-after must be a number of epochs ≥ 0 \(got -1\)/);
    expect(() => new Trainer(m, { train }, { matmul: 'bf16', bf16After: Infinity })).toThrow(/bf16-after must be a number of epochs ≥ 0/);
    expect(() => new Trainer(m, { train }, { bf16After: 2 })).toThrow(/bf16-after is when bf16 products begin; it needs matmul bf16 \(this run multiplies in float32\)/);
  });
});

describe('bf16 products refused', () => {
  it('for a float64 model, before any step', () => {
    const ir = modelFromText(elmanLM(2, 3), { vocab: 4 }, '__bf16_elman');
    const data = { train: Int32Array.from({ length: 41 }, (_, i) => i % 4) };
    expect(() => new Trainer(float64Model(ir, 1), data, { batch: 2, bptt: 3, matmul: 'bf16' })).toThrow(/--matmul bf16 trains float32 models; this one trains in float64/);
  });

  it('an unknown precision', () => {
    const m = compile(MODEL, { vocab }).init(3);
    expect(() => new Trainer(m, { train }, { matmul: 'fp16' as 'bf16' })).toThrow(/matmul must be float32 or bf16 \(got fp16\)/);
  });
});
