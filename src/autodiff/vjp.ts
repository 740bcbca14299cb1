// Every vector–Jacobian product rule, in one table: those of the registry's ops (graph/ops/)
// and of the structural ops below. A rule receives the node, the id of
// the gradient flowing into its output, and a builder; it returns the gradient of each
// input (null where none flows: data, masks, constants). Rules build graph nodes, so the
// backward pass is itself a graph that the interpreter and the code generator both read.
import type { GraphBuilder } from '../graph/unroll.ts';
import type { GNode, Op } from '../graph/types.ts';
import { OPS, opDef, type OpDef, type VjpBuilder } from '../graph/ops/index.ts';

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

/** The registry op `def` as a VJP rule: its vjp reads the node through a VjpBuilder. */
function fromRegistry(def: OpDef, vjp: NonNullable<OpDef['vjp']>): Rule {
  return {
    arity: def.arity,
    vjp: (c) => {
      const d: VjpBuilder = {
        x: c.node.inputs,
        y: c.node.id,
        g: c.g,
        attrs: c.node.attrs,
        shapeOf: c.shapeOf,
        op: (name, inputs, attrs = {}) => {
          const o = opDef(name);
          if (!o) throw new Error(`internal: the VJP of '${def.name}' builds '${name}', which is not in the op registry`);
          return op(c, o.name as Op, inputs, o.shape(inputs.map(c.shapeOf), attrs), attrs);
        },
        unbroadcast: (grad, k) => unbroadcast(c, grad, c.node.inputs[k]),
      };
      return vjp(d);
    },
  };
}

/** Rules of the ops outside the registry: they read data, reduce, or cut vectors. */
const STRUCTURAL: Readonly<Partial<Record<Op, Rule>>> = {
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
  gather: { arity: 1, vjp: (c) => [op(c, 'scatter_row', [c.g], c.shapeOf(c.node.inputs[0]), c.node.attrs.offset ? { target: c.node.attrs.target, offset: c.node.attrs.offset } : { target: c.node.attrs.target })] },
  // d/dlogits of -log softmax(logits)[y] = softmax(logits) - onehot(y)
  cross_entropy: { arity: 1, vjp: (c) => [op(c, 'xent_grad', [c.node.inputs[0], c.g], c.shapeOf(c.node.inputs[0]), c.node.attrs.offset ? { target: c.node.attrs.target, offset: c.node.attrs.offset } : { target: c.node.attrs.target })] },
  // The adaptive softmax (graph/adaptive.ts): one gradient op per input, each reading what the forward read.
  adaptive_logprobs: { arity: 2, vjp: (c) => [0, 1].map((part) => op(c, 'adaptive_logprobs_grad', [...c.node.inputs, c.g], c.shapeOf(c.node.inputs[part]), { cutoffs: c.node.attrs.cutoffs, part })) },
  adaptive_xent: {
    arity: 'any',
    vjp: (c) => {
      const { target, offset, cutoffs } = c.node.attrs;
      return c.node.inputs.map((i, part) => op(c, 'adaptive_xent_grad', [...c.node.inputs, c.g], c.shapeOf(i), offset ? { target, offset, cutoffs, part } : { target, cutoffs, part }));
    },
  },
  // d/dx Σ x² = 2x
  sumsq: { arity: 1, vjp: (c) => [op(c, 'mul', [c.node.inputs[0], op(c, 'mul', [c.g, op(c, 'const', [], [], { value: 2 })], [])], c.shapeOf(c.node.inputs[0]))] },
  mean: {
    arity: 'any',
    vjp: (c) => {
      const scale = op(c, 'const', [], [], { value: 1 / c.node.inputs.length });
      const each = op(c, 'mul', [c.g, scale], []);
      return c.node.inputs.map(() => each);
    },
  },
};

export const VJP: Readonly<Partial<Record<Op, Rule>>> = {
  ...Object.fromEntries(Object.values(OPS).flatMap((def) => (def.vjp ? [[def.name, fromRegistry(def, def.vjp)]] : []))),
  ...STRUCTURAL,
};

/** Sources: no inputs, so nothing to propagate; gradients that reach them are results. */
export const SOURCES: ReadonlySet<Op> = new Set(['param', 'state0', 'const', 'mask']);
