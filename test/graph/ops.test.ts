// The op registry's forms of one op agree with each other: for every element-wise op, the
// scalar JavaScript the emitter prints (run in float64, as float64 generated code runs it)
// and the SIMD form (run by the loop compiler in float32) against the op's float64
// reference, on random operands (fast-check). A new op in the registry is checked here
// without a line of this file changing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { OPS, ELEMENTWISE_OPS, opDef } from '../../src/graph/ops/index.ts';
import { exactSigmoid } from '../../src/codegen/fast-math.ts';
import { numberLiteral } from '../../src/codegen/names.ts';
import { buildLoopModule, SIMD_OPS, type LoopSpec } from '../../src/codegen/simd-loops.ts';
import { GraphBuilder } from '../../src/graph/unroll.ts';
import type { Op } from '../../src/graph/types.ts';
import { VJP } from '../../src/autodiff/vjp.ts';

const SLOPE = 0.25;
const attrs = { slope: SLOPE };
const elementwise = Object.values(OPS).filter((d) => d.elementwise);
// Operands inside every op's domain (log reads positives); grads read values in (-1, 1).
const operand = fc.float({ min: -6, max: 6, noNaN: true }).map((v) => (Object.is(v, -0) ? 0 : v));
const close = (got: number, want: number, tol: number) =>
  Number.isNaN(want) ? Number.isNaN(got) : got === want || Math.abs(got - want) <= tol * Math.max(1, Math.abs(want));
const domain = (op: string, v: number) => (op === 'log' ? Math.abs(v) + 0.5 : v);

describe('the op registry', () => {
  it('names every entry by its key, and every element-wise op has a float64 reference and a JavaScript form', () => {
    for (const [key, def] of Object.entries(OPS)) {
      expect(def.name).toBe(key);
      expect(opDef(key)).toBe(def);
      if (!def.elementwise) continue;
      expect(def.ref, key).toBeTypeOf('function');
      expect(def.js, key).toBeTypeOf('function');
    }
    expect(opDef('gather')).toBeUndefined();
    expect(opDef('toString')).toBeUndefined();
    expect([...ELEMENTWISE_OPS].sort()).toEqual(elementwise.map((d) => d.name).sort());
  });

  it('broadcasts scalars in element-wise shape rules and refuses mismatched operands', () => {
    expect(OPS.add.shape([[3], []], {})).toEqual([3]);
    expect(OPS.mul.shape([[], []], {})).toEqual([]);
    expect(() => OPS.sub.shape([[3], [4]], {})).toThrow(/do not match/);
    expect(OPS.matmul.shape([[2, 3], [3]], {})).toEqual([2]);
    expect(OPS.matmul.shape([[2, 3], [3, 5]], {})).toEqual([2, 5]);
    expect(() => OPS.matmul.shape([[2, 3], [4]], {})).toThrow(/cannot multiply/);
  });

  it('says which derivatives read the op\'s output: exactly those whose VJP builds nodes reading it', () => {
    for (const def of elementwise.filter((d) => d.vjp && d.arity === 1)) {
      const b = new GraphBuilder();
      const x = b.add('param', [], [3], { name: 'x' });
      const y = b.add(def.name as Op, [x], [3], { slope: SLOPE });
      const g = b.add('param', [], [3], { name: 'g' });
      const first = b.nodes.length;
      VJP[def.name as Op]!.vjp({ b, node: b.nodes[y], g, shapeOf: (id) => b.nodes[id].shape });
      const readsY = b.nodes.slice(first).some((n) => n.inputs.includes(y));
      expect(readsY, def.name).toBe(def.gradReadsOutput === true);
    }
  });

  for (const def of elementwise) {
    it(`${def.name}: the scalar JavaScript computes the float64 reference`, () => {
      const xs = Array.from({ length: def.arity as number }, (_, k) => `x${k}`);
      const f = new Function('$sigmoid', '$tanh', ...xs, `return ${def.js!(xs, attrs, numberLiteral)};`);
      fc.assert(
        fc.property(operand, operand, (a, b) => {
          const x = domain(def.name, a);
          const want = def.ref!(x, b, attrs);
          const got = f(exactSigmoid, Math.tanh, x, b) as number;
          expect(close(got, want, 1e-14), `${def.name}(${x}, ${b}) = ${got}, want ${want}`).toBe(true);
        }),
        { numRuns: 200 },
      );
    });
  }

  const PAGES = 1;
  const memory = new WebAssembly.Memory({ initial: PAGES, maximum: PAGES });
  const F = new Float32Array(memory.buffer);
  for (const def of elementwise.filter((d) => d.simd)) {
    it(`${def.name}: the SIMD form computes the float64 reference to float32 accuracy`, () => {
      expect(SIMD_OPS.has(def.name)).toBe(true);
      const unary = def.arity === 1;
      const spec: LoopSpec = {
        shape: 'flat', len: 8, arrays: 3, scalars: 0,
        ops: [{ op: def.name, inputs: [{ kind: 'array', param: 0, access: 'vec' }, ...(unary ? [] : [{ kind: 'array' as const, param: 1, access: 'vec' as const }])], store: 2, slope: SLOPE }],
      };
      const f = buildLoopModule([spec], { memory, pages: PAGES, shared: false }).f0;
      fc.assert(
        fc.property(fc.array(operand, { minLength: 8, maxLength: 8 }), fc.array(operand, { minLength: 8, maxLength: 8 }), (as, bs) => {
          F.set(as.map((v) => domain(def.name, v)), 0);
          F.set(bs, 8);
          f(0, 32, 64, 8);
          for (let i = 0; i < 8; i++) {
            const want = Math.fround(def.ref!(F[i], F[8 + i], attrs));
            const got = F[16 + i];
            expect(close(got, want, def.name === 'div' ? 1e-6 : 3e-6), `${def.name}(${F[i]}, ${F[8 + i]}) = ${got}, want ${want}`).toBe(true);
          }
        }),
        { numRuns: 60 },
      );
    });
  }
});
