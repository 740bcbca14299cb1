// rnnc diagnose through the real CLI: the table, the JSON (the same numbers as the library's
// diagnose() on the weights the model file initialises to), the SVG (one line per state),
// checkpoints at init and as trained, and one-line errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnose/measure.ts';
import { buildVocab } from '../../src/runtime/data/tokenize.ts';
import { compile } from '../../src/runtime/model.ts';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-diagnose-e2e-'));
const TEXT = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(12);
const data = join(dir, 'text.txt');
writeFileSync(data, TEXT);
const SMALL = ['--dims', 'embed=4,hidden=8', '--distance', '12', '--windows', '2', '--warmup', '4', '--data', data];
const ck = join(dir, 'ck');

interface Doc {
  models: { label: string; curves: { state: string; mean: number[] }[]; matrices: { param: string; spectralNorm: number }[] }[];
}

beforeAll(async () => {
  const t = await rnnc('train', 'test/diagnose/fixtures/gru.rnn', '--data', data, '--dims', 'embed=4,hidden=8', '--batch', '2', '--bptt', '8', '--steps', '20', '--lr', '0.05', '--out', ck);
  expect(t.code, t.stderr).toBe(0);
}, 120_000);

describe.concurrent('rnnc diagnose', () => {
  it('prints a table and writes the same JSON and an SVG with one line per model and state', async () => {
    const out = join(dir, 'out');
    const [r, j] = await Promise.all([rnnc('diagnose', 'test/diagnose/fixtures/elman.rnn', 'test/diagnose/fixtures/lstm.rnn', ...SMALL, '-o', out), rnnc('diagnose', 'test/diagnose/fixtures/elman.rnn', 'test/diagnose/fixtures/lstm.rnn', ...SMALL, '--json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/elman\.rnn@init +h1\.h +\d/);
    expect(r.stdout).toMatch(/lstm\.rnn@init +h2\.c +\d/);
    expect(r.stdout).toMatch(/lstm\.rnn@init +h1\.U_f +8×8 +1\.0000 +sigmoid +0\.2500/);
    expect(readFileSync(join(out, 'diagnose.json'), 'utf8')).toBe(j.stdout);
    const svg = readFileSync(join(out, 'gradients.svg'), 'utf8');
    const doc = JSON.parse(j.stdout) as Doc;
    const states = doc.models.flatMap((m) => m.curves.map((c) => `${m.label} ${c.state}`));
    expect(states).toEqual(['elman.rnn@init h1.h', 'elman.rnn@init h2.h', 'lstm.rnn@init h1.h', 'lstm.rnn@init h1.c', 'lstm.rnn@init h2.h', 'lstm.rnn@init h2.c']);
    for (const s of states) expect(svg).toContain(`>${s}<`);
  });

  it('a .rnn file is measured at the weights its init annotations give for --seed (the library on the same weights)', async () => {
    const r = await rnnc('diagnose', 'test/diagnose/fixtures/elman.rnn', ...SMALL, '--seed', '3', '--json');
    expect(r.code, r.stderr).toBe(0);
    const m = compile('test/diagnose/fixtures/elman.rnn', { vocab: buildVocab('char', TEXT), dims: { embed: 4, hidden: 8 } }).init(3);
    const params = new Map([...m.weights()].map(([k, v]) => [k, Float64Array.from(v)]));
    const want = diagnose(m.ir, params, m.vocab!.encode(TEXT), { distance: 12, windows: 2, warmup: 4, seed: 3 });
    const got = (JSON.parse(r.stdout) as Doc).models[0];
    expect(got.curves.map((c) => c.mean)).toEqual(want.curves.map((c) => c.mean));
  });

  it('a checkpoint is measured as trained, or at init with --at init (then as its .rnn file at init)', async () => {
    const [trained, init, file] = await Promise.all([
      rnnc('diagnose', ck, ...SMALL.slice(2), '--json'),
      rnnc('diagnose', ck, ...SMALL.slice(2), '--at', 'init', '--json'),
      rnnc('diagnose', 'test/diagnose/fixtures/gru.rnn', ...SMALL, '--json'),
    ]);
    for (const r of [trained, init, file]) expect(r.code, r.stderr).toBe(0);
    const mean = (r: { stdout: string }) => (JSON.parse(r.stdout) as Doc).models[0].curves[0].mean;
    expect(mean(init)).toEqual(mean(file));
    expect(mean(trained)).not.toEqual(mean(init));
    expect((JSON.parse(trained.stdout) as Doc).models[0].label).toBe('ck@trained');
  });

  it('a trained checkpoint also shows the gradient norms rnnc train recorded (table, JSON, SVG), as its config.json holds them', async () => {
    const out = join(dir, 'ck-out');
    const [r, j] = await Promise.all([rnnc('diagnose', ck, ...SMALL.slice(2), '-o', out), rnnc('diagnose', ck, ...SMALL.slice(2), '--json')]);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(readFileSync(join(ck, 'config.json'), 'utf8')) as { trainer: { step: number; curve: { step: number; gradNorms?: Record<string, number> }[] } };
    const logged = config.trainer.curve.filter((p) => p.gradNorms);
    expect(logged.length).toBeGreaterThan(0);
    const training = (JSON.parse(j.stdout) as { training: { label: string; gradients: { points: { step: number; norms: Record<string, number> }[]; steps: number } }[] }).training;
    expect(training.map((t) => t.label)).toEqual(['ck']);
    expect(training[0].gradients.points.map((p) => [p.step, p.norms])).toEqual(logged.map((p) => [p.step, p.gradNorms]));
    expect(r.stdout).toContain('ck: ‖g‖₂ per parameter during training, before clipping');
    expect(r.stdout).toMatch(new RegExp(`clipping at ‖g‖₂ > \\S+ fired in \\d+ of ${config.trainer.step} steps`));
    expect(readFileSync(join(out, 'training-gradients.svg'), 'utf8')).toContain('>global<');
  });

  it('errors are one line: weights a model file does not have, data too short for the windows', async () => {
    const [at, short] = await Promise.all([
      rnnc('diagnose', 'test/diagnose/fixtures/elman.rnn', ...SMALL, '--at', 'trained'),
      rnnc('diagnose', 'test/diagnose/fixtures/elman.rnn', ...SMALL, '--distance', '5000'),
    ]);
    expect(at.code).toBe(1);
    expect(at.stderr).toBe('error: test/diagnose/fixtures/elman.rnn is a model file, not a checkpoint: it has no trained weights (use --at init, the default for .rnn files)\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/^error: test\/diagnose\/fixtures\/elman\.rnn: the data has \d+ tokens; 2 windows of 5001 steps after 4 warm-up tokens need at least 5006\n$/);
  });
});
