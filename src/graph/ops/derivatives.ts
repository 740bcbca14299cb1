// Ops that only the backward pass introduces: the derivatives of the nonlinearities times
// the incoming gradient g (the second input). No VJP: nothing differentiates them again.
import { elementwise, type OpDef } from './types.ts';

// g · y(1 − y), from the output y of sigmoid
export const sigmoid_grad: OpDef = elementwise({
  name: 'sigmoid_grad',
  arity: 2,
  ref: (y, g) => g * y * (1 - y),
  js: ([y, g]) => `${g} * ${y} * (1 - ${y})`,
  simd: (s, [y, g]) => s.mul(s.mul(g, y), s.sub(s.one(), y)),
  onnx: (b, [y, g]) => b.node('Mul', [b.node('Mul', [g.name, y.name]), b.node('Sub', [b.scalar(1), y.name])]),
});

// g · (1 − y²), from the output y of tanh
export const tanh_grad: OpDef = elementwise({
  name: 'tanh_grad',
  arity: 2,
  ref: (y, g) => g * (1 - y * y),
  js: ([y, g]) => `${g} * (1 - ${y} * ${y})`,
  simd: (s, [y, g]) => s.mul(g, s.sub(s.one(), s.mul(y, y))),
  onnx: (b, [y, g]) => b.node('Mul', [g.name, b.node('Sub', [b.scalar(1), b.node('Mul', [y.name, y.name])])]),
});

// g where x > 0, else 0
export const relu_grad: OpDef = elementwise({
  name: 'relu_grad',
  arity: 2,
  ref: (x, g) => (x > 0 ? g : 0),
  js: ([x, g]) => `${x} > 0 ? ${g} : 0`,
  simd: (s, [x, g]) => s.and(g, s.gt(x, s.zero())),
});

// g where x > 0, slope · g elsewhere
export const leaky_relu_grad: OpDef = elementwise({
  name: 'leaky_relu_grad',
  arity: 2,
  ref: (x, g, { slope }) => (x > 0 ? g : slope! * g),
  js: ([x, g], { slope }, lit) => `${x} > 0 ? ${g} : ${lit(slope!)} * ${g}`,
  simd: (s, [x, g], { slope }) => s.select(g, s.mul(s.splat(slope!), g), s.gt(x, s.zero())),
});

// g where -1 < x < 1, else 0: hardtanh's derivative, from its input x
export const hardtanh_grad: OpDef = elementwise({
  name: 'hardtanh_grad',
  arity: 2,
  ref: (x, g) => (x > -1 && x < 1 ? g : 0),
  js: ([x, g]) => `${x} > -1 && ${x} < 1 ? ${g} : 0`,
  simd: (s, [x, g]) => s.and(s.and(g, s.gt(x, s.splat(-1))), s.gt(s.one(), x)),
});
