// nt-asgd in train.py, and its runs resumed across the two engines: SGD until the
// non-monotone trigger fires on a validation (every 2 steps here, n = 1), then the weights
// averaged after each step, validated and saved in place of the raw ones. Oracles: `rnnc
// train` running the whole run in one go — a run of rnnc continued by train.py from before the
// trigger (its log of validation losses carried over: the trigger fires after the resume, at
// the step rnnc's does) and from after it (its average and raw weights carried over) must
// give rnnc's losses, validations, trigger step and averaged weights; and train.py running the
// whole run in one go, for a run of train.py continued by `rnnc train --resume` after the
// trigger. float32 on both sides. Needs /usr/bin/python3 with torch; skipped otherwise.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/runtime/safetensors.ts';
import { haveTorch, pyLosses, rnncCli, trainPy, weightDiff } from './torch-helpers.ts';

const root = join(import.meta.dirname, '../..');
const corpus = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8');
const ARGS = ['--data', 'train.txt', '--valid', 'valid.txt', '--batch', '4', '--bptt', '16', '--optimizer', 'nt-asgd', '--lr', '2', '--clip', '0.5', '--eval-every', '2', '--nonmono', '1'];
// The trigger fires at the validation of step 14 (checked below): 8 is before it, 15 after.
const TRIGGER = 14;

const rnnc = rnncCli;

type Event = { step?: number; loss?: number; valid_loss?: number; event?: string; averaged?: boolean };
const events = (out: string): Event[] => out.trim().split('\n').map((l) => JSON.parse(l) as Event);
const rnncLosses = (out: string) => new Map(events(out).filter((e) => e.event === undefined && e.loss !== undefined && e.valid_loss === undefined).map((e) => [e.step!, e.loss!]));
const rnncValids = (out: string) => new Map(events(out).filter((e) => e.event === undefined && e.valid_loss !== undefined).map((e) => [e.step!, e.valid_loss!]));
const pyValids = (out: string) => new Map([...out.matchAll(/^step (\d+): valid loss ([\d.]+)/gm)].map((m) => [Number(m[1]), Number(m[2])]));

/** The largest relative difference between two step → value maps over the steps of `a`. */
function worstRel(a: Map<number, number>, b: Map<number, number>): number {
  let w = 0;
  for (const [k, v] of a) w = Math.max(w, Math.abs(v - (b.get(k) ?? NaN)) / Math.abs(b.get(k)!) || (b.has(k) ? 0 : Infinity));
  return w;
}

