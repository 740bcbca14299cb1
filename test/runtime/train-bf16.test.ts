// `--matmul bf16` in the training loop: the windows' products in bfloat16 change the run (it is
// not float32), stay close to it, repeat bit for bit, and leave validation and evaluation in
// float32 (the trainer's validation equals an evaluation of the same weights); float64 models
// and kernels without bfloat16 products are refused before anything runs.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { catCorpus } from './cat-corpus.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { bf16Unavailable } from '../../src/backend/kernels.ts';
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
