// Products, transposes and concatenation: ops over whole values, evaluated by plain loops
// (the generated code calls kernels for them; see codegen/emit.ts).
import type { OnnxBuilder, OnnxValue, OpDef } from './types.ts';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A · x for a matrix A and a vector or matrix x. */
function matmulShape([a, x]: readonly (readonly number[])[]): number[] {
  if (a.length !== 2 || (x.length !== 1 && x.length !== 2) || a[1] !== x[0]) throw new Error(`cannot multiply [${a.join(', ')}] by [${x.join(', ')}]`);
  return x.length === 1 ? [a[0]] : [a[0], x[1]];
}

/** [B, ...] → [...] axes: the per-example axes of a batched value start at 1. */
const perm = (v: OnnxValue, p: number[]): number[] => (v.batched ? [0, ...p.map((k) => k + 1)] : p);

/** A @ x as ONNX: MatMul broadcasts leading axes, so only a batched vector x needs care. */
function matmulOnnx(b: OnnxBuilder, [a, x]: readonly OnnxValue[]): string {
  if (x.shape.length === 2 || !x.batched) return b.node('MatMul', [a.name, x.name]);
  // x: [B, k]. x Aᵀ = [B, m] when A is shared (one Gemm); a batched A: [B, m, k] @ [B, k, 1], squeezed.
  if (!a.batched) return b.node('Gemm', [x.name, a.name], { transB: 1 });
  const col = b.node('Unsqueeze', [x.name, b.ints([2])]);
  return b.node('Squeeze', [b.node('MatMul', [a.name, col]), b.ints([2])]);
}

export const matmul: OpDef = {
  name: 'matmul',
  arity: 2,
  elementwise: false,
  shape: matmulShape,
  evaluate([a, x], [as, xs], out) {
    const [m, k] = as;
    const cols = xs.length === 1 ? 1 : xs[1];
    const y = new Float64Array(size(out));
    for (let i = 0; i < m; i++)
      for (let j = 0; j < cols; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += a[i * k + p] * x[p * cols + j];
        y[i * cols + j] = s;
      }
    return y;
  },
  // y = A @ x: dA = g ⊗ x, dx = Aᵀ g.   y = A @ X: dA = g Xᵀ, dX = Aᵀ g.
  vjp(d) {
    const [a, x] = d.x;
    const dx = d.op('matmul', [d.op('transpose', [a]), d.g]);
    if (d.shapeOf(x).length === 1) return [d.op('outer', [d.g, x]), dx];
    return [d.op('matmul', [d.g, d.op('transpose', [x])]), dx];
  },
  onnx: matmulOnnx,
};

export const transpose: OpDef = {
  name: 'transpose',
  arity: 1,
  elementwise: false,
  shape([s]) {
    if (s.length !== 2) throw new Error(`only a matrix can be transposed, not [${s.join(', ')}]`);
    return [s[1], s[0]];
  },
  evaluate([x], [[r, c]], out) {
    const y = new Float64Array(size(out));
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) y[j * r + i] = x[i * c + j];
    return y;
  },
  vjp: (d) => [d.op('transpose', [d.g])],
  onnx: (b, [x]) => b.node('Transpose', [x.name], { perm: perm(x, [1, 0]) }),
};

// g ⊗ x: the gradient of the matrix in a matrix–vector product (backward only).
export const outer: OpDef = {
  name: 'outer',
  arity: 2,
  elementwise: false,
  shape: ([g, x]) => [size(g), size(x)],
  evaluate([g, x], _, out) {
    const y = new Float64Array(size(out));
    for (let i = 0; i < g.length; i++) for (let j = 0; j < x.length; j++) y[i * x.length + j] = g[i] * x[j];
    return y;
  },
};

export const concat: OpDef = {
  name: 'concat',
  arity: 'any',
  elementwise: false,
  shape: (xs) => [xs.reduce((n, s) => n + size(s), 0)],
  evaluate(xs, _, out) {
    const y = new Float64Array(size(out));
    let off = 0;
    for (const v of xs) {
      y.set(v, off);
      off += v.length;
    }
    return y;
  },
  // Along the last axis; a part that does not depend on the data is repeated over the batch first.
  onnx: (b, xs) => b.node('Concat', xs.map((x) => (xs.some((y) => y.batched) && !x.batched ? b.perStream(x) : x.name)), { axis: -1 }),
};
