// --lr-schedule cosine in train.py, and its runs resumed across the two engines: the rate of
// each step is lr · (final + (1 − final)(1 + cos πp)/2), p = the budget spent before the step.
// Oracle: rnnc itself. A 20-step run of rnnc continued to 40 steps by `rnnc train --resume`
// (p = step / 40 from step 21 on: the rate jumps up, then falls to the end) is the reference;
// train.py continuing the same checkpoint to 40 must give its rates and losses, and a run of
// train.py stopped at 30 continued by `rnnc train --resume` the same again. The rate at the
// resume points is far from the start's, so a schedule ignored or restarted fails. (Each
// continuation takes its budget from its own command line, so 20 → 30 → 40 is compared with
// rnnc's own 20 → 30 → 40.)
// float32 on both sides. Needs /usr/bin/python3 with torch.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTorch, pyLosses, rnncCli, trainPy } from './torch-helpers.ts';

const root = join(import.meta.dirname, '../..');
const corpus = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8');
const ARGS = ['--data', 'train.txt', '--valid', 'valid.txt', '--batch', '4', '--bptt', '16', '--optimizer', 'adam', '--lr', '0.05', '--clip', '1', '--lr-schedule', 'cosine', '--lr-decay', '0.05'];
const lrAt = (p: number) => 0.05 * (0.05 + (0.95 * (1 + Math.cos(Math.PI * p))) / 2);

type Event = { step?: number; loss?: number; lr?: number; valid_loss?: number; event?: string };
const steps = (out: string) =>
  out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Event)
    .filter((e) => e.event === undefined && e.loss !== undefined && e.valid_loss === undefined);

describe.skipIf(!haveTorch())('--lr-schedule cosine across rnnc and train.py', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-cosine-'));
  const out: Record<string, string> = {};
  const rnnc = async (...args: string[]) => {
    const r = await rnncCli(dir, ...args);
    if (r.code !== 0) throw new Error(`rnnc ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  };
  beforeAll(async () => {
    writeFileSync(join(dir, 'train.txt'), corpus.slice(0, 1200));
    writeFileSync(join(dir, 'valid.txt'), corpus.slice(12000, 13000));
    const common = [join(root, 'models/char-lstm.rnn'), ...ARGS, '--dims', 'embed=16,hidden=32', '--json', '--log-every', '1', '--sample', '0'];
    out.half = await rnnc('train', ...common, '--steps', '20', '--out', 'half');
    await rnnc('export', 'half', '--format', 'torch', '-o', 'exp');
    out.ref = await rnnc('train', '--resume', 'half', '--steps', '40', '--out', 'ref', '--json', '--log-every', '1', '--sample', '0');
    out.py = trainPy(dir, ['--resume', 'half', '--steps', '40', '--out', 'py-40']);
    trainPy(dir, ['--resume', 'half', '--steps', '30', '--out', 'py-30']);
    await rnnc('train', '--resume', 'half', '--steps', '30', '--out', 'ref-30', '--sample', '0');
    out.ref2 = await rnnc('train', '--resume', 'ref-30', '--steps', '40', '--out', 'ref-30-40', '--json', '--log-every', '1', '--sample', '0');
    out.back = await rnnc('train', '--resume', 'py-30', '--steps', '40', '--out', 'back', '--json', '--log-every', '1', '--sample', '0');
    // A --minutes call goes on from the budget train.py had spent (29/30), not from the start.
    out.minutes = await rnnc('train', '--resume', 'py-30', '--minutes', '0.02', '--out', 'minutes', '--json', '--log-every', '1', '--sample', '0');
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("rnnc's rates follow the formula, before and after the resume", () => {
    const first = steps(out.half);
    expect(first.map((e) => e.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    first.forEach((e, i) => expect(e.lr).toBeCloseTo(lrAt(i / 20), 12));
    const ref = steps(out.ref);
    expect(ref.map((e) => e.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 21));
    ref.forEach((e, i) => expect(e.lr).toBeCloseTo(lrAt((20 + i) / 40), 12));
  });

  it('train.py continues the run as rnnc does, and records where its schedule stopped', () => {
    const ref = new Map(steps(out.ref).map((e) => [e.step!, e.loss!]));
    const ours = pyLosses(out.py);
    expect([...ours.keys()]).toEqual([...ref.keys()]);
    const wl = Math.max(...[...ours].map(([k, v]) => Math.abs(v - ref.get(k)!) / ref.get(k)!));
    console.log(`cosine, rnnc → train.py: losses worst relative ${wl}`);
    expect(wl).toBeLessThanOrEqual(1e-4);
    const rec = JSON.parse(readFileSync(join(dir, 'py-30', 'config.json'), 'utf8')).torch.schedule;
    expect(rec.progress).toBe(29 / 30); // spent before its last step, of its own 30-step budget
    expect(rec.lr).toBeCloseTo(lrAt(29 / 30), 12);
  });

  it('rnnc train --resume continues a cosine run of train.py as rnnc does', () => {
    const ref = steps(out.ref2); // rnnc's own 20 → 30 → 40
    const ours = steps(out.back);
    expect(ours.map((e) => e.step)).toEqual(ref.map((e) => e.step));
    ours.forEach((e, i) => expect(e.lr).toBeCloseTo(ref[i].lr!, 12));
    const wl = Math.max(...ours.map((e, i) => Math.abs(e.loss! - ref[i].loss!) / ref[i].loss!));
    console.log(`cosine, rnnc → train.py → rnnc: losses worst relative ${wl}`);
    expect(wl).toBeLessThanOrEqual(1e-4);
    const m = steps(out.minutes);
    expect(m[0].step).toBe(31);
    expect(m[0].lr).toBeLessThanOrEqual(lrAt(29 / 30));
    expect(m[0].lr).toBeGreaterThan(lrAt(29 / 30) * 0.999);
  });
});

describe.runIf(!haveTorch())('--lr-schedule cosine across rnnc and train.py', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
