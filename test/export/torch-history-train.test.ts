// train.py of the PyTorch export on the models with token history: one process trains as rnnc
// train does (oracle: rnnc train on the same text, streams, windows — the history carried
// between them and reset each epoch — loss, clip and Adam), and the checkpoint it writes is read
// back by rnnc, whose evaluation gives the validation loss train.py printed (for CBOW and
// skip-gram: rnnc's mean cross-entropy of the centre, and of the context words). Needs
// /usr/bin/python3 with torch; skipped with one line otherwise.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTorch } from '../../src/cli/export-torch.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { compile } from '../../src/runtime/model.ts';
import { readSafetensors } from '../../src/runtime/safetensors.ts';
import { loadCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { haveTorch, PYTHON } from './torch-helpers.ts';

const corpus = readFileSync('data/tinyshakespeare/input.txt', 'utf8');
const TRAIN = corpus.slice(0, 3000);
const VALID = corpus.slice(3000, 4000);
// 6 steps of 2 windows per epoch: 3 epochs, so the history is carried within an epoch and reset at its start.
const BATCH = 4, BPTT = 5, STEPS = 6;
const ARGS = ['--batch', String(BATCH), '--bptt', String(BPTT), '--steps', String(STEPS), '--optimizer', 'adam', '--lr', '0.01', '--clip', '0.5', '--eval-batch', '4'];
const MODELS = ['models/char-window-lm.rnn', 'models/cbow.rnn', 'models/skipgram.rnn'];

describe.skipIf(!haveTorch())('train.py of models with token history: rnnc semantics, and back into rnnc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-history-train-'));
  const train = TRAIN.slice(0, BATCH * (2 * BPTT + 1));
  const out: string[] = [];
  beforeAll(() => {
    writeFileSync(join(dir, 'train.txt'), train);
    writeFileSync(join(dir, 'valid.txt'), VALID);
    MODELS.forEach((file, k) => {
      const d = join(dir, `m${k}`);
      mkdirSync(d);
      const model = compile(file, { dims: { embed: 6, hidden: 8 }, vocab: buildCharVocab(corpus) }).init(3 + k, { name: 'uniform', args: [0.3] });
      writeTorch(model, d);
      const r = spawnSync(PYTHON, [join(d, 'train.py'), '--data', join(dir, 'train.txt'), '--valid', join(dir, 'valid.txt'), ...ARGS, '--out', join(d, 'ckpt')], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`train.py of ${file} failed:\n${r.stderr}`);
      out[k] = r.stdout;
    });
    // The fixed-window model again on 2 DDP ranks (each its 2 of the 4 streams and their histories).
    const d = join(dir, 'm0');
    const r = spawnSync(PYTHON, [join(d, 'train.py'), '--nproc', '2', '--data', join(dir, 'train.txt'), '--valid', join(dir, 'valid.txt'), ...ARGS, '--out', join(d, 'ckpt-ddp')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`train.py --nproc 2 of ${MODELS[0]} failed:\n${r.stderr}`);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(MODELS.map((f, k) => [f, k] as const))('%s: one process trains as rnnc train does', async (file, k) => {
    const d = join(dir, `m${k}`);
    const m = loadCheckpoint(join(d, 'rnnc-checkpoint'), { optimizer: false }).model;
    await m.train({ train }, { batch: BATCH, bptt: BPTT, steps: STEPS, optimizer: 'adam', lr: 0.01, clip: 0.5 });
    const theirs = readSafetensors(join(d, 'ckpt', 'model.safetensors')).tensors;
    let worst = 0, moved = 0;
    const before = readSafetensors(join(d, 'model.safetensors')).tensors;
    for (const [name, w] of m.weights()) {
      w.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - theirs.get(name)!.data[i]))));
      w.forEach((v, i) => (moved = Math.max(moved, Math.abs(v - before.get(name)!.data[i]))));
    }
    console.log(`${file}: max |w(rnnc train) - w(train.py, float32)| = ${worst} (the weights moved by up to ${moved})`);
    expect(moved).toBeGreaterThan(0.01);
    expect(worst).toBeLessThanOrEqual(2e-5);
  });

  it.each(MODELS.map((f, k) => [f, k] as const))('%s: rnnc evaluates the checkpoint to the valid loss train.py printed; no sample', (file, k) => {
    const printed = Number(/valid: \d+ tokens, loss ([\d.]+)/.exec(out[k])![1]);
    const r = loadCheckpoint(join(dir, `m${k}`, 'ckpt'), { optimizer: false }).model.evaluate(VALID, { batch: 4 });
    console.log(`${file}: train.py valid loss ${printed}, rnnc eval ${r.loss} (relative difference ${Math.abs(r.loss - printed) / printed})`);
    expect(Math.abs(r.loss - printed) / printed).toBeLessThanOrEqual(1e-6);
    expect(out[k]).not.toMatch(/sample/i);
  });

  it(`${MODELS[0]} on 2 DDP ranks trains as one process does, and gathers every stream's carried history`, () => {
    const d = join(dir, 'm0');
    const one = readSafetensors(join(d, 'ckpt', 'model.safetensors')).tensors;
    const two = readSafetensors(join(d, 'ckpt-ddp', 'model.safetensors')).tensors;
    let worst = 0;
    for (const [name, t] of one) t.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - two.get(name)!.data[i]))));
    const carried = (f: string) => [...readSafetensors(join(d, f, 'torch-trainer.safetensors')).tensors].filter(([k]) => k.startsWith('carried/'));
    const c1 = carried('ckpt');
    const c2 = carried('ckpt-ddp');
    const history = c2.find(([k]) => k.includes('@history'));
    console.log(`${MODELS[0]}, 2 ranks vs 1 process: max |Δw| ${worst}; carried ${c2.map(([k, t]) => `${k} [${t.shape.join(', ')}]`).join(', ')}`);
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(history?.[1].shape).toEqual([BATCH, history![1].shape[1]]);
    expect(c2.map(([k]) => k)).toEqual(c1.map(([k]) => k));
    for (const [k, t] of c1) expect([...c2.find(([k2]) => k2 === k)![1].data], k).toEqual([...t.data]);
  });
});

describe.runIf(!haveTorch())('train.py of the PyTorch export, models with token history', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
