// The training loop against its contracts: it learns, resuming is bit-identical to not
// stopping, save → load → eval gives the same number, evaluation equals the chain rule of
// one-token steps, and a diverging run stops naming the step.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../src/runtime/model.ts';
import { catCorpus } from './cat-corpus.ts';
import { Trainer, DivergedError, type TrainOptions } from '../../src/runtime/train/trainer.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';

const { vocab, train, valid } = catCorpus(30);
const MODEL = 'test/runtime/models/tiny-dropout.rnn';
const data = { file: null, kind: 'char' as const, train: null, valid: null, split: 0.9, minCount: 1, maxVocab: null };

const tmp = () => mkdtempSync(join(tmpdir(), 'rnnc-train-'));

describe('training', () => {
  it('lowers the loss in 50 steps (train and valid)', async () => {
    const m = compile(MODEL, { vocab }).init(1);
    const before = m.evaluate(valid).loss;
    const losses: number[] = [];
    const r = await m.train({ train, valid }, { batch: 4, bptt: 16, steps: 50, lr: 1e-2 }, { onStep: (s) => losses.push(s.loss) });
    expect(r.reason).toBe('steps');
    expect(losses).toHaveLength(50);
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) - 0.5);
    const after = m.evaluate(valid).loss;
    expect(after).toBeLessThan(before - 0.5);
  });

  it('train 20 steps ≡ train 10, save, load, resume, train 10 (bit-identical weights, dropout on)', async () => {
    const opts: TrainOptions = { batch: 3, bptt: 8, steps: 20, optimizer: 'adam', lr: 5e-3, clip: 0.5, seed: 42 };
    const a = compile(MODEL, { vocab }).init(7);
    await new Trainer(a, { train, valid }, opts).run();

    const dir = tmp();
    try {
      const b = compile(MODEL, { vocab }).init(7);
      const t1 = new Trainer(b, { train, valid }, { ...opts, steps: 10 });
      await t1.run();
      saveCheckpoint(dir, { model: b, trainer: t1, data, initSeed: 7, version: 'test' });
      const ck = loadCheckpoint(dir);
      const t2 = new Trainer(ck.model, { train, valid }, { ...ck.config.train!, steps: 20 });
      t2.restore(ck.config.trainer!, ck.optimizer!, ck.carried);
      const r = await t2.run();
      expect(r.state.step).toBe(20);
      expect(Buffer.from(ck.model.params.buffer, ck.model.params.byteOffset, ck.model.params.byteLength).equals(Buffer.from(a.params.buffer, a.params.byteOffset, a.params.byteLength))).toBe(true);
      // And the run did move the weights: the check above is not comparing two untouched inits.
      const c = compile(MODEL, { vocab }).init(7);
      expect(Array.from(c.params)).not.toEqual(Array.from(a.params));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('crosses epoch boundaries when resumed (states reset, schedule steps), still bit-identical', async () => {
    const opts: TrainOptions = { batch: 4, bptt: 30, epochs: 3, optimizer: 'sgd', lr: 0.5, lossScale: 'sum', clip: 5, schedule: { kind: 'decay', factor: 0.5, after: 1 }, seed: 1 };
    const a = compile(MODEL, { vocab }).init(3);
    const ta = new Trainer(a, { train, valid }, opts);
    const perEpoch = ta.batches.count;
    expect(perEpoch).toBeGreaterThan(2);
    await ta.run();
    expect(ta.schedule.lr).toBeCloseTo(0.5 * 0.5 ** 3, 12); // lr of epoch 4: 0.5 · 0.5^(4 − 1)
    const dir = tmp();
    try {
      const b = compile(MODEL, { vocab }).init(3);
      const t1 = new Trainer(b, { train, valid }, { ...opts, epochs: undefined, steps: perEpoch + 1 });
      await t1.run();
      saveCheckpoint(dir, { model: b, trainer: t1, data, initSeed: 3, version: 'test' });
      const ck = loadCheckpoint(dir);
      const t2 = new Trainer(ck.model, { train, valid }, { ...ck.config.train!, steps: undefined, epochs: 3 });
      t2.restore(ck.config.trainer!, ck.optimizer!, ck.carried);
      await t2.run();
      expect(Array.from(ck.model.params)).toEqual(Array.from(a.params));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a resumed run with --minutes trains that much more, whatever time the run already had', async () => {
    const m = compile(MODEL, { vocab }).init(5);
    const t = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, steps: 3 });
    await t.run();
    const again = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, minutes: 0.002 });
    again.restore({ ...t.state, seconds: 3600 }, t.optimizer.state(), t.carried());
    const r = await again.run();
    expect(r.reason).toBe('minutes');
    expect(r.state.step).toBeGreaterThan(3);
    expect(r.state.seconds).toBeGreaterThan(3600);
  });

  it('early stopping ends the run after --patience validations without improvement', async () => {
    // A rate of 1e-30 changes nothing the loss can see: every validation equals the first, none improves.
    const m = compile(MODEL, { vocab }).init(5);
    const t = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, steps: 200, evalEvery: 2, patience: 2, optimizer: 'sgd', lr: 1e-30 });
    const seen: number[] = [];
    const r = await t.run({ onValid: (v) => seen.push(v.result.loss) });
    expect(r.reason).toBe('early-stopping');
    expect(seen).toHaveLength(3); // the first sets the best, two more fail to beat it
    expect(r.state.step).toBe(6);
  });

  it('the plateau schedule divides the rate by 4 after each epoch that does not improve validation', async () => {
    const m = compile(MODEL, { vocab }).init(5);
    const t = new Trainer(m, { train, valid }, { batch: 4, bptt: 30, epochs: 4, optimizer: 'sgd', lr: 1e-30, schedule: { kind: 'plateau', factor: 0.25, patience: 0 } });
    const lrs: number[] = [];
    await t.run({ onEpoch: () => lrs.push(t.schedule.lr) });
    // Epoch 1 improves on nothing-yet; epochs 2–4 repeat its loss exactly.
    expect(lrs.map((x) => x / 1e-30)).toEqual([1, 0.25, 0.0625, 0.015625].map((x) => expect.closeTo(x, 12)));
  });

  it('save → load → eval gives the same number', async () => {
    const m = compile(MODEL, { vocab }).init(5);
    const t = new Trainer(m, { train, valid }, { batch: 4, bptt: 16, steps: 15 });
    await t.run();
    const dir = tmp();
    try {
      saveCheckpoint(dir, { model: m, trainer: t, data, initSeed: 5, version: 'test' });
      const again = loadCheckpoint(dir).model;
      expect(again.evaluate(valid, { batch: 2, window: 7 }).loss).toBe(m.evaluate(valid, { batch: 2, window: 7 }).loss);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a diverging run throws DivergedError naming the step, the parameters left as before it', async () => {
    const m = compile(MODEL, { vocab }).init(5);
    const t = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, steps: 5 });
    await t.run();
    m.params[m.layout.params.find((p) => p.name === 'b')!.offset] = NaN;
    const snapshot = Float32Array.from(m.params);
    const t2 = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, steps: 10 });
    let err: unknown;
    try {
      await t2.run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DivergedError);
    expect((err as DivergedError).step).toBe(1);
    expect((err as Error).message).toMatch(/diverged at step 1: the loss is NaN; the values of b are not finite/);
    expect((err as DivergedError).param).toBe('b');
    expect(Array.from(m.params)).toEqual(Array.from(snapshot));
  });
});

