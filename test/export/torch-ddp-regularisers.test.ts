// train.py with the regularisers on 2 DDP ranks: the masks all streams share (embedding rows,
// DropConnect) are drawn alike on every rank for each window, so 2 ranks train exactly as 1
// process does (oracle: the one-process run, float64) — with ranks drawing their own, the
// halves of the batch would see different weights. The regularisers are active (oracle: the
// same run without them, from the same weights, ends elsewhere). Needs /usr/bin/python3 with
// torch; skipped with one line otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTorch } from '../../src/cli/export-torch.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { compile } from '../../src/runtime/model.ts';
import { haveTorch, PYTHON, weightDiff } from './torch-helpers.ts';

const text = readFileSync('data/tinyshakespeare/input.txt', 'utf8').slice(0, 6000);
const COMMON = ['--batch', '4', '--bptt', '8', '--steps', '5', '--optimizer', 'sgd', '--lr', '0.5', '--dtype', 'float64'];

describe.skipIf(!haveTorch())('train.py with embedding_dropout, weight_drop, ar and tar on DDP ranks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-ddp-reg-'));
  const train = (sub: string, name: string, args: string[]) => {
    const r = spawnSync(PYTHON, [join(dir, sub, 'train.py'), '--data', join(dir, 'train.txt'), ...COMMON, ...args, '--out', join(dir, name)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`train.py ${args.join(' ')} failed:\n${r.stderr}`);
  };
  beforeAll(() => {
    writeFileSync(join(dir, 'train.txt'), text);
    const vocab = buildCharVocab(text);
    const model = compile('test/export/models/awd-shared.rnn', { vocab }).init(1);
    writeTorch(model, join(dir, 'reg'));
    // The same network without the regularisers, from the same weights.
    const src = readFileSync('test/export/models/awd-shared.rnn', 'utf8').replace('embedding_dropout(E[token], 0.2)', 'E[token]').replace(/\n {2}loss (ar|tar)\(.*/g, '');
    writeFileSync(join(dir, 'plain.rnn'), src.replace('../../../models/cells/', join(process.cwd(), 'models/cells/') + '/'));
    const plain = compile(join(dir, 'plain.rnn'), { vocab }).init(1);
    plain.loadWeights(model.weights());
    writeTorch(plain, join(dir, 'plain'));
    train('reg', 'one', []);
    train('reg', 'two', ['--nproc', '2']);
    train('plain', 'none', []);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('2 ranks give the weights of 1 process (float64)', () => {
    const d = weightDiff(join(dir, 'one'), join(dir, 'two'));
    const off = weightDiff(join(dir, 'one'), join(dir, 'none'));
    console.log(`max |w(1 process) - w(2 DDP ranks)| = ${d}; without the regularisers the weights end ${off} away`);
    expect(d).toBeLessThanOrEqual(1e-6);
    expect(off).toBeGreaterThan(1e-3);
  });
});

describe.runIf(!haveTorch())('train.py with regularisers on DDP ranks', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
