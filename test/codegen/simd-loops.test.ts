import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildLoopModule, simdEligible, type LoopSpec } from '../../src/codegen/simd-loops.ts';

// Oracle: each op in float64 with Math's functions, as the float64 generated code does.
const ORACLE: Record<string, (a: number, b: number, slope: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, neg: (a) => -a,
  sigmoid: (a) => 1 / (1 + Math.exp(-a)), tanh: (a) => Math.tanh(a), exp: (a) => Math.exp(a),
  relu: (a) => (a > 0 ? a : 0), leaky_relu: (a, _, s) => (a > 0 ? a : s * a),
  sigmoid_grad: (a, b) => b * a * (1 - a), tanh_grad: (a, b) => b * (1 - a * a),
  relu_grad: (a, b) => (a > 0 ? b : 0), leaky_relu_grad: (a, b, s) => (a > 0 ? b : s * b),
};
const UNARY = new Set(['neg', 'sigmoid', 'tanh', 'exp', 'relu', 'leaky_relu']);
const PAGES = 4;
const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
const F = new Float32Array(memory.buffer);
const close = (got: number, want: number, tol: number) =>
  Number.isNaN(want) ? Number.isNaN(got) : got === want || Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));

describe('SIMD element-wise loops (oracle: the ops in float64)', () => {
  for (const op of Object.keys(ORACLE)) {
    it(`${op}: flat loop over n entries does n − n mod 4 and matches`, () => {
      fc.assert(fc.property(
        fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.float({ min: -3, max: 3, noNaN: true }), { minLength: 40, maxLength: 40 }),
        (xs, ys) => {
          const n = xs.length;
          const a = 0, b = 256, out = 512; // element offsets
          F.fill(0, 0, 1024);
          F.set(xs, a);
          F.set(ys.slice(0, n), b);
          F.fill(-7, out, out + 64);
          const spec: LoopSpec = {
            shape: 'flat', len: n, arrays: 3, scalars: 0,
            ops: [{ op, inputs: UNARY.has(op) ? [{ kind: 'array', param: 0, access: 'vec' }] : [{ kind: 'array', param: 0, access: 'vec' }, { kind: 'array', param: 1, access: 'vec' }], store: 2, slope: 0.25 }],
          };
          const f = buildLoopModule([spec], { memory, pages: PAGES, shared: false }).f0;
          const done = f(a * 4, b * 4, out * 4, n);
          expect(done).toBe(n - (n % 4));
          for (let i = 0; i < n; i++) {
            const want = Math.fround(ORACLE[op](Math.fround(xs[i]), F[b + i], 0.25));
            if (i < done) expect(close(F[out + i], want, op === 'div' ? 1e-6 : 2e-6), `${op}(${xs[i]}, ${F[b + i]}) = ${F[out + i]}, want ${want}`).toBe(true);
            else expect(F[out + i]).toBe(-7); // the tail is JavaScript's
          }
        }), { numRuns: 60 });
    });
  }

  it('edge values: relu of NaN is 0 as in JavaScript, tanh and sigmoid saturate, exp overflows to a finite clamp', () => {
    const xs = [NaN, -0, 0, 1e-30, -1e-30, 100, -100, 7.9, -7.9, 88, -90, 3];
    F.set(xs, 0);
    const run = (op: string) => {
      const spec: LoopSpec = { shape: 'flat', len: 12, arrays: 2, scalars: 0, ops: [{ op, inputs: [{ kind: 'array', param: 0, access: 'vec' }], store: 1 }] };
      buildLoopModule([spec], { memory, pages: PAGES, shared: false }).f0(0, 400, 12);
      return Array.from(F.subarray(100, 112));
    };
    expect(run('relu')[0]).toBe(0);
    const t = run('tanh');
    expect(t[5]).toBeCloseTo(1, 6);
    expect(t[6]).toBeCloseTo(-1, 6);
    expect(Math.abs(t[3] - 1e-30) / 1e-30).toBeLessThan(1e-6);
    const s = run('sigmoid');
    expect(s[5]).toBe(1);
    expect(s[6]).toBeLessThan(1e-37);
    expect(s[6]).toBeGreaterThanOrEqual(0);
    const e = run('exp');
    expect(Number.isFinite(e[9])).toBe(true);
    expect(e[10]).toBeGreaterThanOrEqual(0);
  });

  it('a NaN stays NaN through exp, sigmoid and tanh (their clamps pass it on), infinities saturate as in JavaScript', () => {
    const xs = [NaN, Infinity, -Infinity, 0];
    F.set(xs, 0);
    const run = (op: string) => {
      const spec: LoopSpec = { shape: 'flat', len: 4, arrays: 2, scalars: 0, ops: [{ op, inputs: [{ kind: 'array', param: 0, access: 'vec' }], store: 1 }] };
      buildLoopModule([spec], { memory, pages: PAGES, shared: false }).f0(0, 400, 4);
      return Array.from(F.subarray(100, 104));
    };
    for (const op of ['exp', 'sigmoid', 'tanh']) expect(Number.isNaN(run(op)[0]), `${op}(NaN)`).toBe(true);
    expect(run('tanh').slice(1)).toEqual([1, -1, 0]);
    const s = run('sigmoid');
    expect(s[1]).toBe(1);
    expect(s[2]).toBeLessThan(1e-37);
    expect(s[3]).toBe(0.5);
    const e = run('exp');
    expect(e[1]).toBeCloseTo(Math.exp(88), -33);
    expect(e[2]).toBeLessThan(1e-37);
    expect(e[3]).toBe(1);
  });

  it('rows loop: vec, shared and per-row operands, scalars, values reused across ops', () => {
    const rows = 3, len = 8;
    for (let i = 0; i < rows * len; i++) F[i] = Math.sin(i);        // x: vec
    for (let j = 0; j < len; j++) F[100 + j] = 0.1 * j;             // bias: shared
    for (let r = 0; r < rows; r++) F[200 + r] = r + 1;              // per-row scale
    F.fill(0, 300, 300 + rows * len);
    F.fill(0, 400, 400 + rows * len);
    // v0 = x + bias; v1 = v0 * rowScale; v2 = tanh(v1) → out1; v3 = v2 * s0 + v0 → out2
    const spec: LoopSpec = {
      shape: 'rows', len, arrays: 5, scalars: 1,
      ops: [
        { op: 'add', inputs: [{ kind: 'array', param: 0, access: 'vec' }, { kind: 'array', param: 1, access: 'shared' }] },
        { op: 'mul', inputs: [{ kind: 'value', op: 0 }, { kind: 'array', param: 2, access: 'row' }] },
        { op: 'tanh', inputs: [{ kind: 'value', op: 1 }], store: 3 },
        { op: 'mul', inputs: [{ kind: 'value', op: 2 }, { kind: 'scalar', param: 0 }] },
        { op: 'add', inputs: [{ kind: 'value', op: 3 }, { kind: 'value', op: 0 }], store: 4 },
      ],
    };
    const done = buildLoopModule([spec], { memory, pages: PAGES, shared: false }).f0(0, 400, 800, 1200, 1600, 0.5, rows);
    expect(done).toBe(rows);
    for (let r = 0; r < rows; r++) for (let j = 0; j < len; j++) {
      const v0 = Math.fround(Math.sin(r * len + j)) + Math.fround(0.1 * j);
      const v2 = Math.tanh(v0 * (r + 1));
      expect(F[300 + r * len + j]).toBeCloseTo(v2, 5);
      expect(F[400 + r * len + j]).toBeCloseTo(v2 * 0.5 + v0, 5);
    }
  });

  it('eligibility: rows loops need whole vectors per row; log and softplus stay in JavaScript', () => {
    expect(simdEligible('rows', 8, ['add'])).toBe(true);
    expect(simdEligible('rows', 6, ['add'])).toBe(false);
    expect(simdEligible('flat', 6, ['add', 'tanh'])).toBe(true);
    expect(simdEligible('flat', 8, ['log'])).toBe(false);
    expect(simdEligible('flat', 8, ['softplus'])).toBe(false);
    // One op without a SIMD form keeps the whole fused run in JavaScript.
    expect(simdEligible('flat', 8, ['add', 'log', 'mul'])).toBe(false);
    expect(simdEligible('rows', 8, ['softplus', 'tanh'])).toBe(false);
  });
});