describe('evaluation', () => {
  it('at batch 1 equals the sum of −log p(next) over one-token steps (the state carried)', async () => {
    const m = compile(MODEL, { vocab }).init(9);
    const seq = valid.subarray(0, 40);
    let state = m.initialState();
    let nll = 0;
    for (let i = 0; i + 1 < seq.length; i++) {
      const s = m.step(seq[i], state);
      nll -= Math.log(s.probs[seq[i + 1]]);
      state = s.state;
    }
    const r = m.evaluate(seq, { batch: 1, window: 7 });
    expect(r.tokens).toBe(seq.length - 1);
    expect(r.loss).toBeCloseTo(nll / (seq.length - 1), 5);
    expect(r.perplexity).toBeCloseTo(Math.exp(r.loss), 10);
    expect(r.bits).toBeCloseTo(r.loss / Math.LN2, 12);
  });

  it('the window length does not change the result', async () => {
    const m = compile(MODEL, { vocab }).init(9);
    expect(m.evaluate(valid, { window: 5 }).loss).toBeCloseTo(m.evaluate(valid, { window: 64 }).loss, 5);
  });
});

describe('sampling from a model', () => {
  const m = compile(MODEL, { vocab }).init(11);
  it('greedy is deterministic and equals temperature 0', async () => {
    const a = m.sample({ prompt: 'the ', length: 30, greedy: true });
    expect(m.sample({ prompt: 'the ', length: 30, greedy: true, seed: 99 }).ids).toEqual(a.ids);
    expect(m.sample({ prompt: 'the ', length: 30, temperature: 0 }).ids).toEqual(a.ids);
  });
  it('a seed reproduces a sample; another seed gives another', async () => {
    const a = m.sample({ length: 60, seed: 1 });
    expect(m.sample({ length: 60, seed: 1 }).text).toBe(a.text);
    expect(m.sample({ length: 60, seed: 2 }).text).not.toBe(a.text);
    expect(a.text).toHaveLength(60);
  });
  it('top-k 1 is greedy', async () => {
    expect(m.sample({ prompt: 'a', length: 20, topK: 1, seed: 5 }).ids).toEqual(m.sample({ prompt: 'a', length: 20, greedy: true }).ids);
  });
});
