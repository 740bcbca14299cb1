// --lr-schedule plateau in train.py, and its runs resumed across the two engines: after an
// epoch whose validation does not improve on the best, the rate is divided by 4. Oracle:
// `rnnc train` running the whole run in one go. A run of rnnc continued by train.py (the
// schedule's state — rate, best loss — carried over) must give rnnc's losses and final
// rate; a run of train.py continued by `rnnc train --resume` must give the same. The
// settings are chosen so the rate drops after the resume points (checked, so the test cannot
// pass with the schedule ignored). float32 on both sides. Needs /usr/bin/python3 with torch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTorch, pyLosses, rnncCli, trainPy, weightDiff } from './torch-helpers.ts';

const root = join(import.meta.dirname, '../..');
const corpus = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8');
// 1,200 characters in 4 streams of windows of 16: 18 windows per epoch.
const EPOCH = 18;
const ARGS = ['--data', 'train.txt', '--valid', 'valid.txt', '--batch', '4', '--bptt', '16', '--optimizer', 'adam', '--lr', '0.1', '--clip', '1', '--lr-schedule', 'plateau'];

const rnnc = rnncCli;

type Event = { step?: number; loss?: number; lr?: number; valid_loss?: number; event?: string };
const events = (out: string): Event[] => out.trim().split('\n').map((l) => JSON.parse(l) as Event);
const steps = (out: string) => events(out).filter((e) => e.event === undefined && e.loss !== undefined && e.valid_loss === undefined);

/** The largest relative difference of train.py's losses from rnnc's, over train.py's steps. */
function worstRel(py: Map<number, number>, ref: Event[]): number {
  const byStep = new Map(ref.map((e) => [e.step!, e.loss!]));
  let w = 0;
  for (const [k, v] of py) w = Math.max(w, byStep.has(k) ? Math.abs(v - byStep.get(k)!) / Math.abs(byStep.get(k)!) : Infinity);
  return w;
}

describe.skipIf(!haveTorch())('--lr-schedule plateau across rnnc and train.py', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-plateau-'));
  const out: Record<string, string> = {};
  const py = (args: string[]) => trainPy(dir, args);
  beforeAll(async () => {
    writeFileSync(join(dir, 'train.txt'), corpus.slice(0, 1200));
    writeFileSync(join(dir, 'valid.txt'), corpus.slice(12000, 13000));
    for (const epochs of [5, 8]) {
      const r = await rnnc(dir, 'train', join(root, 'models/char-lstm.rnn'), ...ARGS, '--dims', 'embed=16,hidden=32', '--epochs', String(epochs), '--json', '--log-every', '1', '--sample', '0', '--out', `rnnc-${epochs}`);
      if (r.code !== 0) throw new Error(`rnnc train failed:\n${r.stderr}`);
      out[`rnnc-${epochs}`] = r.stdout;
    }
    const e = await rnnc(dir, 'export', 'rnnc-5', '--format', 'torch', '-o', 'exp');
    if (e.code !== 0) throw new Error(e.stderr);
    out['py-5-8'] = py(['--resume', 'rnnc-5', '--epochs', '8', '--out', 'py-5-8']);
    out['py-5-6'] = py(['--resume', 'rnnc-5', '--epochs', '6', '--out', 'py-5-6']);
    const r = await rnnc(dir, 'train', '--resume', 'py-5-6', '--epochs', '8', '--json', '--log-every', '1', '--sample', '0', '--out', 'rnnc-from-py');
    if (r.code !== 0) throw new Error(`rnnc train --resume of train.py's run failed:\n${r.stderr}`);
    out['rnnc-from-py'] = r.stdout;
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rnnc's rate drops after epoch 6 (so the continuations below must carry the schedule)", () => {
    const rates = steps(out['rnnc-8']).map((e) => e.lr!);
    expect(rates).toHaveLength(8 * EPOCH);
    // 0.1 for 6 epochs, then ÷4 after each epoch whose validation did not improve.
    expect(rates.slice(0, 6 * EPOCH).every((r) => r === 0.1), `rates per epoch: ${rates.filter((_, i) => i % EPOCH === 0).join(', ')}`).toBe(true);
    expect(rates.at(-1)).toBeLessThan(0.1);
    for (const r of rates) expect([0.1, 0.025, 0.00625].some((x) => Math.abs(r - x) < 1e-15)).toBe(true);
  });

  it('train.py continues a plateau run of rnnc as rnnc does in one go', () => {
    const ref = steps(out['rnnc-8']);
    const ours = pyLosses(out['py-5-8']);
    expect([...ours.keys()]).toEqual(Array.from({ length: 3 * EPOCH }, (_, i) => 5 * EPOCH + 1 + i));
    const wl = worstRel(ours, ref);
    const ww = weightDiff(join(dir, 'py-5-8'), join(dir, 'rnnc-8'));
    const rec = JSON.parse(readFileSync(join(dir, 'py-5-8', 'config.json'), 'utf8')).torch.schedule;
    const theirs = JSON.parse(readFileSync(join(dir, 'rnnc-8', 'config.json'), 'utf8')).trainer.schedule;
    console.log(`plateau, rnnc → train.py: losses worst relative ${wl}, max |w - w(rnnc)| ${ww}; schedule ${JSON.stringify(rec)} vs rnnc's ${JSON.stringify(theirs)}`);
    // float32 on both sides: Adam at lr 0.1 drifts apart by ~2e-5 over the 54 steps (a rate 4× off would be far beyond).
    expect(wl).toBeLessThanOrEqual(1e-4);
    expect(ww).toBeLessThanOrEqual(5e-3);
    expect(rec.lr).toBe(theirs.lr);
    expect(Math.abs(rec.best - theirs.best)).toBeLessThan(1e-6);
  });

  it('rnnc train --resume continues a plateau run of train.py as rnnc does in one go', () => {
    const ref = steps(out['rnnc-8']);
    const ours = steps(out['rnnc-from-py']);
    expect(ours.map((e) => e.step)).toEqual(Array.from({ length: 2 * EPOCH }, (_, i) => 6 * EPOCH + 1 + i));
    expect(ours.map((e) => e.lr)).toEqual(ref.slice(6 * EPOCH).map((e) => e.lr));
    const wl = Math.max(...ours.map((e, i) => Math.abs(e.loss! - ref[6 * EPOCH + i].loss!) / ref[6 * EPOCH + i].loss!));
    console.log(`plateau, rnnc → train.py → rnnc: losses worst relative ${wl}`);
    expect(wl).toBeLessThanOrEqual(1e-4);
  });
});

describe.runIf(!haveTorch())('--lr-schedule plateau across rnnc and train.py', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
