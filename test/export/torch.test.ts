// The PyTorch export computes what rnnc computes. Oracle: rnnc itself — its float32
// inference code for the log-probabilities and final states of a random window from random
// states (within 1e-5 relative to max(1, |x|)), and its float64 generated backward pass (as
// `rnnc grad`) for the loss and every parameter gradient of a window from zero states
// (within 1e-10), on every shipped model, the test models and every shipped cell wrapped in
// a language model. Needs /usr/bin/python3 with torch; skipped with one line otherwise.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
import { compile, LanguageModel } from '../../src/runtime/model.ts';
import { readFromDisk } from '../../src/syntax/load.ts';
import type { CellDecl } from '../../src/syntax/ast.ts';
import { equalDimClasses, wrapCell } from '../../src/wrap-cell.ts';
import { randomWindow, runRnnc } from './onnx-helpers.ts';
import { haveTorch, rnncGrads, runPython, worst, writeExport, type PyResult } from './torch-helpers.ts';
import { vocabFor } from './helpers.ts';

const lcg = (seed: number) => {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
};

function wrapped(path: string, cell: string): LanguageModel {
  const a = analyze(path);
  const w = wrapCell(a.context.cells.get(cell)!.decl as CellDecl, a.root, readFromDisk);
  if (typeof w === 'string') throw new Error(w);
  const dims = Object.fromEntries(equalDimClasses(w).flatMap((cl, i) => cl.map((d) => [d, d === 'vocab' ? 13 : 5 + i])));
  const wa = analyze(w.path, { dims, readFile: w.readFile });
  const ir = wa.models.find((m) => m.name === w.name)!;
  const sources = Object.fromEntries([...wa.sources].map(([p, s]) => [p, s.text]));
  return new LanguageModel(ir, { file: w.path, sources, vocab: null }).init(7);
}

const TORCH_REFUSED: string[] = [];

const CASES: [string, () => LanguageModel][] = [
  // The models with token history (E[token@-k], CBOW, skip-gram): test/export/torch-history.test.ts, over carried windows;
  // the window-wide regularisers are the identity here (eval); torch-regularisers.test.ts checks them in training.
  ...['models', 'models/recipes'].flatMap((d) =>
    readdirSync(d)
      .filter((f) => f.endsWith('.rnn') && !TORCH_REFUSED.includes(f) && !/token\s*@/.test(readFileSync(join(d, f), 'utf8')))
      .map((f): [string, () => LanguageModel] => [`${d}/${f}`, () => compile(join(d, f), { dims: { vocab: vocabFor(join(d, f), 23), embed: 12, hidden: 12 } }).init(3)]),
  ),
  ['exotic.rnn (reversed layer, concat, dropout, rarer builtins)', () => compile('test/codegen/models/exotic.rnn', { dims: { vocab: 9 } }).init(5)],
  ['bi-stack.rnn (reversed sweeps, then forward)', () => compile('test/export/models/bi-stack.rnn').init(8)],
  ['bigram.rnn (no state)', () => compile('test/export/models/bigram.rnn').init(1)],
  // Logits of parameters alone: one distribution for every position and stream.
  ...['unigram.rnn', 'param-product.rnn'].map((f): [string, () => LanguageModel] => [`${f} (logits of parameters alone)`, () => compile(join('test/export/models', f), { dims: { vocab: 7 } }).init(4)]),
  ...['tied-transpose.rnn', 'identity-state.rnn', 'shared-state.rnn'].map((f): [string, () => LanguageModel] => [f, () => compile(join('test/codegen/models', f), { dims: { vocab: 11 } }).init(4)]),
  ['tiny-dropout.rnn', () => compile('test/runtime/models/tiny-dropout.rnn', { dims: { vocab: 11 } }).init(2)],
  // Logits that must stay in the time loop (a state; read by ar too), beside those moved after it (every other model here).
  ...['state-logits.rnn', 'shared-logits.rnn', 'bias-first.rnn'].map((f): [string, () => LanguageModel] => [f, () => compile(join('test/export/models', f), { dims: { vocab: 11 } }).init(6)]),
  ...readdirSync('models/cells').filter((f) => f.endsWith('.rnn') && !TORCH_REFUSED.includes(f)).flatMap((f) => analyze(join('models/cells', f)).cells.map((c): [string, () => LanguageModel] => [`cell ${c.name} (${f})`, () => wrapped(join('models/cells', f), c.name)])),
];

const T = 5, B = 3;

describe.skipIf(!haveTorch())('PyTorch export (oracle: rnnc float32 inference and float64 gradients)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-'));
  const models = CASES.map(([, make]) => make());
  const windows = models.map((m, k) => randomWindow(m, T, B, lcg(11 + k)));
  const rows = models.map((m, k) => {
    const rnd = lcg(101 + k);
    return Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => Math.floor(rnd() * m.layout.vocab)));
  });
  let results: PyResult[] = [];
  beforeAll(() => {
    const jobs = models.map((m, k) => {
      const { module, weights } = writeExport(m, join(dir, `m${k}`));
      const initial = Object.fromEntries(m.layout.states.map((s, i) => [s.name, Array.from(windows[k].initial[i])]));
      const window = Array.from({ length: T + 1 }, (_, t) => rows[k].map((r) => r[t]));
      return { module, weights, tokens: windows[k].tokens, initial, window };
    });
    results = runPython(jobs);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES.map(([name], k) => [name, k] as const))('%s', (_, k) => {
    const m = models[k];
    const py = results[k];
    const ours = runRnnc(m, windows[k]);
    const checks = [worst(ours.logProbs, py.log_probs, 'log_probs'), ...m.layout.states.map((s, i) => worst(ours.finals[i], py.finals[s.name], `final ${s.name}`))];
    const f = checks.reduce((a, b) => (b.worst > a.worst ? b : a));
    const g = rnncGrads(m, rows[k]);
    const gc = [worst([g.loss], [py.loss], 'loss'), ...[...g.grads].map(([n, d]) => worst(d, py.grads[n], `d${n}`))];
    const gw = gc.reduce((a, b) => (b.worst > a.worst ? b : a));
    console.log(`${CASES[k][0]}: forward float32 worst ${f.worst.toExponential(2)}, loss+grads float64 worst ${gw.worst.toExponential(2)} (loss ${g.loss})`);
    expect(f.worst, f.where).toBeLessThanOrEqual(1e-5);
    expect(gw.worst, gw.where).toBeLessThanOrEqual(1e-10);
  });

  // The module's own initialisation draws from the distributions rnnc draws from (oracle: rnnc's init of the same model).
  it.each(CASES.slice(0, 3).map(([name], k) => [name, k] as const))('%s: reset_parameters follows the model\'s init annotations', (_, k) => {
    const rms = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((s, x) => s + x * x, 0) / v.length);
    const maxAbs = (v: ArrayLike<number>) => Math.max(...Array.from(v, Math.abs));
    for (const p of models[k].ir.params) {
      const ours = models[k].weights().get(p.name)!;
      const theirs = results[k].init[p.name];
      const what = `${p.name} (init ${p.init.name})`;
      if (['zeros', 'ones', 'constant'].includes(p.init.name)) expect(theirs, what).toEqual(Array.from(ours));
      if (p.init.name === 'uniform' || p.init.name === 'xavier') expect(maxAbs(theirs), what).toBeLessThanOrEqual(maxAbs(ours) * 1.05);
      if (ours.length >= 100) expect(Math.abs(rms(theirs) / rms(ours) - 1), what).toBeLessThanOrEqual(0.2);
    }
  });
});

describe.runIf(!haveTorch())('PyTorch export', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
