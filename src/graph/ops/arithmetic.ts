// + - * / and negation: element-wise, a scalar operand broadcast over the other. Their
// gradients reduce back to a scalar operand's shape by summing (unbroadcast).
import { elementwise, type OpDef } from './types.ts';

export const add: OpDef = elementwise({
  name: 'add',
  arity: 2,
  ref: (a, b) => a + b,
  js: ([a, b]) => `${a} + ${b}`,
  simd: (s, [a, b]) => s.add(a, b),
  vjp: (d) => [d.unbroadcast(d.g, 0), d.unbroadcast(d.g, 1)],
  onnx: (b, [x, y]) => b.node('Add', [x.name, y.name]),
});

export const sub: OpDef = elementwise({
  name: 'sub',
  arity: 2,
  ref: (a, b) => a - b,
  js: ([a, b]) => `${a} - ${b}`,
  simd: (s, [a, b]) => s.sub(a, b),
  vjp: (d) => [d.unbroadcast(d.g, 0), d.unbroadcast(d.op('neg', [d.g]), 1)],
  onnx: (b, [x, y]) => b.node('Sub', [x.name, y.name]),
});

export const mul: OpDef = elementwise({
  name: 'mul',
  arity: 2,
  ref: (a, b) => a * b,
  js: ([a, b]) => `${a} * ${b}`,
  simd: (s, [a, b]) => s.mul(a, b),
  vjp: (d) => [d.unbroadcast(d.op('mul', [d.g, d.x[1]]), 0), d.unbroadcast(d.op('mul', [d.g, d.x[0]]), 1)],
  onnx: (b, [x, y]) => b.node('Mul', [x.name, y.name]),
});

// y = a / b: da = g / b, db = -g a / b²
export const div: OpDef = elementwise({
  name: 'div',
  arity: 2,
  ref: (a, b) => a / b,
  js: ([a, b]) => `${a} / ${b}`,
  simd: (s, [a, b]) => s.div(a, b),
  vjp: (d) => {
    const [a, b] = d.x;
    const da = d.op('div', [d.g, b]);
    const ga = d.op('mul', [d.g, a]);
    const bb = d.op('mul', [b, b]);
    const db = d.op('neg', [d.op('div', [ga, bb])]);
    return [d.unbroadcast(da, 0), d.unbroadcast(db, 1)];
  },
  onnx: (b, [x, y]) => b.node('Div', [x.name, y.name]),
});

export const neg: OpDef = elementwise({
  name: 'neg',
  arity: 1,
  ref: (a) => -a,
  js: ([a]) => `-${a}`,
  simd: (s, [a]) => s.neg(a),
  vjp: (d) => [d.op('neg', [d.g])],
  onnx: (b, [x]) => b.node('Neg', [x.name]),
});
