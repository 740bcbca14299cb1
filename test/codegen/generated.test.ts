// Generated code against its oracle, the float64 reference interpreter over the unrolled
// graph: the same loss and every gradient entry within 1e-12 in float64, and within 1e-5
// (relative, per parameter in norm) in float32; states carried from window to window.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import type { IRModel } from '../../src/ir/types.ts';

function model(path: string, dims: Record<string, number>): IRModel {
  const a = analyze(path, { dims });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

interface Case {
  ir: IRModel;
  B: number;
  T: number;
  seed: number;
}

function draw(c: Case) {
  const rnd = mulberry32(c.seed);
  const vocab = c.ir.dims.vocab!;
  const params = new Map(c.ir.params.map((p) => [p.name, Float64Array.from({ length: p.size as number }, () => rnd() * 2 - 1)]));
  const windows = [0, 1].map(() => Array.from({ length: c.B }, () => Array.from({ length: c.T + 1 }, () => Math.floor(rnd() * vocab))));
  return { params, windows };
}

/**
 * |a − b| / max(|a|, |b|, floor) over every entry, the floor 1e-2 of the largest entry: an
 * entry a hundred times smaller than its neighbours is compared on their scale, since
 * summing in a different order moves it by their rounding, not its own (the generated code
 * sums a hoisted weight gradient over all B·T positions in one GEMM, the reference step by
 * step; seen: 1.2e-12 relative on an entry 1000× below its parameter's largest).
 */
function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  const floor = Math.max(1e-2 * scale, 1e-300);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), Math.abs(b[i]), floor));
  return worst;
}

function normRelErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d) / Math.max(Math.sqrt(n), 1e-12);
}

/** Two consecutive windows, states carried; returns the worst errors of losses and gradients. */
function compare(c: Case, Float: Float32ArrayConstructor | Float64ArrayConstructor, fast = false) {
  const { params, windows } = draw(c);
  const compiled = compileModel(c.ir);
  // fast: the arenas in the kernels' WebAssembly memory, so products run as SIMD GEMMs.
  const arenas = fast ? compiled.createArenas(Float32Array) : { params: new Float(compiled.layout.totalParams), grads: new Float(compiled.layout.totalParams) };
  const P = arenas.params;
  for (const slot of compiled.layout.params) P.set(params.get(slot.name)!, slot.offset);
  const G = arenas.grads;
  const runner = compiled.instantiate({ Float, B: c.B, T: c.T, params: P, grads: G });
  const g = differentiate(unroll(c.ir, c.T, { training: true }));

  let initialStates: Map<string, Float64Array>[] | undefined;
  let lossErr = 0;
  let gradErr = 0;
  let worst = '';
  for (const [k, w] of windows.entries()) {
    const maskSeed = c.seed + k;
    const ref = referenceLossAndGrads(g, { params, tokens: w, initialStates, maskSeed });
    const loss = runner.run(Int32Array.from(w.flat()), { seed: maskSeed });
    lossErr = Math.max(lossErr, Math.abs(loss - ref.loss) / Math.abs(ref.loss));
    for (const slot of compiled.layout.params) {
      const want = ref.grads.get(slot.name)!;
      const got = G.subarray(slot.offset, slot.offset + slot.size);
      const err = Float === Float64Array ? maxRelErr(got, want) : normRelErr(got, want);
      if (err > gradErr) [gradErr, worst] = [err, `${slot.name} (window ${k})`];
    }
    // The next window starts from this one's final states (reversed layers from zeros).
    initialStates = ref.finalStates.map((m) => new Map([...m].filter(([name]) => !compiled.layout.states.find((s) => s.name === name)!.reverse)));
  }
  return { lossErr, gradErr, worst };
}

const dims = { vocab: 6, embed: 3, hidden: 4 };
const models: [string, IRModel][] = [
  ['char-lstm', model('models/char-lstm.rnn', dims)],
  ['word-lstm', model('models/word-lstm.rnn', dims)],
  ['word-lstm-tied', model('models/word-lstm-tied.rnn', { vocab: 6, embed: 4, hidden: 4 })],
  ['exotic (reverse, concat, dropout, every builtin)', model('test/codegen/models/exotic.rnn', { vocab: 5 })],
  ['embedding, locked and plain dropout together', model('test/codegen/models/variational.rnn', { vocab: 5 })],
  ['two embedding_dropout masks in one step', model('test/codegen/models/two-row-masks.rnn', { vocab: 5 })],
  ['locked dropout on the recurrent input inside a cell', model('test/codegen/models/variational-recurrent.rnn', { vocab: 5 })],
  ['AR and TAR penalties', model('test/codegen/models/penalties.rnn', { vocab: 5 })],
  ['tied through a transpose, matrix products', model('test/codegen/models/tied-transpose.rnn', { vocab: 5 })],
  ['a state whose next value depends on the params alone', model('test/codegen/models/shared-state.rnn', { vocab: 5 })],
  ['a state that keeps its value (c\' = c)', model('test/codegen/models/identity-state.rnn', { vocab: 5 })],
  ['the adaptive softmax, tied, beside AR', model('test/codegen/models/adaptive.rnn', { vocab: 9 })],
];

