// train.py of the PyTorch export: 2-process DistributedDataParallel gives the weights of one
// process on the same data (oracle: the one-process run), one process trains as rnnc's own
// trainer does (oracle: rnnc train, same streams, windows, loss, clip and Adam), and the
// checkpoint it writes is read back by rnnc, whose evaluation gives the loss train.py
// printed for the same text. Twice: a char-LSTM, and a model with an adaptive softmax (whose
// loss train.py computes from the head and the targets' clusters only, as rnnc does).
// Needs /usr/bin/python3 with torch; skipped with one line otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTorch } from '../../src/cli/export-torch.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { compile } from '../../src/runtime/model.ts';
import { readSafetensors } from '../../src/runtime/safetensors.ts';
import { loadCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { haveTorch, PYTHON, weightDiff } from './torch-helpers.ts';

const corpus = readFileSync('data/tinyshakespeare/input.txt', 'utf8');
const TRAIN = corpus.slice(0, 12000);
const VALID = corpus.slice(12000, 14000);
const COMMON = ['--batch', '4', '--bptt', '16', '--steps', '8', '--optimizer', 'adam', '--lr', '0.01', '--clip', '0.5', '--eval-batch', '4'];

const MODELS: [string, string, Record<string, number>][] = [
  ['models/char-lstm.rnn', 'char-lstm', { embed: 16, hidden: 32 }],
  ['test/export/models/adaptive-lstm.rnn', 'adaptive softmax', {}],
];

describe.skipIf(!haveTorch()).each(MODELS)('train.py on %s: DDP, rnnc semantics, and back into rnnc', (file, what, dims) => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-ddp-'));
  const out: Record<string, string> = {};
  const train = (name: string, args: string[]) => {
    const r = spawnSync(PYTHON, [join(dir, 'train.py'), '--data', join(dir, 'train.txt'), '--valid', join(dir, 'valid.txt'), ...COMMON, ...args, '--out', join(dir, name)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`train.py ${args.join(' ')} failed:\n${r.stderr}`);
    out[name] = r.stdout;
  };
  beforeAll(() => {
    writeFileSync(join(dir, 'train.txt'), TRAIN);
    writeFileSync(join(dir, 'valid.txt'), VALID);
    const model = compile(file, { dims, vocab: buildCharVocab(corpus) }).init(1);
    writeTorch(model, dir);
    train('one64', ['--dtype', 'float64']);
    train('two64', ['--dtype', 'float64', '--nproc', '2']);
    train('one32', ['--dtype', 'float32']);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('2 DDP processes give the weights of 1 process (float64 training, float32 checkpoints)', () => {
    const d = weightDiff(join(dir, 'one64'), join(dir, 'two64'));
    console.log(`${what}: max |w(1 process) - w(2 DDP processes)| = ${d}\n--- 2 processes:\n${out.two64}`);
    expect(d).toBeLessThanOrEqual(1e-6);
  });

  it('one process trains as rnnc train does (same streams, windows, carried state, loss, clip, Adam)', async () => {
    const m = loadCheckpoint(join(dir, 'rnnc-checkpoint'), { optimizer: false }).model;
    await m.train({ train: TRAIN }, { batch: 4, bptt: 16, steps: 8, optimizer: 'adam', lr: 0.01, clip: 0.5 });
    const ours = m.weights();
    const theirs = readSafetensors(join(dir, 'one32', 'model.safetensors')).tensors;
    let worst = 0;
    for (const [name, w] of ours) w.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - theirs.get(name)!.data[i]))));
    console.log(`${what}: max |w(rnnc train) - w(train.py, float32)| = ${worst}`);
    expect(worst).toBeLessThanOrEqual(2e-5);
  });

  it('rnnc reads the checkpoint back and evaluates it to the loss train.py printed', () => {
    const printed = Number(/valid: \d+ tokens, loss ([\d.]+)/.exec(out.two64)![1]);
    const r = loadCheckpoint(join(dir, 'two64'), { optimizer: false }).model.evaluate(VALID, { batch: 4 });
    console.log(`${what}: train.py valid loss ${printed}, rnnc eval ${r.loss} (relative difference ${Math.abs(r.loss - printed) / printed})`);
    expect(Math.abs(r.loss - printed) / printed).toBeLessThanOrEqual(1e-6);
  });
});

describe.runIf(!haveTorch())('train.py of the PyTorch export', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
