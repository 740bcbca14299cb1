// Logits that depend on no input (a unigram model's `b`, or an expression of parameters
// alone): every example scores its own target against the same vector. The generated code
// once read T·B rows of logits from that one vector's memory (NaN in a float64 arena,
// garbage in training); here it is checked against the reference interpreter and by hand.
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { compare } from './window-compare.ts';

function model(text: string, dims: Record<string, number>): IRModel {
  const a = analyze('m.rnn', { dims, readFile: () => text });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

const UNIGRAM = 'model U {\n  dim vocab\n  param b: [vocab]\n  loss cross_entropy(b, next)\n}\n';
const variants: [string, string][] = [
  ['a parameter itself (unigram)', UNIGRAM],
  ['an element-wise expression of parameters', 'model U {\n  dim vocab\n  param b: [vocab], s: [vocab]\n  loss cross_entropy(2 * tanh(b) + s, next)\n}\n'],
  ['a product of parameters', 'model U {\n  dim vocab\n  param W: [vocab, 3], c: [3]\n  loss cross_entropy(W @ c, next)\n}\n'],
  ['shared logits beside a recurrent layer the loss does not read', 'cell C(x: [3]) -> h: [3] {\n  h\' = tanh(x + h)\n}\nmodel U {\n  dim vocab\n  param E: [vocab, 3], b: [vocab]\n  h = C(E[token])\n  loss cross_entropy(b, next)\n}\n'],
];

describe('logits shared by every example: generated code equals the reference interpreter', () => {
  for (const [label, text] of variants) {
    const ir = model(text, { vocab: 5 });
    for (const [B, T] of [[1, 1], [3, 4], [2, 7]]) {
      it(`${label}, ${B} streams × ${T} steps: float64 within 1e-12`, () => {
        const r = compare(ir, B, T, 3, 17 + B * T);
        expect(r.lossErr).toBeLessThan(1e-12);
        expect(r.gradErr).toBeLessThan(1e-12);
      });
    }
    it(`${label}: float32 through the WebAssembly kernels within 1e-5`, () => {
      const r = compare(ir, 3, 4, 2, 5, Float32Array, true);
      expect(r.lossErr).toBeLessThan(1e-5);
      expect(r.gradErr).toBeLessThan(1e-5);
    });
  }

  it('the unigram loss by hand: the mean over targets of logsumexp(b) − b[target]; its gradient the mean of softmax(b) − onehot', () => {
    const ir = model(UNIGRAM, { vocab: 4 });
    const c = compileModel(ir);
    const b = [0.5, -1, 2, 0.25];
    const params = Float64Array.from(b);
    const grads = new Float64Array(4);
    const r = c.instantiate({ Float: Float64Array, B: 2, T: 3, params, grads });
    const streams = [[0, 2, 2, 3], [1, 0, 2, 2]];
    const loss = r.run(Int32Array.from(streams.flat()));
    const lse = Math.log(b.reduce((s, v) => s + Math.exp(v), 0));
    const targets = streams.flatMap((s) => s.slice(1));
    expect(loss).toBeCloseTo(targets.reduce((s, k) => s + lse - b[k], 0) / targets.length, 14);
    b.forEach((v, j) => expect(grads[j]).toBeCloseTo(Math.exp(v - lse) - targets.filter((k) => k === j).length / targets.length, 14));
  });

  it('inference: logits(t) holds one row per stream, each the shared vector', () => {
    const ir = model(UNIGRAM, { vocab: 4 });
    const c = compileModel(ir, { backward: false });
    const params = Float64Array.from([0.5, -1, 2, 0.25]);
    const r = c.instantiate({ Float: Float64Array, B: 3, T: 2, params, grads: new Float64Array(4) });
    r.run(Int32Array.from([0, 1, 2, 3, 3, 2, 1, 0, 1]));
    for (const t of [0, 1]) expect(Array.from(r.logits(t))).toEqual([...params, ...params, ...params]);
  });

  it('a unigram model through the runtime: evaluate, step and sample read the distribution softmax(b)', () => {
    const text = 'abracadabra, a cabbage';
    const vocab = buildCharVocab(text);
    const m = compile('u.rnn', { vocab, sources: { 'u.rnn': UNIGRAM } }).init(3);
    // b = ln(count): the maximum-likelihood unigram, whose loss on its own text is the entropy of the counts.
    const counts = new Map<string, number>();
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    const b = Float32Array.from({ length: vocab.size }, (_, i) => Math.log(counts.get(vocab.token(i)) ?? 1e-30));
    m.loadWeights(new Map([['b', b]]));
    const n = text.length;
    const entropy = [...text.slice(1)].reduce((s, ch) => s - Math.log(counts.get(ch)! / n), 0) / (n - 1);
    expect(m.evaluate(text, { batch: 1 }).loss).toBeCloseTo(entropy, 6);
    const p = m.step(vocab.encode('a')[0]).probs;
    expect(p[vocab.encode('b')[0]]).toBeCloseTo(4 / n, 6); // abracadabra, cabbage: 2 + 2
    expect(m.sample({ length: 40, seed: 1 }).text).toHaveLength(40);
  });
});