describe('generated code equals the reference interpreter', () => {
  for (const [label, ir] of models) {
    it(`${label}: float64 within 1e-12`, () => {
      const r = compare({ ir, B: 3, T: 4, seed: 7 }, Float64Array);
      expect(r.lossErr).toBeLessThan(1e-12);
      expect(r.gradErr, r.worst).toBeLessThan(1e-12);
    });
    it(`${label}: float32 within 1e-5`, () => {
      const r = compare({ ir, B: 2, T: 3, seed: 11 }, Float32Array);
      expect(r.lossErr).toBeLessThan(1e-5);
      expect(r.gradErr, r.worst).toBeLessThan(1e-5);
    });
    it(`${label}: float32 through the WebAssembly GEMM (packed gates, fused loops) within 1e-5`, () => {
      const r = compare({ ir, B: 3, T: 5, seed: 13 }, Float32Array, true);
      expect(r.lossErr).toBeLessThan(1e-5);
      expect(r.gradErr, r.worst).toBeLessThan(1e-5);
    });
  }

  it('for random batch sizes, window lengths and weights (fast-check)', () => {
    const ir = models[0][1];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 1e9 }), (B, T, seed) => {
        const r = compare({ ir, B, T, seed }, Float64Array);
        return r.lossErr < 1e-12 && r.gradErr < 1e-12;
      }),
      { numRuns: Number(process.env.RNNC_GEN_RUNS ?? 25) },
    );
  });
});

// Each test compiles its own code: code generated while tests are collected is seen by no test (mutation testing).
describe('the runner', () => {
  const ir = models[0][1];
  it('rejects arenas and windows of the wrong size', () => {
    const compiled = compileModel(ir);
    const n = compiled.layout.totalParams;
    expect(() => compiled.instantiate({ Float: Float64Array, B: 1, T: 2, params: new Float64Array(3) })).toThrow(`the parameter arena must hold ${n} values, not 3`);
    expect(() => compiled.instantiate({ Float: Float64Array, B: 1, T: 2, params: new Float64Array(n), grads: new Float64Array(n - 1) })).toThrow(`the gradient arena must hold ${n} values, not ${n - 1}`);
    const r = compiled.instantiate({ Float: Float64Array, B: 1, T: 2, params: new Float64Array(n) });
    expect(() => r.run(new Int32Array(5))).toThrow('a window needs B × (T + 1) = 3 tokens, not 5');
    expect(() => r.run(Int32Array.of(0, 1, 99))).toThrow(/outside the vocabulary/);
  });
  it('without a gradient arena, or with backward: false, runs the forward pass only: the same loss, no gradient written', () => {
    const compiled = compileModel(ir);
    const { params, windows } = draw({ ir, B: 2, T: 3, seed: 4 });
    const P = new Float64Array(compiled.layout.totalParams);
    for (const slot of compiled.layout.params) P.set(params.get(slot.name)!, slot.offset);
    const tokens = Int32Array.from(windows[0].flat());
    const G = new Float64Array(P.length);
    const full = compiled.instantiate({ Float: Float64Array, B: 2, T: 3, params: P, grads: G }).run(tokens);
    expect(G.some((g) => g !== 0)).toBe(true);
    expect(compiled.instantiate({ Float: Float64Array, B: 2, T: 3, params: P }).run(tokens)).toBe(full);
    const G2 = new Float64Array(P.length);
    expect(compiled.instantiate({ Float: Float64Array, B: 2, T: 3, params: P, grads: G2 }).run(tokens, { backward: false })).toBe(full);
    expect(G2.every((g) => g === 0)).toBe(true);
  });
  it('inference code has no backward pass and matches the training code without dropout', () => {
    const inf = compileModel(ir, { backward: false });
    expect(inf.source).not.toMatch(/backward:/);
    expect(inf.source).not.toMatch(/accOuter/);
    const { params, windows } = draw({ ir, B: 2, T: 3, seed: 3 });
    const P = new Float64Array(inf.layout.totalParams);
    for (const slot of inf.layout.params) P.set(params.get(slot.name)!, slot.offset);
    const loss = inf.instantiate({ Float: Float64Array, B: 2, T: 3, params: P }).run(Int32Array.from(windows[0].flat()));
    const ref = referenceLossAndGrads(differentiate(unroll(ir, 3, { training: false })), { params, tokens: windows[0] });
    expect(Math.abs(loss - ref.loss)).toBeLessThan(1e-12);
  });
  it('carry: false and resetStates() start every window from zeros', () => {
    const compiled = compileModel(ir);
    const { params, windows } = draw({ ir, B: 2, T: 3, seed: 5 });
    const P = new Float64Array(compiled.layout.totalParams);
    for (const slot of compiled.layout.params) P.set(params.get(slot.name)!, slot.offset);
    const r = compiled.instantiate({ Float: Float64Array, B: 2, T: 3, params: P, grads: new Float64Array(P.length) });
    const tokens = Int32Array.from(windows[0].flat());
    const first = r.run(tokens, { carry: false });
    expect(r.run(tokens, { carry: false })).toBe(first);
    r.run(tokens);
    expect(r.run(tokens)).not.toBe(first);
    r.resetStates();
    expect(r.run(tokens)).toBe(first);
  });
});
