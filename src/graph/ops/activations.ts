// The nonlinearities. Saturating ones (sigmoid, tanh) and exp differentiate from their
// output; the others from their input. Each grad op is in derivatives.ts.
import { elementwise, type OpDef } from './types.ts';

export const sigmoid: OpDef = elementwise({
  name: 'sigmoid',
  arity: 1,
  // Stable on both sides: e^v / (1 + e^v) for v < 0 never overflows.
  ref: (v) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v))),
  // $sigmoid: exact in float64, float32-accurate and faster with float32 kernels (fast-math.ts).
  js: ([a]) => `$sigmoid(${a})`,
  simd: (s, [a]) => s.div(s.one(), s.add(s.one(), s.exp(s.neg(a)))),
  gradReadsOutput: true,
  vjp: (d) => [d.op('sigmoid_grad', [d.y, d.g])],
  onnx: (b, [x]) => b.node('Sigmoid', [x.name]),
});

export const tanh: OpDef = elementwise({
  name: 'tanh',
  arity: 1,
  ref: Math.tanh,
  js: ([a]) => `$tanh(${a})`,
  simd: (s, [a]) => s.tanh(a),
  gradReadsOutput: true,
  vjp: (d) => [d.op('tanh_grad', [d.y, d.g])],
  onnx: (b, [x]) => b.node('Tanh', [x.name]),
});

export const relu: OpDef = elementwise({
  name: 'relu',
  arity: 1,
  ref: (v) => (v > 0 ? v : 0),
  js: ([a]) => `${a} > 0 ? ${a} : 0`,
  // x > 0 ? x : 0 (NaN → 0, as in JavaScript): pmax(0, x) = 0 < x ? x : 0
  simd: (s, [a]) => s.pmax(s.zero(), a),
  kinks: [0],
  vjp: (d) => [d.op('relu_grad', [d.x[0], d.g])],
  onnx: (b, [x]) => b.node('Relu', [x.name]),
});

export const leaky_relu: OpDef = elementwise({
  name: 'leaky_relu',
  arity: 1,
  ref: (v, _, { slope }) => (v > 0 ? v : slope! * v),
  js: ([a], { slope }, lit) => `${a} > 0 ? ${a} : ${lit(slope!)} * ${a}`,
  simd: (s, [a], { slope }) => s.select(a, s.mul(s.splat(slope!), a), s.gt(a, s.zero())),
  kinks: [0],
  vjp: (d) => [d.op('leaky_relu_grad', [d.x[0], d.g], { slope: d.attrs.slope })],
  onnx: (b, [x], { slope }) => b.node('LeakyRelu', [x.name], { alpha: { float: slope! } }),
});

export const exp: OpDef = elementwise({
  name: 'exp',
  arity: 1,
  ref: Math.exp,
  js: ([a]) => `Math.exp(${a})`,
  simd: (s, [a]) => s.exp(a),
  gradReadsOutput: true,
  vjp: (d) => [d.op('mul', [d.g, d.y])],
  onnx: (b, [x]) => b.node('Exp', [x.name]),
});

export const log: OpDef = elementwise({
  name: 'log',
  arity: 1,
  ref: Math.log,
  js: ([a]) => `Math.log(${a})`,
  vjp: (d) => [d.op('div', [d.g, d.x[0]])],
  onnx: (b, [x]) => b.node('Log', [x.name]),
});

// log(1 + e^v) without overflow for large v; softplus'(x) = σ(x).
export const softplus: OpDef = elementwise({
  name: 'softplus',
  arity: 1,
  ref: (v) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))),
  js: ([a]) => `${a} > 0 ? ${a} + Math.log1p(Math.exp(-${a})) : Math.log1p(Math.exp(${a}))`,
  vjp: (d) => [d.op('mul', [d.g, d.op('sigmoid', [d.x[0]])])],
  onnx: (b, [x]) => b.node('Softplus', [x.name]),
});

// clamp(x, -1, 1): tanh's cheap cousin, with kinks at ±1.
export const hardtanh: OpDef = elementwise({
  name: 'hardtanh',
  arity: 1,
  ref: (v) => (v > 1 ? 1 : v < -1 ? -1 : v),
  js: ([a]) => `${a} > 1 ? 1 : ${a} < -1 ? -1 : ${a}`,
  simd: (s, [a]) => s.max(s.min(a, s.one()), s.splat(-1)),
  kinks: [-1, 1],
  vjp: (d) => [d.op('hardtanh_grad', [d.x[0], d.g])],
  onnx: (b, [x]) => b.node('Clip', [x.name, b.scalar(-1), b.scalar(1)]),
});
