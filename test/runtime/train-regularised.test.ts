// Training with every window-wide regulariser at once (tiny-awd.rnn: embedding, locked and
// weight dropout, AR and TAR): deterministic given --seed, resumed bit for bit from a
// checkpoint, and the identity outside training (evaluation is the inference code on W).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../src/runtime/model.ts';
import { catCorpus } from './cat-corpus.ts';
import { Trainer, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';

const { vocab, train, valid } = catCorpus(20);
const MODEL = 'test/runtime/models/tiny-awd.rnn';
const data = { file: null, kind: 'char' as const, train: null, valid: null, split: 0.9, minCount: 1, maxVocab: null };
const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('training with embedding, locked and weight dropout and AR/TAR', () => {
  const opts: TrainOptions = { batch: 3, bptt: 8, steps: 20, optimizer: 'adam', lr: 5e-3, clip: 0.5, seed: 42 };

  it('is deterministic given the seed, and the seed matters', async () => {
    const run = async (seed: number) => {
      const m = compile(MODEL, { vocab }).init(7);
      await new Trainer(m, { train, valid }, { ...opts, seed }).run();
      return m.params.slice();
    };
    const a = await run(42);
    expect(bytes(await run(42)).equals(bytes(a))).toBe(true);
    expect(bytes(await run(43)).equals(bytes(a))).toBe(false);
  });

  it('20 steps ≡ 10 steps, checkpoint, resume, 10 steps (bit-identical)', async () => {
    const a = compile(MODEL, { vocab }).init(7);
    await new Trainer(a, { train, valid }, opts).run();
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-awd-'));
    try {
      const b = compile(MODEL, { vocab }).init(7);
      const t1 = new Trainer(b, { train, valid }, { ...opts, steps: 10 });
      await t1.run();
      saveCheckpoint(dir, { model: b, trainer: t1, data, initSeed: 7, version: 'test' });
      const ck = loadCheckpoint(dir);
      const t2 = new Trainer(ck.model, { train, valid }, { ...ck.config.train!, steps: 20 });
      t2.restore(ck.config.trainer!, ck.optimizer!, ck.carried);
      expect((await t2.run()).state.step).toBe(20);
      expect(bytes(ck.model.params).equals(bytes(a.params))).toBe(true);
      expect(bytes(compile(MODEL, { vocab }).init(7).params).equals(bytes(a.params))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('evaluates without any of them: the inference loss is the reference loss of the inference graph on W', () => {
    const m = compile(MODEL, { vocab }).init(3);
    const ev = m.evaluate(valid, { batch: 1, window: valid.length - 1 });
    const params = new Map(m.layout.params.map((s) => [s.name, Float64Array.from(m.params.subarray(s.offset, s.offset + s.size))]));
    const g = differentiate(unroll(m.ir, valid.length - 1, { training: false }));
    expect(g.nodes.some((n) => n.op === 'mask' || n.op === 'sumsq')).toBe(false);
    const ref = referenceLossAndGrads(g, { params, tokens: [Array.from(valid)] });
    expect(Math.abs(ev.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
  });
});
