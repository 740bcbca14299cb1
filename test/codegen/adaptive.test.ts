// Generated code for the adaptive softmax beyond the reference comparison of generated.test.ts:
// inference code reads every word's log-probability (what sampling and scoring read), equal
// to the interpreter's dense form; training code has no logits and says so.
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { interpret, mulberry32 } from '../../src/graph/interpret.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { checkGradients } from '../../src/testing/gradcheck.ts';
import { spreadCutoffs } from '../../src/testing/adaptive-cutoffs.ts';

const a = analyze('test/codegen/models/adaptive.rnn', { dims: { vocab: 9 } });
if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
const ir = a.models[0];

describe('generated code of the adaptive softmax', () => {
  const rnd = mulberry32(5);
  const params = new Map(ir.params.map((p) => [p.name, Float64Array.from({ length: p.size as number }, () => rnd() * 2 - 1)]));
  const T = 3;
  const tokens = [Array.from({ length: T + 1 }, () => Math.floor(rnd() * 9))];

  it('inference code: the logits are every word\'s log-probability, as the interpreter\'s dense form', () => {
    const inf = compileModel(ir, { backward: false });
    const P = new Float64Array(inf.layout.totalParams);
    for (const slot of inf.layout.params) P.set(params.get(slot.name)!, slot.offset);
    const r = inf.instantiate({ Float: Float64Array, B: 1, T, params: P });
    const loss = r.run(Int32Array.from(tokens.flat()));
    const g = unroll(ir, T, { training: false });
    const vals = interpret(g, { params, tokens: tokens[0] });
    const lps = g.nodes.filter((n) => n.op === 'adaptive_logprobs');
    expect(lps.length).toBe(T);
    for (const n of lps) {
      const got = r.logits(n.t!) as Float64Array;
      const want = vals[n.id];
      for (let i = 0; i < 9; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-13);
      expect(Math.abs(Math.log(got.reduce((s, v) => s + Math.exp(v), 0)))).toBeLessThan(1e-13);
    }
    expect(Math.abs(loss - vals[g.loss][0])).toBeLessThan(1e-13);
  });

  it('training code computes no dense logits and says so when asked for them', () => {
    const tr = compileModel(ir);
    expect(tr.source).toMatch(/k\.adaptiveXent\(/);
    expect(tr.source).not.toMatch(/adaptiveLogProbs/);
    const r = tr.instantiate({ Float: Float64Array, B: 1, T, params: new Float64Array(tr.layout.totalParams), grads: new Float64Array(tr.layout.totalParams) });
    expect(() => r.logits(0)).toThrow(/training code has no logits \(the adaptive softmax computes only what its targets read\); run inference code with logits/);
  });
});

describe('rnnc gradcheck of an adaptive softmax', () => {
  it('spreads the cutoffs over the drawn vocabulary, says so, and passes', () => {
    expect(spreadCutoffs(2, 5)).toEqual([1, 3]);
    expect(spreadCutoffs(3, 4)).toEqual([1, 2, 3]);
    expect(() => spreadCutoffs(2, 2)).toThrow(/2 cutoffs need a vocabulary of at least 3 words, not 2/);
    const report = checkGradients('models/recipes/ptb-adaptive.rnn', { runs: 2, seed: 3 });
    expect(report.ok, JSON.stringify(report.results.map((r) => [r.error, r.counterexample]))).toBe(true);
    expect(report.results[0].adapted).toEqual(["vocab drawn + 4, the adaptive softmax's 2 cutoffs spread evenly over it (the file's are ranks in a vocabulary of thousands)"]);
    expect(report.results[0].derived).toEqual([]);
  });
});
