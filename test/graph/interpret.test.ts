// The float64 reference interpreter on cases small enough to compute by hand: an Elman
// step with 1×1 weights, cross-entropy of known logits, log-sum-exp at ±1000, every op on
// literal inputs, the backward-only ops, dropout masks, and its errors.
import { describe, expect, it } from 'vitest';
import { interpret, logSumExp, maskSeed, mulberry32 } from '../../src/graph/interpret.ts';
import { GraphBuilder, unroll } from '../../src/graph/unroll.ts';
import type { GNode, Graph, Op } from '../../src/graph/types.ts';
import { modelFromText } from '../autodiff/helpers.ts';

// vocab 2, one-dimensional embedding and hidden state: every number fits in a head.
const TINY_ELMAN = `
use "cells/elman.rnn"
model TinyElman {
  dim vocab
  dim embed = 1, hidden = 1
  param E: [vocab, embed]
  param V: [vocab, hidden]
  param b_y: [vocab]
  h = Elman(E[token], hidden = hidden)
  loss cross_entropy(V @ h + b_y, next)
}
`;

describe('an Elman LM with 1×1 weights, by hand', () => {
  const ir = modelFromText(TINY_ELMAN, { vocab: 2 }, '__tiny_elman');
  // E = [[0.5], [-1]], W = 2, U = 0.5, b = 0.1, V = [[1], [-1]], b_y = [0, 0].
  const params = new Map<string, Float64Array>([
    ['E', Float64Array.of(0.5, -1)],
    ['V', Float64Array.of(1, -1)],
    ['b_y', Float64Array.of(0, 0)],
    ['h.W', Float64Array.of(2)],
    ['h.U', Float64Array.of(0.5)],
    ['h.b', Float64Array.of(0.1)],
  ]);

  it('has the params named as above', () => {
    expect(ir.params.map((p) => p.name).sort()).toEqual([...params.keys()].sort());
  });

  it('tokens 0 1 0 from zero state: h₀ = tanh(2·0.5 + 0.1), h₁ = tanh(2·(-1) + 0.5·h₀ + 0.1)', () => {
    const g = unroll(ir, 2);
    const vals = interpret(g, { params, tokens: [0, 1, 0] });
    // h₀ = tanh(1.1) = 0.8004990217606297; logits [h₀, -h₀], target 1: log(e^h₀ + e^-h₀) + h₀.
    const h0 = Math.tanh(1.1);
    expect(h0).toBeCloseTo(0.8004990217606297, 15);
    const l0 = Math.log(Math.exp(h0) + Math.exp(-h0)) + h0; // 1.7847312010405325
    // h₁ = tanh(-1.4997504891196851) = -0.9051031551880147; target 0: log(e^h₁ + e^-h₁) - h₁.
    const h1 = Math.tanh(-2 + 0.5 * h0 + 0.1);
    expect(h1).toBeCloseTo(-0.9051031551880147, 15);
    const l1 = Math.log(Math.exp(h1) + Math.exp(-h1)) - h1; // 1.9617424696687995
    expect(vals[g.stepLosses[0]][0]).toBeCloseTo(1.7847312010405325, 14);
    expect(vals[g.stepLosses[0]][0]).toBeCloseTo(l0, 14);
    expect(vals[g.stepLosses[1]][0]).toBeCloseTo(l1, 14);
    expect(vals[g.loss][0]).toBeCloseTo(1.873236835354666, 14);
    expect([...vals[g.states[0].final]][0]).toBeCloseTo(h1, 15);
  });

  it('from a given initial state h = 0.2: h₀ = tanh(1.1 + 0.5·0.2)', () => {
    const g = unroll(ir, 1);
    const vals = interpret(g, { params, tokens: [1, 1], initialStates: new Map([['h.h', Float64Array.of(0.2)]]) });
    const h0 = Math.tanh(2 * -1 + 0.5 * 0.2 + 0.1);
    expect(vals[g.states[0].final][0]).toBeCloseTo(h0, 15);
    expect(vals[g.loss][0]).toBeCloseTo(Math.log(Math.exp(h0) + Math.exp(-h0)) + h0, 14);
  });
});

/** A graph around hand-built nodes: `out` is what the tests read. */
function tiny(build: (b: GraphBuilder) => void): Graph {
  const b = new GraphBuilder();
  build(b);
  const params = new Map(b.nodes.filter((n) => n.op === 'param').map((n) => [n.attrs.name!, n.id]));
  const ce = b.nodes.filter((n) => n.op === 'cross_entropy').map((n) => n.id);
  const loss = b.add('mean', ce, [], {}, 'loss');
  return { nodes: b.nodes, T: 1, params, states: [], loss, stepLosses: ce, segments: [] };
}

