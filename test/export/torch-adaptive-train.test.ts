// train.py of the PyTorch export on a model with an adaptive softmax, whose loss it computes
// from the head and the targets' clusters only (torch-adaptive.test.ts): one process takes
// rnnc train's steps (oracle: rnnc train, same streams, windows, loss, clip and Adam), two
// DDP processes the one process's (oracle: that run, float64), and the validation it prints
// is rnnc eval's loss of its checkpoint. Needs /usr/bin/python3 with torch; skipped otherwise.
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
const HAVE = haveTorch();
if (!HAVE) console.log('skipped: train.py with an adaptive softmax, no torch for /usr/bin/python3 (apt-get install python3-torch)');

describe.skipIf(!HAVE)('train.py: an adaptive softmax trains as in rnnc', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-ada-train-'));
  const out: Record<string, string> = {};
  const train = (name: string, args: string[]) => {
    const r = spawnSync(PYTHON, [join(dir, 'train.py'), '--data', join(dir, 'train.txt'), '--valid', join(dir, 'valid.txt'), ...COMMON, ...args, '--out', join(dir, name)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`train.py ${args.join(' ')} failed:\n${r.stderr}`);
    out[name] = r.stdout;
  };
  beforeAll(() => {
    writeFileSync(join(dir, 'train.txt'), TRAIN);
    writeFileSync(join(dir, 'valid.txt'), VALID);
    writeTorch(compile('test/export/models/adaptive-lstm.rnn', { vocab: buildCharVocab(corpus) }).init(1), dir);
    train('one64', ['--dtype', 'float64']);
    train('two64', ['--dtype', 'float64', '--nproc', '2']);
    train('one32', ['--dtype', 'float32']);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('one process takes rnnc train\'s steps (float32 weights within 2e-5)', async () => {
    const m = loadCheckpoint(join(dir, 'rnnc-checkpoint'), { optimizer: false }).model;
    await m.train({ train: TRAIN }, { batch: 4, bptt: 16, steps: 8, optimizer: 'adam', lr: 0.01, clip: 0.5 });
    const theirs = readSafetensors(join(dir, 'one32', 'model.safetensors')).tensors;
    let worst = 0;
    for (const [name, w] of m.weights()) w.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - theirs.get(name)!.data[i]))));
    console.log(`adaptive softmax: max |w(rnnc train) - w(train.py, float32)| = ${worst}`);
    expect(worst).toBeLessThanOrEqual(2e-5);
  });

  it('2 DDP processes give the weights of 1 process (float64)', () => {
    const d = weightDiff(join(dir, 'one64'), join(dir, 'two64'));
    console.log(`adaptive softmax: max |w(1 process) - w(2 DDP processes)| = ${d}`);
    expect(d).toBeLessThanOrEqual(1e-6);
  });

  it('the validation train.py prints is rnnc eval\'s loss of its checkpoint', () => {
    const printed = Number(/valid: \d+ tokens, loss ([\d.]+)/.exec(out.one32)![1]);
    const r = loadCheckpoint(join(dir, 'one32'), { optimizer: false }).model.evaluate(VALID, { batch: 4 });
    console.log(`adaptive softmax: train.py valid loss ${printed}, rnnc eval ${r.loss}`);
    expect(Math.abs(r.loss - printed) / printed).toBeLessThanOrEqual(1e-6);
  });
});
