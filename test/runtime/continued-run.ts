// The training tests' run that can continue another: tiny-dropout.rnn initialised with seed 3,
// batch 4 × bptt 16, lr 1e-2, seed 5 (opts override), and, given `from`, its weights, state,
// optimizer and carried states restored first — what --resume does, without the files.
import { compile } from '../../src/runtime/model.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import type { catCorpus } from './cat-corpus.ts';

const MODEL = 'test/runtime/models/tiny-dropout.rnn';

/** Losses of each step and the trainer after `opts`' budget, continuing `from` when given. */
export async function continuedRun(vocab: ReturnType<typeof catCorpus>['vocab'], data: { train: Int32Array; valid: Int32Array }, opts: TrainOptions, from?: Trainer) {
  const m = compile(MODEL, { vocab }).init(3);
  const t = new Trainer(m, data, { batch: 4, bptt: 16, lr: 1e-2, seed: 5, ...opts });
  if (from) {
    m.params.set(from.model.params);
    t.restore(structuredClone(from.state), from.optimizer.state(), from.carried());
  }
  const losses: number[] = [];
  await t.run({ onStep: (s) => losses.push(s.loss) });
  return { t, losses };
}