const run = (g: Graph, params: Record<string, number[]>, tokens: number[] = [0, 0], extra: { maskSeed?: number; example?: number } = {}): Float64Array[] =>
  interpret(g, { params: new Map(Object.entries(params).map(([k, v]) => [k, Float64Array.from(v)])), tokens, ...extra });

describe('cross-entropy and log-sum-exp', () => {
  const ceOf = (logits: number[], target: number): number => {
    const g = tiny((b) => b.add('cross_entropy', [b.add('param', [], [logits.length], { name: 'z' })], [], { target: 'token' }, '', null, 0));
    return run(g, { z: logits }, [target])[g.loss][0];
  };

  it('of known logits: -log softmax([1, 2, 3])[y]', () => {
    expect(ceOf([1, 2, 3], 0)).toBeCloseTo(2.40760596444438, 14); // log(e + e² + e³) - 1
    expect(ceOf([1, 2, 3], 2)).toBeCloseTo(2.40760596444438 - 2, 14);
    expect(ceOf([0, 0, 0, 0], 3)).toBeCloseTo(Math.log(4), 15); // uniform: log V
    expect(ceOf([5], 0)).toBe(0); // one class: always right
  });

  it('reads the target from the token at t (token) or t + 1 (next)', () => {
    const g = tiny((b) => {
      const z = b.add('param', [], [3], { name: 'z' });
      b.add('cross_entropy', [z], [], { target: 'token' }, '', null, 1);
      b.add('cross_entropy', [z], [], { target: 'next' }, '', null, 1);
    });
    const vals = run(g, { z: [1, 2, 3] }, [9, 0, 2]);
    expect(vals[g.stepLosses[0]][0]).toBeCloseTo(2.40760596444438, 14);
    expect(vals[g.stepLosses[1]][0]).toBeCloseTo(2.40760596444438 - 2, 14);
  });

  it('is stable at large logits: the max is subtracted before exp', () => {
    expect(ceOf([1000, 0], 0)).toBe(0);
    expect(ceOf([1000, 0], 1)).toBe(1000);
    expect(ceOf([1000, 1000], 0)).toBeCloseTo(Math.LN2, 12);
    expect(ceOf([-1000, -1000, -1000], 1)).toBeCloseTo(Math.log(3), 12);
    expect(Number.isFinite(ceOf([1e308, 1e308], 1))).toBe(true); // not Infinity - Infinity
    expect(Number.isFinite(ceOf([-1e308, 0], 0))).toBe(true);
  });

  it('logSumExp', () => {
    expect(logSumExp(Float64Array.of(1000, 1000))).toBe(1000 + Math.LN2);
    expect(logSumExp(Float64Array.of(-1000, -1000))).toBe(-1000 + Math.LN2);
    expect(logSumExp(Float64Array.of(0, Math.log(3)))).toBeCloseTo(Math.log(4), 15);
    expect(logSumExp(Float64Array.of(-Infinity, 0))).toBe(0);
    expect(logSumExp(Float64Array.of(-Infinity, -Infinity))).toBe(-Infinity);
    expect(logSumExp(Float64Array.of(710, 710))).toBe(710 + Math.LN2); // exp(710) alone overflows
  });
});