describe.skipIf(!haveTorch())('nt-asgd across rnnc and train.py', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-ntasgd-'));
  const out: Record<string, string> = {};
  const py = (args: string[]) => trainPy(dir, args);
  beforeAll(async () => {
    writeFileSync(join(dir, 'train.txt'), corpus.slice(0, 3000));
    writeFileSync(join(dir, 'valid.txt'), corpus.slice(12000, 14000));
    for (const steps of [8, 15, 16, 18]) {
      const r = await rnnc(dir, 'train', join(root, 'models/char-lstm.rnn'), ...ARGS, '--dims', 'embed=16,hidden=32', '--steps', String(steps), '--json', '--log-every', '1', '--sample', '0', '--out', `rnnc-${steps}`);
      if (r.code !== 0) throw new Error(`rnnc train failed:\n${r.stderr}`);
      out[`rnnc-${steps}`] = r.stdout;
    }
    const e = await rnnc(dir, 'export', 'rnnc-8', '--format', 'torch', '-o', 'exp');
    if (e.code !== 0) throw new Error(e.stderr);
    out['py-8-16'] = py(['--resume', 'rnnc-8', '--steps', '16', '--out', 'py-8-16']);
    out['py-15-18'] = py(['--resume', 'rnnc-15', '--steps', '18', '--out', 'py-15-18']);
    // train.py's own runs, both from the exported weights (rnnc-8's) as a fresh run.
    out['py-15'] = py([...ARGS, '--steps', '15', '--out', 'py-15']);
    out['py-18'] = py([...ARGS, '--steps', '18', '--out', 'py-18']);
    // --average-at 0.75 of 16 steps, resumed at 8: the budget switches after step 12, before the trigger (14).
    const avgAt = await rnnc(dir, 'train', '--resume', 'rnnc-8', '--steps', '16', '--average-at', '0.75', '--json', '--log-every', '1', '--sample', '0', '--out', 'rnnc-8-at');
    if (avgAt.code !== 0) throw new Error(`rnnc train --average-at failed:\n${avgAt.stderr}`);
    out['rnnc-8-at'] = avgAt.stdout;
    out['py-8-at'] = py(['--resume', 'rnnc-8', '--steps', '16', '--average-at', '0.75', '--out', 'py-8-at']);
    out['py-min'] = py(['--resume', 'rnnc-8', '--minutes', '0.02', '--out', 'py-min']);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('rnnc fires the trigger at step 14', () => {
    expect(events(out['rnnc-16']).find((e) => e.event === 'averaging')?.step).toBe(TRIGGER);
  });

  it.each([
    ['before the trigger (its log carried over)', 'py-8-16', 8, 16],
    ['after the trigger (its average and raw weights carried over)', 'py-15-18', 15, 18],
  ])('train.py continues a run of rnnc %s as rnnc does in one go', (_, name, from, to) => {
    const text = out[name];
    const theirs = rnncLosses(out[`rnnc-${to}`]);
    const ours = pyLosses(text);
    expect([...ours.keys()]).toEqual(Array.from({ length: to - from }, (_, i) => from + 1 + i));
    const valids = pyValids(text);
    const wl = worstRel(ours, theirs);
    const wv = worstRel(valids, rnncValids(out[`rnnc-${to}`]));
    const ww = weightDiff(join(dir, name), join(dir, `rnnc-${to}`));
    console.log(`${name}: losses worst relative ${wl}, validations worst relative ${wv} (${[...valids].map(([s, v]) => `${s}: ${v}`).join(', ')}), max |w(averaged) - w(rnnc)| ${ww}`);
    if (from < TRIGGER) expect(text).toContain(`averaging the weights from step ${TRIGGER + 1}`);
    expect(text).toContain(`step ${to}: valid loss`);
    expect(text).toMatch(new RegExp(`step ${to}: valid loss [\\d.]+ \\(averaged weights\\)`));
    expect(wl).toBeLessThanOrEqual(1e-6);
    expect(wv).toBeLessThanOrEqual(1e-6);
    expect(ww).toBeLessThanOrEqual(1e-5);
  });

  it('rnnc train --resume continues an averaging run of train.py as train.py does in one go', async () => {
    expect(out['py-15']).toMatch(/averaging the weights from step 9\b/); // from the exported weights, the trigger fires at step 8
    const r = await rnnc(dir, 'train', '--resume', 'py-15', '--steps', '18', '--json', '--log-every', '1', '--sample', '0', '--out', 'rnnc-from-py');
    expect(r.code, r.stderr).toBe(0);
    const wl = worstRel(rnncLosses(r.stdout), pyLosses(out['py-18']));
    const valid = rnncValids(r.stdout).get(18)!;
    const theirs = pyValids(out['py-18']).get(18)!;
    const ww = weightDiff(join(dir, 'rnnc-from-py'), join(dir, 'py-18'));
    console.log(`rnnc --resume of train.py's averaging run: losses worst relative ${wl}; valid at 18 ${valid} vs ${theirs}; max |w - w(train.py)| ${ww}`);
    expect([...rnncLosses(r.stdout).keys()]).toEqual([16, 17, 18]);
    expect(wl).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(valid - theirs) / theirs).toBeLessThanOrEqual(1e-6);
    expect(ww).toBeLessThanOrEqual(1e-5);
  });

  it('--average-at switches after the same step as rnnc train --average-at, and the averaged weights agree', () => {
    expect(events(out['rnnc-8-at']).filter((e) => e.event === 'averaging')).toEqual([{ event: 'averaging', step: 12, why: 'budget' }]);
    expect(out['py-8-at']).toMatch(/^75 % of the budget is spent \(--average-at 0\.75\); averaging the weights from step 13\b/m);
    expect(out['py-8-at']).not.toContain('is worse than the best'); // the trigger no longer fires once averaging
    const wl = worstRel(pyLosses(out['py-8-at']), rnncLosses(out['rnnc-8-at']));
    const valids = pyValids(out['py-8-at']);
    const wv = worstRel(valids, rnncValids(out['rnnc-8-at']));
    const ww = weightDiff(join(dir, 'py-8-at'), join(dir, 'rnnc-8-at'));
    console.log(`--average-at 0.75: losses worst relative ${wl}, validations ${wv} (steps ${[...valids.keys()].join(', ')}), max |w(averaged) - w(rnnc)| ${ww}`);
    // At the switch (step 12) both validate the raw weights (nothing is averaged yet), then the average.
    expect(out['py-8-at']).toMatch(/^step 12: valid loss [\d.]+$/m);
    expect(out['py-8-at']).toMatch(/^step 14: valid loss [\d.]+ \(averaged weights\)$/m);
    expect([...valids.keys()]).toEqual([10, 12, 14, 16]);
    expect(wv).toBeLessThanOrEqual(1e-6);
    expect(wl).toBeLessThanOrEqual(1e-6);
    expect(ww).toBeLessThanOrEqual(1e-5);
    expect(JSON.parse(readFileSync(join(dir, 'py-8-at', 'config.json'), 'utf8')).torch.average_from).toBe(12);
  });

  it('--minutes stops after the budget and records where the run stopped', () => {
    const m = out['py-min'].match(/^trained (\d+) steps on 1 rank/m);
    expect(m, out['py-min']).not.toBeNull();
    const n = Number(m![1]);
    expect(n).toBeGreaterThan(0);
    // With the clock as the only budget each line says how far along it is (not `step N/-`).
    expect(out['py-min']).toMatch(/^step 9  loss [\d.]+  grad norm [\d.]+  [\d.]+ s of 0\.02 min$/m);
    expect(JSON.parse(readFileSync(join(dir, 'py-min', 'config.json'), 'utf8')).torch.step).toBe(8 + n);
  });
});

