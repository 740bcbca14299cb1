// Every shipped model and cell, exported to ONNX and run by ONNX Runtime (CPU), computes
// what rnnc computes: the log-probabilities of every step and the final states agree within
// 1e-5 (relative to max(1, |x|), float32) on a random window from random initial states.
// The encoder with a reversed layer (test/codegen/models/exotic.rnn) exports too.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
import { compile, LanguageModel } from '../../src/runtime/model.ts';
import { readFromDisk } from '../../src/syntax/load.ts';
import type { CellDecl } from '../../src/syntax/ast.ts';
import { equalDimClasses, wrapCell } from '../../src/wrap-cell.ts';
import { exportOnnx, randomWindow, runOrt, runRnnc, worstDifference } from './onnx-helpers.ts';
import { vocabFor } from './helpers.ts';

const TOL = 1e-5;
const lcg = (seed: number) => {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
};

/** rnnc vs ORT on a window of T steps for B streams; returns the worst difference. */
async function agree(model: LanguageModel, T: number, B: number, seed: number) {
  const bytes = exportOnnx({ ir: model.ir, weights: model.weights() });
  const w = randomWindow(model, T, B, lcg(seed));
  return worstDifference(runRnnc(model, w), await runOrt(bytes, model, w));
}

// The models with token history (E[token@-k], CBOW, skip-gram) too, from a random carried history: test/export/onnx-history.test.ts has more.
const MODELS = ['models', 'models/recipes'].flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.rnn')).map((f) => join(d, f)));

describe('ONNX export of every shipped model (oracle: ONNX Runtime)', () => {
  it('finds the shipped models', () => expect(MODELS.length).toBeGreaterThanOrEqual(3));

  it.each(MODELS)('%s', async (file) => {
    const model = compile(file, { dims: { vocab: vocabFor(file, 37) } }).init(3);
    const r = await agree(model, 6, 3, 11);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
  });

  it('an encoder with a reversed layer, concat, dropout and the rarer builtins (exotic.rnn)', async () => {
    const model = compile('test/codegen/models/exotic.rnn', { dims: { vocab: 9 } }).init(5);
    expect(model.layout.states.some((s) => s.reverse)).toBe(true);
    const r = await agree(model, 7, 2, 3);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
  });

  it('an encoder of reversed and forward sweeps in turn (bi-stack.rnn: three Scans)', async () => {
    const model = compile('test/export/models/bi-stack.rnn').init(8);
    const r = await agree(model, 6, 3, 21);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
  });

  it('a model without states (bigram.rnn: no Scan at all)', async () => {
    const model = compile('test/export/models/bigram.rnn').init(1);
    expect(model.layout.states).toHaveLength(0);
    const r = await agree(model, 4, 3, 2);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
  });

  // Logits that depend on no input: ORT's rows must each be the one distribution, not T·B reads of one vector.
  it.each(['unigram.rnn', 'param-product.rnn'])('logits of parameters alone (%s): every row softmax of the same vector', async (f) => {
    const V = 7, T = 5, B = 3;
    const model = compile(join('test/export/models', f), { dims: { vocab: V } }).init(4);
    const w = randomWindow(model, T, B, lcg(9));
    const ort = await runOrt(exportOnnx({ ir: model.ir, weights: model.weights() }), model, w);
    const r = worstDifference(runRnnc(model, w), ort);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
    const row = Array.from(ort.logProbs.subarray(0, V));
    expect(row.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 5);
    for (let i = 1; i < T * B; i++) Array.from(ort.logProbs.subarray(V * i, V * i + V)).forEach((v, j) => expect(v).toBeCloseTo(row[j], 6));
  });

  it('one step (T = 1), as a sampler calls it', async () => {
    const model = compile('models/char-lstm.rnn', { dims: { vocab: 11, hidden: 16, embed: 8 } }).init(2);
    const r = await agree(model, 1, 1, 5);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
  });
});

// Each cell of models/cells/, wrapped as gradcheck wraps it (embedding → cell → linear → cross-entropy).
const CELLS = readdirSync('models/cells').filter((f) => f.endsWith('.rnn')).flatMap((f) => {
  const path = join('models/cells', f);
  return analyze(path).cells.map((c) => [f, c.name, path] as const);
});

describe('ONNX export of every shipped cell, wrapped in a language model', () => {
  it.each(CELLS)('%s: %s', async (_, cell, path) => {
    const a = analyze(path);
    const w = wrapCell(a.context.cells.get(cell)!.decl as CellDecl, a.root, readFromDisk);
    if (typeof w === 'string') throw new Error(w);
    const dims = Object.fromEntries(equalDimClasses(w).flatMap((cl, i) => cl.map((d) => [d, d === 'vocab' ? 13 : 5 + i])));
    const wa = analyze(w.path, { dims, readFile: w.readFile });
    const ir = wa.models.find((m) => m.name === w.name)!;
    const sources = Object.fromEntries([...wa.sources].map(([p, s]) => [p, s.text]));
    const model = new LanguageModel(ir, { file: w.path, sources, vocab: null }).init(7);
    const r = await agree(model, 5, 2, 13);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
  });
});