describe('each op on literal inputs', () => {
  /** Evaluates op over params a (and b) of the given shapes. */
  function op1(o: Op, a: number[], shape: number[], attrs: GNode['attrs'] = {}): number[] {
    const g = tiny((b) => b.add(o, [b.add('param', [], shape, { name: 'a' })], shape, attrs, '', null, 0));
    return [...run(g, { a })[g.nodes.length - 2]];
  }
  function op2(o: Op, a: number[], aShape: number[], bv: number[], bShape: number[], outShape: number[]): number[] {
    const g = tiny((b) => b.add(o, [b.add('param', [], aShape, { name: 'a' }), b.add('param', [], bShape, { name: 'b' })], outShape, {}, '', null, 0));
    return [...run(g, { a, b: bv })[g.nodes.length - 2]];
  }

  it('matmul: matrix–vector and matrix–matrix (row-major)', () => {
    expect(op2('matmul', [1, 2, 3, 4, 5, 6], [2, 3], [1, 0, -1], [3], [2])).toEqual([-2, -2]);
    expect(op2('matmul', [1, 2, 3, 4], [2, 2], [5, 6, 7, 8], [2, 2], [2, 2])).toEqual([19, 22, 43, 50]);
    expect(op2('matmul', [1, 2], [1, 2], [3, 4, 5, 6, 7, 8], [2, 3], [1, 3])).toEqual([15, 18, 21]);
  });

  it('element-wise binary ops, with a scalar broadcast on either side', () => {
    expect(op2('add', [1, 2], [2], [10, 20], [2], [2])).toEqual([11, 22]);
    expect(op2('sub', [1, 2], [2], [10], [], [2])).toEqual([-9, -8]);
    expect(op2('sub', [10], [], [1, 2], [2], [2])).toEqual([9, 8]);
    expect(op2('mul', [3], [], [1, 2, 3, 4], [2, 2], [2, 2])).toEqual([3, 6, 9, 12]);
    expect(op2('div', [1, 2], [2], [4], [], [2])).toEqual([0.25, 0.5]);
    expect(op2('div', [1], [], [4, 8], [2], [2])).toEqual([0.25, 0.125]);
    expect(op2('add', [1], [], [2], [], [])).toEqual([3]);
  });

  it('unary ops, including their extremes', () => {
    expect(op1('neg', [1, -2], [2])).toEqual([-1, 2]);
    expect(op1('relu', [-1, 0, 2], [3])).toEqual([0, 0, 2]);
    expect(op1('leaky_relu', [-1, 2], [2], { slope: 0.1 })).toEqual([-0.1, 2]);
    expect(op1('exp', [0, 1], [2])).toEqual([1, Math.E]);
    expect(op1('log', [1, Math.E], [2])).toEqual([0, 1]);
    expect(op1('tanh', [0, 1000, -1000], [3])).toEqual([0, 1, -1]);
    const sig = op1('sigmoid', [0, 1000, -1000, 2], [4]);
    expect(sig.slice(0, 3)).toEqual([0.5, 1, 0]); // no NaN from exp overflow
    expect(sig[3]).toBeCloseTo(1 / (1 + Math.exp(-2)), 15);
    const sp = op1('softplus', [0, 1000, -1000, 1], [4]);
    expect(sp[0]).toBeCloseTo(Math.LN2, 15);
    expect(sp[1]).toBe(1000); // log(1 + e^1000) without overflow
    expect(sp[2]).toBe(0);
    expect(sp[3]).toBeCloseTo(Math.log(1 + Math.E), 15);
  });

  it('transpose, concat, gather, mean', () => {
    const gt = tiny((b) => b.add('transpose', [b.add('param', [], [2, 3], { name: 'a' })], [3, 2], {}, '', null, 0));
    expect([...run(gt, { a: [1, 2, 3, 4, 5, 6] })[1]]).toEqual([1, 4, 2, 5, 3, 6]);
    const gc = tiny((b) => b.add('concat', [b.add('param', [], [2], { name: 'a' }), b.add('param', [], [1], { name: 'b' }), 0], [5], {}, '', null, 0));
    expect([...run(gc, { a: [1, 2], b: [3] })[2]]).toEqual([1, 2, 3, 1, 2]);
    const gg = tiny((b) => {
      const E = b.add('param', [], [3, 2], { name: 'E' });
      b.add('gather', [E], [2], { target: 'token' }, '', null, 1);
      b.add('gather', [E], [2], { target: 'next' }, '', null, 1);
    });
    const vg = run(gg, { E: [1, 2, 3, 4, 5, 6] }, [0, 2, 1]);
    expect([...vg[1]]).toEqual([5, 6]);
    expect([...vg[2]]).toEqual([3, 4]);
    const gm = tiny((b) => b.add('mean', [b.add('param', [], [], { name: 'a' }), b.add('param', [], [], { name: 'b' }), 0], [], {}, '', null, null));
    expect([...run(gm, { a: [1], b: [4] })[2]]).toEqual([2]);
  });

  it('the backward-only ops: outer, sum, scatter_row, slice, *_grad, xent_grad', () => {
    const g = tiny((b) => {
      const u = b.add('param', [], [2], { name: 'u' });
      const v = b.add('param', [], [3], { name: 'v' });
      const s = b.add('param', [], [], { name: 's' });
      b.add('outer', [u, v], [2, 3]); // 3
      b.add('sum', [v], []); // 4
      b.add('scatter_row', [u], [3, 2], { target: 'token' }, '', null, 0); // 5
      b.add('slice', [v], [2], { start: 1 }); // 6
      b.add('sigmoid_grad', [u, u], [2]); // 7: g·y(1-y) with y = g = u
      b.add('tanh_grad', [u, u], [2]); // 8: g(1-y²)
      b.add('relu_grad', [u, u], [2]); // 9
      b.add('leaky_relu_grad', [u, u], [2], { slope: 0.5 }); // 10
      b.add('xent_grad', [v, s], [3], { target: 'token' }, '', null, 0); // 11: s·(softmax(v) - onehot)
    });
    const vals = run(g, { u: [2, -1], v: [1, 2, 3], s: [2] }, [1]);
    expect([...vals[3]]).toEqual([2, 4, 6, -1, -2, -3]);
    expect([...vals[4]]).toEqual([6]);
    expect([...vals[5]]).toEqual([0, 0, 2, -1, 0, 0]);
    expect([...vals[6]]).toEqual([2, 3]);
    expect([...vals[7]]).toEqual([2 * 2 * (1 - 2), -1 * -1 * (1 + 1)]);
    expect([...vals[8]]).toEqual([2 * (1 - 4), -1 * (1 - 1)]);
    expect([...vals[9]]).toEqual([2, 0]);
    expect([...vals[10]]).toEqual([2, -0.5]);
    const z = Math.exp(1) + Math.exp(2) + Math.exp(3);
    const want = [Math.exp(1) / z, Math.exp(2) / z - 1, Math.exp(3) / z].map((p) => 2 * p);
    [...vals[11]].forEach((x, i) => expect(x).toBeCloseTo(want[i], 15));
  });

  it('evaluates only the nodes below upTo', () => {
    const g = tiny((b) => b.add('exp', [b.add('param', [], [1], { name: 'a' })], [1], {}, '', null, 0));
    const vals = interpret(g, { params: new Map([['a', Float64Array.of(0)]]), tokens: [0] }, 1);
    expect(vals).toHaveLength(1);
    expect([...vals[0]]).toEqual([0]);
  });
});

