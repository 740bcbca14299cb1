// The resume check shared by runtime tests: train N steps without stopping; train k, save a
// checkpoint, load it, resume to N. A resumed run must equal the uninterrupted one bit for bit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LanguageModel } from '../../src/runtime/model.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { loadCheckpoint, saveCheckpoint, type LoadedCheckpoint } from '../../src/runtime/train/checkpoint.ts';

type Data = ConstructorParameters<typeof Trainer>[1];

/** The uninterrupted run's model, and the checkpoint (saved after `stopAt` steps) resumed to `opts.steps`. */
export async function trainResumed(make: () => LanguageModel, data: Data, opts: TrainOptions & { steps: number }, stopAt: number, initSeed = 0): Promise<{ uninterrupted: LanguageModel; resumed: LanguageModel; checkpoint: LoadedCheckpoint }> {
  const uninterrupted = make();
  await new Trainer(uninterrupted, data, opts).run();
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-resume-'));
  try {
    const b = make();
    const first = new Trainer(b, data, { ...opts, steps: stopAt });
    await first.run();
    const kind = b.vocab?.kind === 'word' ? 'word' : 'char';
    saveCheckpoint(dir, { model: b, trainer: first, data: { kind, train: null, valid: null, split: 0.9, minCount: 1, maxVocab: null }, initSeed, version: 'test' });
    const checkpoint = loadCheckpoint(dir);
    const second = new Trainer(checkpoint.model, data, { ...checkpoint.config.train!, steps: opts.steps });
    second.restore(checkpoint.config.trainer!, checkpoint.optimizer!, checkpoint.carried);
    await second.run();
    return { uninterrupted, resumed: checkpoint.model, checkpoint };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The bytes of a float array, for a bit-for-bit comparison. */
export const bytes = (a: Float32Array | Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
