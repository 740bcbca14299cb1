// The PyTorch export trains with rnnc's regularisers: locked_dropout (one mask per stream for
// the window), embedding_dropout (rows of the table per window, in every stream), weight_drop
// (one DropConnect mask per param and window) and the ar/tar penalties (tar against the carried
// state at the first step). Oracle: rnnc's float64 generated training code on the same window
// with its own masks — model.py is given those masks through its mask_source hook (drawn here
// with rnnc's functions: per (seed, mask, step or LOCKED_T, stream), per (seed, mask, row), per
// (seed, param)), and the loss and every gradient of the objective (loss + ar/tar) must equal
// rnnc's within 1e-9 relative. In eval mode the masks and penalties are gone (the loss is rnnc's inference loss).
// Needs /usr/bin/python3 with torch; skipped with one line otherwise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileModel } from '../../src/codegen/index.ts';
import { LOCKED_T, maskSeed, mulberry32, rowKept } from '../../src/graph/interpret.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { compile, type LanguageModel } from '../../src/runtime/model.ts';
import { weightDropMask, weightDropSlots } from '../../src/runtime/train/weight-drop.ts';
import { haveTorch, PYTHON, rnncGrads, worst, writeExport } from './torch-helpers.ts';

const T = 4, B = 3, SEED = 1234;

const CASES: [string, () => LanguageModel][] = [
  ['word-awd-lstm.rnn (embedding, locked, weight drop, ar, tar)', () => compile('models/word-awd-lstm.rnn', { dims: { vocab: 13, embed: 5, hidden: 6 } }).init(3)],
  ['variational.rnn (embedding, locked and plain dropout)', () => compile('test/codegen/models/variational.rnn', { dims: { vocab: 9 } }).init(4)],
  ['variational-recurrent.rnn (locked on the recurrent input, weight drop, tar)', () => compile('test/codegen/models/variational-recurrent.rnn', { dims: { vocab: 9 } }).init(5)],
  ['penalties.rnn (ar and tar over two layers)', () => compile('test/codegen/models/penalties.rnn', { dims: { vocab: 9 } }).init(6)],
];

/** rnnc's masks for a window with seed SEED, under the keys model.py asks for. */
function rnncMasks(model: LanguageModel, rows: number[][]): Record<string, number[]> {
  const g = unroll(model.ir, 1, { training: true });
  const out: Record<string, number[]> = {};
  const draw = (p: number, n: number, t: number, index: number): number[] =>
    Array.from({ length: B }, (_, b) => {
      const rnd = mulberry32(maskSeed(SEED, index, t, b));
      return Array.from({ length: n }, () => (rnd() < p ? 0 : 1 / (1 - p)));
    }).flat();
  for (const n of g.nodes.filter((x) => x.op === 'mask')) {
    const p = n.attrs.p!;
    const index = n.attrs.index ?? 0;
    const size = n.shape.reduce((a, c) => a * c, 1);
    if (n.attrs.mode === 'locked') out[`locked/${index}`] = draw(p, size, LOCKED_T, index);
    else if (n.attrs.mode === 'rows') out[`rows/${index}`] = Array.from({ length: model.layout.vocab }, (_, row) => (rowKept(SEED, index, row, p) ? 1 / (1 - p) : 0));
    else for (let t = 0; t < T; t++) out[`dropout/${index}/${t}`] = draw(p, size, t, index);
  }
  weightDropSlots(model.ir, model.layout.params).forEach((s, k) => {
    const m = new Float64Array(s.size);
    weightDropMask(m, SEED, k, s.p);
    out[`weight_drop/${s.name}`] = [...m];
  });
  void rows;
  return out;
}

/** rnnc's float64 training loss and the gradients of its objective of one window from zero states, its masks drawn from SEED (weight drop as the trainer applies it). */
function rnncTraining(model: LanguageModel, rows: number[][]): { loss: number; grads: Map<string, Float64Array> } {
  const compiled = compileModel(model.ir, { backward: true, dropout: true });
  const P = new Float64Array(compiled.layout.totalParams);
  const G = new Float64Array(compiled.layout.totalParams);
  const w = model.weights();
  for (const slot of compiled.layout.params) P.set(w.get(slot.name)!, slot.offset);
  const dropped = weightDropSlots(model.ir, compiled.layout.params).map((s, k) => {
    const m = new Float64Array(s.size);
    weightDropMask(m, SEED, k, s.p);
    for (let i = 0; i < s.size; i++) P[s.offset + i] *= m[i];
    return { s, m };
  });
  const runner = compiled.instantiate({ Float: Float64Array, B, T, params: P, grads: G });
  const loss = runner.run(Int32Array.from(rows.flat()), { carry: false, seed: SEED });
  for (const { s, m } of dropped) for (let i = 0; i < s.size; i++) G[s.offset + i] *= m[i];
  return { loss, grads: new Map(compiled.layout.params.map((s) => [s.name, G.slice(s.offset, s.offset + s.size)])) };
}

interface Result {
  loss: number;
  ce: number;
  penalty: number;
  eval_loss: number;
  unused: string[];
  grads: Record<string, number[]>;
}

describe.skipIf(!haveTorch())('PyTorch export: regularisers in training, identity in eval (oracle: rnnc float64 with the same masks)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-reg-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const models = CASES.map(([, make]) => make());
  const windows = models.map((m, k) => Array.from({ length: B }, (_, b) => Array.from({ length: T + 1 }, (_, t) => (7 * b + 3 * t + k) % m.layout.vocab)));
  let results: Result[] = [];
  const run = () => {
    if (results.length) return results;
    const jobs = models.map((m, k) => ({ ...writeExport(m, join(dir, String(k))), window: windows[k][0].map((_, t) => windows[k].map((row) => row[t])), masks: rnncMasks(m, windows[k]) }));
    const r = spawnSync(PYTHON, [join(import.meta.dirname, 'torch_regularisers.py')], { input: JSON.stringify(jobs), maxBuffer: 1 << 30, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`torch_regularisers.py failed:\n${r.stderr}`);
    return (results = JSON.parse(r.stdout) as Result[]);
  };

  it.each(CASES.map(([label], k) => [label, k] as const))('%s: loss and gradients of the objective within 1e-9', (_, k) => {
    const py = run()[k];
    const ours = rnncTraining(models[k], windows[k]);
    expect(py.unused).toEqual([]); // every mask rnnc draws is one model.py asked for
    // rnnc's run() returns the window's cross-entropy; its gradient is of the objective (+ ar/tar).
    let w = worst([ours.loss], [py.ce], 'loss');
    for (const [name, g] of ours.grads) {
      const d = worst(g, py.grads[name], name);
      if (d.worst > w.worst) w = d;
    }
    console.log(`${CASES[k][0]}: rnnc loss ${ours.loss}, torch ${py.ce} (+ penalty ${py.penalty} = objective ${py.loss}); worst relative difference ${w.worst} (${w.where})`);
    expect(w.worst, w.where).toBeLessThanOrEqual(1e-9);
    // In eval: no masks, no penalty — rnnc's inference loss of the window.
    const plain = rnncGrads(models[k], windows[k]);
    expect(Math.abs(py.eval_loss - plain.loss) / plain.loss).toBeLessThanOrEqual(1e-12);
  }, 120_000);
});

describe.runIf(!haveTorch())('PyTorch export: regularisers', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
