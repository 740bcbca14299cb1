// The round trip of the PyTorch export as a user runs it: train.py (2 DDP ranks) trains N
// steps and writes an rnnc checkpoint; `rnnc eval` gives the perplexity train.py printed for
// the same text (oracle: train.py's own evaluation); `rnnc train --resume` continues the run
// (oracle: train.py running 2N steps in one go — the losses of steps N+1…2N must be its
// losses, which needs its optimizer buffers, data position and carried states). Needs
// /usr/bin/python3 with torch; skipped with one line otherwise. train.py --resume continues
// its own run too (oracle: the same 2N-step run).
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTorch } from '../../src/cli/export-torch.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { compile } from '../../src/runtime/model.ts';
import { haveTorch, pyLosses as printedLosses, PYTHON } from './torch-helpers.ts';

const root = join(import.meta.dirname, '../..');
const corpus = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8');
const TRAIN = corpus.slice(0, 12000);
const VALID = corpus.slice(12000, 14000);
const N = 6;
const COMMON = ['--batch', '4', '--bptt', '16', '--optimizer', 'adam', '--lr', '0.01', '--clip', '0.5', '--eval-batch', '4', '--nproc', '2'];

function rnnc(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/rnnc.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The losses train.py printed, by step. */

describe.skipIf(!haveTorch())('train.py → rnnc eval → rnnc train --resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-resume-'));
  const out: Record<string, string> = {};
  const train = (name: string, steps: number) => {
    const r = spawnSync(PYTHON, [join(dir, 'train.py'), '--data', 'train.txt', '--valid', 'valid.txt', ...COMMON, '--steps', String(steps), '--out', name], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`train.py --steps ${steps} failed:\n${r.stderr}`);
    out[name] = r.stdout;
  };
  beforeAll(() => {
    writeFileSync(join(dir, 'train.txt'), TRAIN);
    writeFileSync(join(dir, 'valid.txt'), VALID);
    const model = compile(join(root, 'models/char-lstm.rnn'), { dims: { embed: 16, hidden: 32 }, vocab: buildCharVocab(TRAIN + VALID) }).init(1);
    writeTorch(model, dir);
    train('half', N);
    train('whole', 2 * N);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rnnc eval gives the perplexity train.py reported (1e-4 relative)', async () => {
    const printed = Number(/perplexity ([\d.]+)/.exec(out.half)![1]);
    const r = await rnnc(dir, 'eval', 'half', '--data', 'valid.txt', '--batch', '4', '--json');
    expect(r.code, r.stderr).toBe(0);
    const ppl = (JSON.parse(r.stdout) as { perplexity: number }).perplexity;
    console.log(`train.py perplexity ${printed}, rnnc eval ${ppl} (relative difference ${Math.abs(ppl - printed) / printed})`);
    expect(Math.abs(ppl - printed) / printed).toBeLessThanOrEqual(1e-4);
  }, 60_000);

  it('rnnc train --resume continues with the losses train.py has in one run of 2N steps', async () => {
    const r = await rnnc(dir, 'train', '--resume', 'half', '--steps', String(2 * N), '--json', '--log-every', '1', '--sample', '0', '--out', 'continued');
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { step?: number; loss?: number; event?: string });
    const ours = new Map(events.filter((e) => e.event === undefined && e.loss !== undefined).map((e) => [e.step!, e.loss!]));
    const theirs = printedLosses(out.whole);
    expect([...ours.keys()]).toEqual(Array.from({ length: N }, (_, i) => N + 1 + i));
    let worst = 0;
    for (const [step, loss] of ours) worst = Math.max(worst, Math.abs(loss - theirs.get(step)!) / theirs.get(step)!);
    console.log(`steps ${N + 1}-${2 * N}: rnnc --resume ${[...ours.values()].map((v) => v.toFixed(6)).join(' ')}\n             train.py     ${[...ours.keys()].map((s) => theirs.get(s)!.toFixed(6)).join(' ')}\n(worst relative difference ${worst})`);
    // float32 in both, train.py printing 6 decimals; a reset state or a fresh Adam would be off by far more.
    expect(worst).toBeLessThanOrEqual(1e-5);
  }, 120_000);

  it('train.py --resume continues its own run with the losses of the run of 2N steps in one go', () => {
    const r = spawnSync(PYTHON, [join(dir, 'train.py'), '--resume', 'half', '--steps', String(2 * N), '--log-every', '1', '--nproc', '2', '--out', 'again'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`resuming the run of train.py in half at step ${N}`);
    const ours = printedLosses(r.stdout);
    const theirs = printedLosses(out.whole);
    expect([...ours.keys()]).toEqual(Array.from({ length: N }, (_, i) => N + 1 + i));
    let worst = 0;
    for (const [step, loss] of ours) worst = Math.max(worst, Math.abs(loss - theirs.get(step)!) / theirs.get(step)!);
    console.log(`steps ${N + 1}-${2 * N}: train.py --resume ${[...ours.values()].map((v) => v.toFixed(6)).join(' ')}\n             train.py     ${[...ours.keys()].map((s) => theirs.get(s)!.toFixed(6)).join(' ')}\n(worst relative difference ${worst})`);
    // The same float32 arithmetic resumed (buffers saved as float32, as they are): equal to the printed digits.
    expect(worst).toBeLessThanOrEqual(1e-6);
  }, 120_000);

  it('refuses an option that differs from the run train.py recorded, naming it', async () => {
    const r = await rnnc(dir, 'train', '--resume', 'half', '--batch', '8', '--steps', String(N + 1), '--sample', '0', '--out', 'other');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: --resume continues the run train.py recorded; these options differ from it: --batch 8 (the run has 4)');
  }, 60_000);
});

describe.runIf(!haveTorch())('train.py → rnnc train --resume', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