describe('dropout masks', () => {
  const maskGraph = (n: number, p: number, t = 0, index = 0) => tiny((b) => b.add('mask', [], [n], { p, index }, '', null, t));
  const mask = (n: number, p: number, o: { seed?: number; example?: number; t?: number; index?: number } = {}): number[] => {
    const g = maskGraph(n, p, o.t, o.index);
    return [...interpret(g, { params: new Map(), tokens: [], maskSeed: o.seed, example: o.example })[0]];
  };

  it('are 0 or 1/(1-p), keeping about 1 - p of the entries', () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const m = mask(4000, p, { seed: 7 });
      expect(m.filter((v) => v !== 0 && v !== 1 / (1 - p))).toEqual([]);
      const kept = m.filter((v) => v !== 0).length / m.length;
      expect(Math.abs(kept - (1 - p))).toBeLessThan(0.03);
    }
  });

  it('are reproducible from the seed, and differ by seed, example, step and mask index', () => {
    const base = mask(64, 0.5, { seed: 3 });
    expect(mask(64, 0.5, { seed: 3 })).toEqual(base);
    expect(mask(64, 0.5, { seed: 4 })).not.toEqual(base);
    expect(mask(64, 0.5, { seed: 3, example: 1 })).not.toEqual(base);
    expect(mask(64, 0.5, { seed: 3, t: 1 })).not.toEqual(base);
    expect(mask(64, 0.5, { seed: 3, index: 1 })).not.toEqual(base);
    // The documented seeding: mulberry32 seeded by maskSeed(seed, index, t, example).
    const rnd = mulberry32(maskSeed(3, 0, 0, 0));
    expect(base).toEqual(Array.from({ length: 64 }, () => (rnd() < 0.5 ? 0 : 2)));
  });
});

describe('interpreter errors', () => {
  const gatherGraph = tiny((b) => b.add('gather', [b.add('param', [], [2, 1], { name: 'E' })], [1], { target: 'token' }, '', null, 0));

  it('a token outside the vocabulary', () => {
    expect(() => run(gatherGraph, { E: [1, 2] }, [2])).toThrow(/outside the vocabulary/);
    expect(() => run(gatherGraph, { E: [1, 2] }, [-1])).toThrow(/outside the vocabulary/);
    const ce = tiny((b) => b.add('cross_entropy', [b.add('param', [], [2], { name: 'z' })], [], { target: 'token' }, '', null, 0));
    expect(() => run(ce, { z: [1, 2] }, [5])).toThrow(/outside the vocabulary/);
  });

  it('a window too short for its steps', () => {
    expect(() => run(gatherGraph, { E: [1, 2] }, [])).toThrow(/no token at position 0/);
  });

  it('a missing param, or one of the wrong size', () => {
    expect(() => run(gatherGraph, {}, [0])).toThrow(/no value for param E/);
    expect(() => run(gatherGraph, { E: [1, 2, 3] }, [0])).toThrow(/param E has 3 values, expected 2/);
  });
});
