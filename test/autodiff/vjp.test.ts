// Every rule of the VJP table against float64 central differences: for random small shapes
// and values (fast-check), a tiny graph puts the op between param inputs and a scalar loss
// (cross-entropy of a random linear map of its output), and every entry of every param's
// gradient must match the five-point central difference within 1e-6 (relative, with the
// 1e-4 floor of `relativeError`). Values stay away from non-differentiable points.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Op } from '../../src/graph/types.ts';
import { interpret } from '../../src/graph/interpret.ts';
import { AutodiffError, differentiate } from '../../src/autodiff/grad.ts';
import { VJP } from '../../src/autodiff/vjp.ts';
import { Net, compareWithNumeric, size } from './helpers.ts';

const TOL = 1e-6;
// RNNC_VJP_RUNS=500 for a longer soak; 15 keeps `npm test` fast.
const RUNS = Number(process.env.RNNC_VJP_RUNS ?? 15);
const dim = fc.integer({ min: 1, max: 4 });
const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
const vocab = fc.integer({ min: 2, max: 4 });
/** A shape of rank 0, 1 or 2 with small dims. */
const anyShape = fc.oneof(fc.constant<number[]>([]), fc.tuple(dim).map((d) => [...d]), fc.tuple(dim, dim).map((d) => [...d]));

/** Differentiates the net's graph and requires every gradient entry to match central differences. */
function expectGradientsMatch(net: Net, tokens: number[], opts: { h?: number; maskSeed?: number } = {}): void {
  const r = compareWithNumeric(net.graph(), net.values, tokens, opts);
  expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
}

const token = (net: Net, V: number): number => Math.floor(net.rnd() * V);

describe('the VJP table', () => {
  it('has a rule for every forward op the unroller emits', () => {
    const forward: Op[] = ['matmul', 'add', 'sub', 'mul', 'div', 'neg', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'exp', 'log', 'softplus', 'transpose', 'concat', 'gather', 'cross_entropy', 'mean'];
    for (const op of forward) expect(VJP[op], op).toBeDefined();
  });
});

