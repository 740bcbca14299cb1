// `rnnc export --format torch` on the command line: a model with token history (window-lm.rnn,
// once refused) is written;
// --init-scale, given to the export or recorded by the checkpoint of `rnnc train --init-scale`,
// is how the generated module's reset_parameters draws every parameter (oracle: the draws of a
// fresh Model() in PyTorch lie in [-a, a] with the variance a²/3 of uniform(-a, a), when
// /usr/bin/python3 has torch) and is recorded in the checkpoints train.py writes; a word
// vocabulary exported from a model file is the one rnnc train builds from the same text.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { haveTorch, PYTHON } from './torch-helpers.ts';

const root = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rnnc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/rnnc.js'), ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('rnnc export --format torch on a model with token history', () => {
  it('writes model.py, its weights, rnnc-checkpoint and train.py', async () => {
    const r = await rnnc('export', join(root, 'models/window-lm.rnn'), '--format', 'torch', '-o', 'window', '--dims', 'vocab=11');
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['model.py', 'model.safetensors', 'rnnc-checkpoint/config.json', 'train.py']) expect(existsSync(join(dir, 'window', f)), f).toBe(true);
  });
});

describe('rnnc export MODEL.rnn --level word --data FILE', () => {
  it('has the vocabulary rnnc train --data FILE --valid V builds: all of FILE, its last words included', async () => {
    // Words only in the last 10 % of the text: a 90 % split would leave them out.
    const lines = Array.from({ length: 40 }, (_, i) => `the cat sat on mat number ${i % 7}`);
    lines.push('only at the end zebra', 'quokka too');
    writeFileSync(join(dir, 'words.txt'), lines.join('\n') + '\n');
    writeFileSync(join(dir, 'words-valid.txt'), 'the cat sat\n');
    const e = await rnnc('export', join(root, 'models/word-lstm.rnn'), '--format', 'torch', '--level', 'word', '--data', 'words.txt', '--dims', 'embed=4,hidden=4', '-o', 'words-torch');
    expect(e.code, e.stderr).toBe(0);
    const t = await rnnc('train', join(root, 'models/word-lstm.rnn'), '--level', 'word', '--data', 'words.txt', '--valid', 'words-valid.txt', '--dims', 'embed=4,hidden=4', '--batch', '2', '--bptt', '4', '--steps', '1', '--sample', '0', '--out', 'words-run');
    expect(t.code, t.stderr).toBe(0);
    const tokens = (d: string) => (JSON.parse(readFileSync(join(dir, d, 'vocab.json'), 'utf8')) as { tokens: string[] }).tokens;
    expect(tokens('words-torch/rnnc-checkpoint')).toEqual(tokens('words-run'));
    expect(tokens('words-run')).toContain('quokka');
  }, 60_000);
});

describe('--init-scale reaches the PyTorch module', () => {
  const params = (py: string) => [...readFileSync(py, 'utf8').matchAll(/^ {12}nn\.init\.(\w+)\(self\.([\w.]+)(.*)\)$/gm)];

  it('from the export option and from a checkpoint of rnnc train --init-scale', async () => {
    const a = await rnnc('export', join(root, 'models/char-lstm.rnn'), '--format', 'torch', '--init-scale', '0.1', '-o', 'opt');
    expect(a.code, a.stderr).toBe(0);
    const t = await rnnc('train', join(root, 'models/char-lstm.rnn'), '--dims', 'embed=8,hidden=8', '--batch', '2', '--bptt', '8', '--steps', '1', '--init-scale', '0.05', '--sample', '0', '--out', 'run');
    expect(t.code, t.stderr).toBe(0);
    const c = await rnnc('export', 'run', '--format', 'torch', '-o', 'ck');
    expect(c.code, c.stderr).toBe(0);
    for (const [d, scale] of [['opt', 0.1], ['ck', 0.05]] as const) {
      const inits = params(join(dir, d, 'model.py'));
      expect(inits.length).toBe(27); // every parameter of the model, each drawn uniform(-a, a)
      for (const m of inits) expect([m[1], m[3]]).toEqual(['uniform_', `, -${scale}, ${scale}`]);
      expect(JSON.parse(readFileSync(join(dir, d, 'rnnc-checkpoint', 'config.json'), 'utf8')).initScale).toBe(scale);
    }
    // Without it, the model's own inits.
    const plain = await rnnc('export', join(root, 'models/char-lstm.rnn'), '--format', 'torch', '-o', 'plain');
    expect(plain.code, plain.stderr).toBe(0);
    expect(params(join(dir, 'plain', 'model.py')).find((m) => m[2] === 'E')?.[1]).toBe('normal_');
  }, 120_000);

  it.skipIf(!haveTorch())('a fresh Model() draws uniform(-a, a) (torch)', () => {
    const code = 'import sys, json, torch; sys.path.insert(0, sys.argv[1]); import model; torch.manual_seed(0); m = model.Model(); v = torch.cat([p.detach().reshape(-1) for p in m.parameters()]).double(); print(json.dumps([v.abs().max().item(), v.var().item(), v.numel()]))';
    const r = spawnSync(PYTHON, ['-c', code, join(dir, 'opt')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const [max, variance, n] = JSON.parse(r.stdout) as number[];
    console.log(`Model() with --init-scale 0.1: ${n} values, max |w| ${max}, variance ${variance} (uniform: ${0.01 / 3})`);
    expect(max).toBeLessThanOrEqual(0.1);
    // n ≈ 800,000 draws: the sample variance is within a few percent of a²/3.
    expect(Math.abs(variance - 0.01 / 3) / (0.01 / 3)).toBeLessThan(0.02);
  }, 60_000);
  it.runIf(!haveTorch())('a fresh Model() draws uniform(-a, a) (torch)', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