// Tail averaging of Adam (--average-at): Adam's own steps go on, the mean of the weights since
// the switch is validated and saved; the same oracles, and resumes after the switch both ways.
describe.skipIf(!haveTorch())('--average-at with Adam across rnnc and train.py', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-tail-'));
  const ADAM = ['--data', 'train.txt', '--valid', 'valid.txt', '--batch', '4', '--bptt', '16', '--optimizer', 'adam', '--lr', '0.01', '--clip', '0.5', '--eval-every', '2'];
  const out: Record<string, string> = {};
  const run = async (name: string, ...args: string[]) => {
    const r = await rnnc(dir, 'train', ...args, '--json', '--log-every', '1', '--sample', '0', '--out', name);
    if (r.code !== 0) throw new Error(`rnnc train ${name} failed:\n${r.stderr}`);
    out[name] = r.stdout;
  };
  beforeAll(async () => {
    writeFileSync(join(dir, 'train.txt'), corpus.slice(0, 3000));
    writeFileSync(join(dir, 'valid.txt'), corpus.slice(12000, 14000));
    await run('r8', join(root, 'models/char-lstm.rnn'), ...ADAM, '--dims', 'embed=16,hidden=32', '--steps', '8');
    const e = await rnnc(dir, 'export', 'r8', '--format', 'torch', '-o', 'exp');
    if (e.code !== 0) throw new Error(e.stderr);
    // 0.75 of 16 steps: averaging from step 12 on, in both engines.
    await run('r16', '--resume', 'r8', '--steps', '16', '--average-at', '0.75');
    out.p16 = trainPy(dir, ['--resume', 'r8', '--steps', '16', '--average-at', '0.75', '--out', 'p16']);
    // Each continued past the switch by the other engine and by itself.
    await run('r16-r20', '--resume', 'r16', '--steps', '20');
    out['r16-p20'] = trainPy(dir, ['--resume', 'r16', '--steps', '20', '--out', 'r16-p20']);
    await run('p16-r20', '--resume', 'p16', '--steps', '20');
    out['p16-p20'] = trainPy(dir, ['--resume', 'p16', '--steps', '20', '--out', 'p16-p20']);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('train.py switches after the same step, and its losses, validations and averaged weights are rnnc\'s', () => {
    expect(events(out.r16).filter((e) => e.event === 'averaging')).toEqual([{ event: 'averaging', step: 12, why: 'budget' }]);
    expect(out.p16).toMatch(/--average-at 0\.75\); averaging the weights from step 13\b/);
    expect(out.p16).toMatch(/^step 12: valid loss [\d.]+$/m);
    expect(out.p16).toMatch(/^step 16: valid loss [\d.]+ \(averaged weights\)$/m);
    const wl = worstRel(pyLosses(out.p16), rnncLosses(out.r16));
    const wv = worstRel(pyValids(out.p16), rnncValids(out.r16));
    const ww = weightDiff(join(dir, 'p16'), join(dir, 'r16'));
    console.log(`Adam --average-at 0.75: losses worst relative ${wl}, validations ${wv}, max |w(averaged) - w(rnnc)| ${ww}`);
    expect([...pyValids(out.p16).keys()]).toEqual([10, 12, 14, 16]);
    expect(wl).toBeLessThanOrEqual(1e-5);
    expect(wv).toBeLessThanOrEqual(1e-5);
    expect(ww).toBeLessThanOrEqual(1e-5);
    // The checkpoint holds the raw weights and the average beside Adam's buffers.
    const kept = Object.keys(JSON.parse(readFileSync(join(dir, 'p16', 'config.json'), 'utf8')).files);
    expect(kept).toContain('torch-trainer.safetensors');
    const groups = new Set([...readSafetensors(join(dir, 'p16', 'torch-trainer.safetensors')).tensors.keys()].map((k) => k.split('/')[0]));
    expect([...groups].sort()).toEqual(['ax', 'carried', 'exp_avg', 'exp_avg_sq', 'raw']);
  });

  it.each([
    ['train.py continues rnnc\'s averaging run as rnnc does', 'r16-p20', 'r16-r20', (s: string) => pyLosses(s), (s: string) => rnncLosses(s)],
    ['rnnc continues train.py\'s averaging run as train.py does', 'p16-r20', 'p16-p20', (s: string) => rnncLosses(s), (s: string) => pyLosses(s)],
  ])('%s', (_, mine, oracle, lossesOf, oracleLosses) => {
    const wl = worstRel(lossesOf(out[mine]), oracleLosses(out[oracle]));
    const ww = weightDiff(join(dir, mine), join(dir, oracle));
    console.log(`${mine} vs ${oracle}: losses worst relative ${wl}, max |w(averaged)| difference ${ww}`);
    expect([...lossesOf(out[mine]).keys()]).toEqual([17, 18, 19, 20]);
    expect(wl).toBeLessThanOrEqual(1e-5);
    expect(ww).toBeLessThanOrEqual(1e-5);
  });
});

describe.runIf(!haveTorch())('nt-asgd across rnnc and train.py', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