describe('matmul', () => {
  it('matrix–vector: dA = g ⊗ x, dx = Aᵀ g', () => {
    fc.assert(
      fc.property(dim, dim, vocab, seed, (m, k, V, s) => {
        const net = new Net(s);
        const y = net.op('matmul', [net.param('A', [m, k]), net.param('x', [k])], [m]);
        net.head(y, V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });

  it('matrix–matrix: dA = g Xᵀ, dX = Aᵀ g', () => {
    fc.assert(
      fc.property(dim, dim, dim, vocab, seed, (m, k, n, V, s) => {
        const net = new Net(s);
        const y = net.op('matmul', [net.param('A', [m, k]), net.param('X', [k, n])], [m, n]);
        net.head(y, V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });

  it('a square matrix times itself (both operands one param: the two terms add)', () => {
    fc.assert(
      fc.property(dim, vocab, seed, (n, V, s) => {
        const net = new Net(s);
        const A = net.param('A', [n, n]);
        net.head(net.op('matmul', [A, A], [n, n]), V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });
});

type Layout = 'same-shape' | 'tensor-scalar' | 'scalar-tensor' | 'scalar-scalar' | 'same-operand';
const layouts: Layout[] = ['same-shape', 'tensor-scalar', 'scalar-tensor', 'scalar-scalar', 'same-operand'];

describe.each(['add', 'sub', 'mul', 'div'] as const)('%s', (op) => {
  it.each(layouts)('%s operands (scalar broadcasting)', (layout) => {
    fc.assert(
      fc.property(fc.oneof(fc.tuple(dim).map((d) => [...d]), fc.tuple(dim, dim).map((d) => [...d])), vocab, seed, (shape, V, s) => {
        const net = new Net(s);
        // A divisor is kept in ±[0.5, 2]: well away from the pole at 0.
        const away = (): number => (net.rnd() < 0.5 ? -1 : 1) * net.uniform(0.5, 2);
        const draw = op === 'div' ? away : undefined;
        const aShape = layout === 'scalar-tensor' || layout === 'scalar-scalar' ? [] : shape;
        const bShape = layout === 'tensor-scalar' || layout === 'scalar-scalar' ? [] : shape;
        const a = net.param('a', aShape, draw);
        const b = layout === 'same-operand' ? a : net.param('b', bShape, draw);
        const outShape = aShape.length ? aShape : bShape;
        net.head(net.op(op, [a, b], outShape), V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });
});

/** Each unary op with the range its input is drawn from (magnitudes, for relu: a sign is drawn too). */
const unary: { op: Op; lo: number; hi: number; signed?: boolean; attrs?: (net: Net) => { slope: number } }[] = [
  { op: 'neg', lo: -2, hi: 2 },
  { op: 'sigmoid', lo: -4, hi: 4 },
  { op: 'tanh', lo: -3, hi: 3 },
  // |x| ≥ 0.1 while the stencil reaches at most 2e-3 away: never crosses the kink at 0.
  { op: 'relu', lo: 0.1, hi: 2, signed: true },
  { op: 'leaky_relu', lo: 0.1, hi: 2, signed: true, attrs: (net) => ({ slope: net.uniform(0.01, 0.5) }) },
  { op: 'exp', lo: -2, hi: 2 },
  { op: 'log', lo: 0.5, hi: 3 },
  { op: 'softplus', lo: -4, hi: 4 },
];

describe.each(unary)('$op', ({ op, lo, hi, signed, attrs }) => {
  it('on a scalar, a vector or a matrix', () => {
    fc.assert(
      fc.property(anyShape, vocab, seed, (shape, V, s) => {
        const net = new Net(s);
        const x = net.param('x', shape, () => (signed && net.rnd() < 0.5 ? -1 : 1) * net.uniform(lo, hi));
        net.head(net.op(op, [x], shape, attrs?.(net) ?? {}), V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });

  it('composed with itself (the rule reads its own output or input, not just g)', () => {
    fc.assert(
      fc.property(fc.tuple(dim).map((d) => [...d]), vocab, seed, (shape, V, s) => {
        const net = new Net(s);
        // exp(exp(x)) grows so fast that the stencil's O(h⁴) error shows beyond x ≈ 0.5.
        const top = op === 'exp' ? 0.5 : hi;
        const x = net.param('x', shape, () => (signed && net.rnd() < 0.5 ? -1 : 1) * net.uniform(lo, top));
        // op(op(x)) · w: the inner op's output feeds the outer one. For log, keep the inner result positive.
        let inner = net.op(op, [x], shape, attrs?.(net) ?? {});
        if (op === 'log') inner = net.op('exp', [inner], shape);
        const y = net.op('mul', [net.op(op, [inner], shape, attrs?.(net) ?? {}), net.param('w', shape)], shape);
        net.head(y, V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('relu and leaky_relu pass exactly 0 / slope · g on the negative side', () => {
  it('relu: a negative input gets no gradient', () => {
    const net = new Net(1);
    const x = net.param('x', [3], () => 0);
    net.values.set('x', Float64Array.of(-1, 2, -0.5));
    net.head(net.op('relu', [x], [3]), 3);
    const r = compareWithNumeric(net.graph(), net.values, [1]);
    expect(r.worst).toBeLessThanOrEqual(TOL);
    const gx = r.grads.get('x')!;
    expect(Math.abs(gx[0])).toBe(0);
    expect(Math.abs(gx[2])).toBe(0);
    expect(gx[1]).not.toBe(0);
  });
});

describe('transpose', () => {
  it('of a matrix: the gradient is the transposed incoming gradient', () => {
    fc.assert(
      fc.property(dim, dim, vocab, seed, (r, c, V, s) => {
        const net = new Net(s);
        const X = net.param('X', [r, c]);
        // The head reduces Xᵀ by Xᵀ @ v: an entry in the wrong place would pair with the wrong v.
        net.head(net.op('transpose', [X], [c, r]), V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('concat', () => {
  it('of 2–4 vectors of different lengths, the same vector possibly more than once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2, maxLength: 4 }), fc.tuple(dim, dim, dim), vocab, seed, (picks, lens, V, s) => {
        const net = new Net(s);
        const inputs = picks.map((p) => net.param(`x${p}`, [lens[p]]));
        const total = picks.reduce((n, p) => n + lens[p], 0);
        net.head(net.op('concat', inputs, [total]), V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('gather (embedding lookup) with its scatter-add gradient', () => {
  /** T steps, each looking up row token[t] (and, if `both`, row token[t+1]) of one table E; one shared head. */
  function embeddingNet(s: number, Vocab: number, d: number, tokens: number[], both: boolean): Net {
    const net = new Net(s);
    const E = net.param('E', [Vocab, d]);
    for (let t = 0; t + 1 < tokens.length; t++) {
      const e = net.op('gather', [E], [d], { target: 'token' }, t);
      const x = both ? net.op('concat', [e, net.op('gather', [E], [d], { target: 'next' }, t)], [2 * d]) : e;
      net.head(x, Vocab, t, 'shared');
    }
    return net;
  }

  it('over several steps with repeated tokens (rows accumulate)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), dim, fc.integer({ min: 1, max: 5 }), fc.boolean(), seed, (Vocab, d, T, both, s) => {
        const rnd = new Net(s ^ 0x5bd1e995).rnd;
        const tokens = Array.from({ length: T + 1 }, () => Math.floor(rnd() * Vocab));
        const net = embeddingNet(s, Vocab, d, tokens, both);
        expectGradientsMatch(net, tokens);
      }),
      { numRuns: RUNS },
    );
  });

  it('a row read three times gets the sum of three gradients; a row never read gets exactly 0', () => {
    const tokens = [2, 0, 2, 2, 1]; // row 3 is never read; row 2 is read at t = 0, 2, 3
    const net = embeddingNet(7, 4, 3, tokens, false);
    const g = net.graph();
    const r = compareWithNumeric(g, net.values, tokens);
    expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
    const dE = r.grads.get('E')!;
    expect([...dE.slice(9, 12)]).toEqual([0, 0, 0]);
    // Row 2 is the sum of the per-step scatter terms, each of which is non-zero only in row 2.
    const gg = differentiate(g);
    const vals = interpret(gg, { params: net.values, tokens });
    const scatters = gg.nodes.filter((n) => n.op === 'scatter_row');
    expect(scatters).toHaveLength(4);
    const row2 = new Float64Array(3);
    for (const n of scatters) if (tokens[n.t!] === 2) for (let j = 0; j < 3; j++) row2[j] += vals[n.id][6 + j];
    for (let j = 0; j < 3; j++) expect(dE[6 + j]).toBeCloseTo(row2[j], 14);
  });
});

describe('dropout mask (mul by a mask)', () => {
  it('the mask is a constant: gradients flow through kept entries only, scaled by 1/(1-p)', () => {
    fc.assert(
      fc.property(anyShape.filter((sh) => sh.length > 0), fc.constantFrom(0.25, 0.5, 0.75), fc.boolean(), vocab, seed, (shape, p, maskFirst, V, s) => {
        const net = new Net(s);
        const x = net.param('x', shape);
        const mask = net.op('mask', [], shape, { p, index: 0 }, 0);
        net.head(net.op('mul', maskFirst ? [mask, x] : [x, mask], shape), V);
        const tokens = [token(net, V)];
        const maskSeed = s;
        const r = compareWithNumeric(net.graph(), net.values, tokens, { maskSeed });
        expect(r.worst, r.where).toBeLessThanOrEqual(TOL);
        const m = interpret(net.graph(), { params: net.values, tokens, maskSeed })[mask];
        const gx = r.grads.get('x')!;
        for (let i = 0; i < size(shape); i++) {
          expect([0, 1 / (1 - p)]).toContain(m[i]);
          if (m[i] === 0) expect(Math.abs(gx[i])).toBe(0);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('cross_entropy (fused softmax + cross-entropy)', () => {
  it('of logits around 0, ±1000 and ±1e5: log-sum-exp keeps the loss and its gradient finite and exact', () => {
    fc.assert(
      fc.property(vocab, fc.constantFrom(0, 1000, -1000, 1e5, -1e5), seed, (V, offset, s) => {
        const net = new Net(s);
        const z = net.param('z', [V], () => offset + net.uniform(-3, 3));
        const ce = net.op('cross_entropy', [z], [], { target: 'token' }, 0);
        net.stepLosses.push(ce);
        const tokens = [token(net, V)];
        const g = net.graph();
        const loss = interpret(g, { params: net.values, tokens })[g.loss][0];
        expect(Number.isFinite(loss)).toBe(true);
        expect(loss).toBeGreaterThanOrEqual(0);
        // Differences of a loss computed next to ±1e5 lose digits to rounding, so the step
        // grows with the offset (truncation is O(h⁴) and the softmax is smooth).
        expectGradientsMatch(net, tokens, { h: Math.abs(offset) > 0 ? 1e-2 : 1e-3 });
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('of logits [1000, 1001, 999]: the loss and gradient of the same logits shifted by -1000', () => {
    for (const target of [0, 1, 2]) {
      const net = new Net(0);
      const z = net.param('z', [3]);
      net.values.set('z', Float64Array.of(1000, 1001, 999));
      net.stepLosses.push(net.op('cross_entropy', [z], [], { target: 'token' }, 0));
      const g = differentiate(net.graph());
      const vals = interpret(g, { params: net.values, tokens: [target] });
      const lse = Math.log(Math.exp(0) + Math.exp(1) + Math.exp(-1)); // of [0, 1, -1]
      const shifted = [0, 1, -1];
      expect(vals[g.loss][0]).toBeCloseTo(lse - shifted[target], 12);
      const dz = vals[g.grads.get('z')!];
      // Within a few ulps of 1000 (the lse is held near 1001.4, where one ulp is 1.1e-13).
      for (let i = 0; i < 3; i++) expect(dz[i]).toBeCloseTo(Math.exp(shifted[i] - lse) - (i === target ? 1 : 0), 12);
    }
  });

  it('inside a model-like head (the logits are a linear map)', () => {
    fc.assert(
      fc.property(dim, vocab, seed, (n, V, s) => {
        const net = new Net(s);
        net.head(net.param('x', [n]), V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('mean', () => {
  it('of 1–4 scalars, the same scalar possibly more than once', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }), vocab, seed, (picks, V, s) => {
        const net = new Net(s);
        const m = net.op('mean', picks.map((p) => net.param(`p${p}`, [])), []);
        net.head(m, V);
        expectGradientsMatch(net, [token(net, V)]);
      }),
      { numRuns: RUNS },
    );
  });

  it('of per-step losses (the window loss), one head shared across steps', () => {
    fc.assert(
      fc.property(dim, fc.integer({ min: 1, max: 4 }), vocab, seed, (n, T, V, s) => {
        const net = new Net(s);
        const x = net.param('x', [n]);
        let h = x;
        for (let t = 0; t < T; t++) {
          h = net.op('tanh', [net.op('matmul', [net.param('U', [n, n]), h], [n])], [n], {}, t);
          net.head(h, V, t, 'shared');
        }
        const tokens = Array.from({ length: T }, () => token(net, V));
        expectGradientsMatch(net, tokens);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('missing rules and arity mismatches are AutodiffErrors naming the op', () => {
  function attempt(op: Op, arity: number): () => unknown {
    const net = new Net(3);
    const inputs = Array.from({ length: arity }, (_, i) => net.param(`x${i}`, [2]));
    net.head(net.op(op, inputs, [2]), 2);
    const g = net.graph();
    return () => differentiate(g);
  }

  it('an op with no rule at all', () => {
    const f = attempt('bogus_op' as Op, 1);
    expect(f).toThrow(AutodiffError);
    expect(f).toThrow(/'bogus_op'/);
  });

  it('a backward-only op (outer, sum, xent_grad, …) in the forward graph has no rule', () => {
    for (const op of ['outer', 'sum', 'scatter_row', 'slice', 'sigmoid_grad', 'xent_grad'] as Op[]) {
      const f = attempt(op, 2);
      expect(f).toThrow(AutodiffError);
      expect(f).toThrow(new RegExp(`'${op}'`));
    }
  });

  it('a unary op with two inputs, a binary op with one or three', () => {
    for (const [op, n] of [['sigmoid', 2], ['tanh', 0], ['gather', 2], ['matmul', 1], ['add', 3], ['div', 1]] as [Op, number][]) {
      const f = attempt(op, n);
      expect(f, `${op} with ${n} inputs`).toThrow(AutodiffError);
      expect(f, `${op} with ${n} inputs`).toThrow(new RegExp(`'${op}' has ${n} inputs but its VJP rule expects`));
    }
  });
});
