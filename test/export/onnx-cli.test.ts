// The `--format onnx` handler: a checkpoint after a few training steps exports with its
// trained weights (ORT agrees with the checkpoint's model), a model file exports from its
// inits with a seed, and what cannot be exported, or lacks a dim, is refused with a message
// that says where and what to do.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runExportOnnx } from '../../src/cli/export-onnx.ts';
import { UserError } from '../../src/cli/common.ts';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { OnnxExportError } from '../../src/export/onnx/index.ts';
import { renderDiagnostic } from '../../src/util/diagnostic.ts';
import { makeSource } from '../../src/util/source.ts';
import { exportOnnx, randomWindow, runOrt, runRnnc, worstDifference } from './onnx-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rnd = (seed: number) => () => (seed = (seed * 16807) % 2147483647) / 2147483647;

describe('rnnc export … --format onnx', () => {
  it('a checkpoint after 5 training steps: ORT on the file equals rnnc on the checkpoint', async () => {
    const text = 'the cat sat on the mat. the dog sat on the log.\n'.repeat(20);
    const vocab = buildCharVocab(text);
    const m = compile('models/char-lstm.rnn', { vocab, dims: { embed: 8, hidden: 12 } }).init(4);
    await m.train({ train: vocab.encode(text) }, { batch: 2, bptt: 8, steps: 5, lr: 1e-2 });
    const ck = join(dir, 'ck');
    saveCheckpoint(ck, { model: m, initSeed: 4, version: 'test' });
    const out = join(dir, 'ck.onnx');
    const lines = runExportOnnx(ck, { out });
    expect(lines[0]).toMatch(/^wrote .*ck\.onnx \(\d+ bytes\): model CharLSTM/);
    expect(lines.join('\n')).toContain("h2.c'");
    const model = loadCheckpoint(ck, { optimizer: false }).model;
    const w = randomWindow(model, 8, 2, rnd(9));
    const r = worstDifference(runRnnc(model, w), await runOrt(readFileSync(out), model, w));
    expect(r.worst, r.where).toBeLessThanOrEqual(1e-5);
  });

  it('a model file, from its inits with --seed (the same seed gives the same file)', () => {
    const a = join(dir, 'a.onnx'), b = join(dir, 'b.onnx'), c = join(dir, 'c.onnx');
    runExportOnnx('models/word-lstm.rnn', { out: a, dims: new Map([['vocab', 20]]), seed: 3 });
    runExportOnnx('models/word-lstm.rnn', { out: b, dims: new Map([['vocab', 20]]), seed: 3 });
    runExportOnnx('models/word-lstm.rnn', { out: c, dims: new Map([['vocab', 20]]), seed: 4 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
    expect(readFileSync(a).equals(readFileSync(c))).toBe(false);
  });

  it('no -o: says the format needs a file', () => {
    expect(() => runExportOnnx('models/char-lstm.rnn', { dims: new Map([['vocab', 5]]) })).toThrow(/give it with -o FILE\.onnx/);
  });

  it('an unbound vocab: says to pass --dims', () => {
    expect(() => runExportOnnx('models/char-lstm.rnn', { out: join(dir, 'x.onnx') })).toThrow(UserError);
    expect(() => runExportOnnx('models/char-lstm.rnn', { out: join(dir, 'x.onnx') })).toThrow(/pass --dims vocab=N/);
  });

  it('a concat of a data-dependent value with a param: the param is repeated over the batch', async () => {
    const file = join(dir, 'mixed.rnn');
    writeFileSync(file, MIXED);
    const out = join(dir, 'mixed.onnx');
    runExportOnnx(file, { out, seed: 2 });
    const model = compile(file).init(2);
    const w = randomWindow(model, 3, 2, rnd(5));
    const r = worstDifference(runRnnc(model, w), await runOrt(readFileSync(out), model, w));
    expect(r.worst, r.where).toBeLessThanOrEqual(1e-5);
  });

  it('an op without an ONNX lowering is refused at its place in the source, with a caret', () => {
    const file = join(dir, 'mixed.rnn');
    writeFileSync(file, MIXED);
    const model = compile(file).init(1);
    // relu_grad is a backward-only op: the registry gives it no lowering.
    const ir = structuredClone(model.ir);
    type Expr = { op: string; args?: Expr[] };
    const swap = (e: Expr): void => {
      if (e.op === 'relu') e.op = 'relu_grad';
      for (const a of e.args ?? []) swap(a);
    };
    for (const st of ir.step) swap(st.expr as Expr);
    let err: unknown;
    try {
      exportOnnx({ ir, weights: model.weights() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OnnxExportError);
    const text = renderDiagnostic((err as OnnxExportError).diagnostic, new Map([[file, makeSource(file, MIXED)]]));
    expect(text).toMatch(/mixed\.rnn:6:\d+: error: cannot export to ONNX: 'relu_grad' has no ONNX lowering/);
    expect(text).toContain('relu(E[token])');
    expect(text).toMatch(/\^{3,}/);
    expect(text).toContain('hint: add one to its entry in src/graph/ops/');
  });
});

const MIXED = ['model Mixed {', '  dim vocab = 5, d = 3', '  param E: [vocab, d]', '  param s: [d]', '  param V: [vocab, 6]', '  e = relu(E[token])', '  loss cross_entropy(V @ concat(e, s), next)', '}', ''].join('\n');
