// Every vector–Jacobian product rule, in one table. A rule receives the node, the id of
// the gradient flowing into its output, and a builder; it returns the gradient of each
// input (null where none flows: data, masks, constants). Rules build graph nodes, so the
// backward pass is itself a graph that the interpreter and the code generator both read.
import type { GraphBuilder } from '../graph/unroll.ts';
import type { GNode, Op } from '../graph/types.ts';

export interface VjpContext {
  b: GraphBuilder;
  node: GNode;
  /** Gradient of the loss with respect to the node's output. */
  g: number;
  shapeOf(id: number): number[];
}

type Rule = { arity: number | 'any'; vjp: (c: VjpContext) => (number | null)[] };

/** The gradient `g` of a broadcast result, reduced to an operand's shape (a scalar sums). */
function unbroadcast(c: VjpContext, g: number, operand: number): number {
  const target = c.shapeOf(operand);
  if (target.length === 0 && c.shapeOf(g).length !== 0) return c.b.add('sum', [g], [], {}, '', c.node.span, c.node.t);
  return g;
}

function op(c: VjpContext, o: Op, inputs: number[], shape: number[], attrs: GNode['attrs'] = {}): number {
  return c.b.add(o, inputs, shape, attrs, '', c.node.span, c.node.t);
}

const elementwise = (o: Op, extra: (n: GNode) => GNode['attrs'] = () => ({})): Rule => ({
  arity: 1,
  vjp: (c) => [op(c, o, [o === 'sigmoid_grad' || o === 'tanh_grad' ? c.node.id : c.node.inputs[0], c.g], c.node.shape, extra(c.node))],
});

export const VJP: Readonly<Partial<Record<Op, Rule>>> = {
  // y = A @ x: dA = g ⊗ x, dx = Aᵀ g.   y = A @ X: dA = g Xᵀ, dX = Aᵀ g.
  matmul: {
    arity: 2,
    vjp: (c) => {
      const [a, x] = c.node.inputs;
      const [m, k] = c.shapeOf(a);
      const xs = c.shapeOf(x);
      const at = op(c, 'transpose', [a], [k, m]);
      const dx = op(c, 'matmul', [at, c.g], xs);
      if (xs.length === 1) return [op(c, 'outer', [c.g, x], [m, k]), dx];
      const xt = op(c, 'transpose', [x], [xs[1], xs[0]]);
      return [op(c, 'matmul', [c.g, xt], [m, k]), dx];
    },
  },
  add: { arity: 2, vjp: (c) => c.node.inputs.map((i) => unbroadcast(c, c.g, i)) },
  sub: {
    arity: 2,
    vjp: (c) => {
      const [a, b] = c.node.inputs;
      return [unbroadcast(c, c.g, a), unbroadcast(c, op(c, 'neg', [c.g], c.node.shape), b)];
    },
  },
  mul: {
    arity: 2,
    vjp: (c) => {
      const [a, b] = c.node.inputs;
      return [unbroadcast(c, op(c, 'mul', [c.g, b], c.node.shape), a), unbroadcast(c, op(c, 'mul', [c.g, a], c.node.shape), b)];
    },
  },
  // y = a / b: da = g / b, db = -g a / b²
  div: {
    arity: 2,
    vjp: (c) => {
      const [a, b] = c.node.inputs;
      const da = op(c, 'div', [c.g, b], c.node.shape);
      const ga = op(c, 'mul', [c.g, a], c.node.shape);
      const bb = op(c, 'mul', [b, b], c.shapeOf(b));
      const db = op(c, 'neg', [op(c, 'div', [ga, bb], c.node.shape)], c.node.shape);
      return [unbroadcast(c, da, a), unbroadcast(c, db, b)];
    },
  },
  neg: { arity: 1, vjp: (c) => [op(c, 'neg', [c.g], c.node.shape)] },
  // Saturating nonlinearities differentiate from their output: σ' = y(1-y), tanh' = 1-y².
  sigmoid: elementwise('sigmoid_grad'),
  tanh: elementwise('tanh_grad'),
  relu: elementwise('relu_grad'),
  leaky_relu: elementwise('leaky_relu_grad', (n) => ({ slope: n.attrs.slope })),
  exp: { arity: 1, vjp: (c) => [op(c, 'mul', [c.g, c.node.id], c.node.shape)] },
  log: { arity: 1, vjp: (c) => [op(c, 'div', [c.g, c.node.inputs[0]], c.node.shape)] },
  // softplus'(x) = σ(x)
  softplus: { arity: 1, vjp: (c) => [op(c, 'mul', [c.g, op(c, 'sigmoid', [c.node.inputs[0]], c.node.shape)], c.node.shape)] },
  transpose: { arity: 1, vjp: (c) => [op(c, 'transpose', [c.g], c.shapeOf(c.node.inputs[0]))] },
  concat: {
    arity: 'any',
    vjp: (c) => {
      let start = 0;
      return c.node.inputs.map((i) => {
        const shape = c.shapeOf(i);
        const s = op(c, 'slice', [c.g], shape, { start });
        start += shape[0];
        return s;
      });
    },
  },
  // The gradient of an embedding lookup is a scatter-add into the looked-up row.
  gather: { arity: 1, vjp: (c) => [op(c, 'scatter_row', [c.g], c.shapeOf(c.node.inputs[0]), { target: c.node.attrs.target })] },
  // d/dlogits of -log softmax(logits)[y] = softmax(logits) - onehot(y)
  cross_entropy: { arity: 1, vjp: (c) => [op(c, 'xent_grad', [c.node.inputs[0], c.g], c.shapeOf(c.node.inputs[0]), { target: c.node.attrs.target })] },
  mean: {
    arity: 'any',
    vjp: (c) => {
      const scale = op(c, 'const', [], [], { value: 1 / c.node.inputs.length });
      const each = op(c, 'mul', [c.g, scale], []);
      return c.node.inputs.map(() => each);
    },
  },
};

/** Sources: no inputs, so nothing to propagate; gradients that reach them are results. */
export const SOURCES: ReadonlySet<Op> = new Set(['param', 'state0', 'const', 'mask']);
