// The computation graph: SSA nodes over concrete shapes (per example; the batch is a
// separate, outer dimension). The unrolled forward graph and the backward graph that
// autodiff appends to it share this one representation, so one interpreter and one code
// generator serve both.
import type { Span } from '../syntax/ast.ts';
import type { RegistryOp } from './ops/index.ts';

/** Element-wise and matrix ops are the registry's (graph/ops/); the rest are structural. */
export type Op =
  // sources
  | 'param' // a parameter, by name
  | 'seed' // generated code only: an incoming gradient (of the loss, or of a state from the next step)
  | 'state0' // the initial value of a state (the previous window's final state, or zeros)
  | 'const' // a scalar constant
  | 'mask' // a dropout mask: 0 or 1/(1-p) per entry, drawn per example and step (or per window: attrs.mode)
  // forward ops of the IR that read data or reduce over the window
  | 'gather' // row `token[t]` of a table
  | 'cross_entropy' // -log softmax(logits)[target[t]], computed with log-sum-exp
  | 'mean' // the mean of scalar inputs: the window's loss
  | 'sumsq' // the sum of the squares of the entries: AR/TAR penalties
  // ops that only the backward pass introduces
  | 'sum' // sum of all entries: the gradient of a broadcast scalar
  | 'scatter_row' // a zero table with row `token[t]` set to the input: the gradient of gather
  | 'slice' // entries [start, start + length) of a vector: the gradient of concat
  | 'xent_grad' // g * (softmax(logits) - onehot(target))
  // the adaptive softmax (graph/adaptive.ts): dense log-probabilities, and the training loss fused with its output layer
  | 'adaptive_logprobs' // [z (word logits), u (cluster logits)] → every word's log-probability
  | 'adaptive_logprobs_grad' // [z, u, g] → the gradient of input attrs.part (0: z, 1: u)
  | 'adaptive_xent' // [W, h, u, b?] → −log p(target) with z = W·h + b, computing only the head and the target's cluster
  | 'adaptive_xent_grad' // [W, h, u, b?, g] → the gradient of input attrs.part (0: W, 1: h, 2: u, 3: b)
  // matmul, add, sigmoid, tanh_grad, …: see graph/ops/
  | RegistryOp;

export interface GNode {
  id: number;
  op: Op;
  inputs: number[];
  shape: number[];
  /** Op-specific attributes: a param/state name, a constant, a slope, a slice, a target. */
  attrs: {
    name?: string;
    value?: number;
    slope?: number;
    p?: number;
    start?: number;
    /** Which data row a gather/cross-entropy reads: the token at step t, or the next one. */
    target?: 'token' | 'next';
    /** A gather, cross-entropy or their gradient reads the token at step t + offset (offset < 0: the past). */
    offset?: number;
    /** A dropout mask's position among the masks of one step (with t, it seeds the mask). */
    index?: number;
    /** A mask drawn once per window: per example ('locked'), or per row of the table the lookup reads ('rows'). */
    mode?: 'locked' | 'rows';
    /** The adaptive softmax's cluster cutoffs, increasing (graph/adaptive.ts). */
    cutoffs?: number[];
    /** Which input a gradient op computes the gradient of. */
    part?: number;
  };
  /** Time step the node belongs to (null for params and the loss). */
  t: number | null;
  /** Which run of same-layer statements (swept over time together) the node belongs to. */
  seg?: number | null;
  /** A readable name from the source: `h1.c'`, `e`, `d_h1.W_i`. */
  label: string;
  /** Where in a .rnn file the node comes from. */
  span: Span | null;
}

export interface StateInfo {
  name: string;
  shape: number[];
  reverse: boolean;
  /** The state0 node the window starts from. */
  initial: number;
  /** The node holding the state's value after the window (the last update in its direction). */
  final: number;
}

/** A run of consecutive statements of one layer (or of the model itself, layer null). */
export interface Segment {
  layer: string | null;
  reverse: boolean;
}

export interface Graph {
  nodes: GNode[];
  /** Window length. */
  T: number;
  params: Map<string, number>;
  states: StateInfo[];
  /** The scalar mean cross-entropy over the window. */
  loss: number;
  /** The per-step cross-entropy nodes, in time order. */
  stepLosses: number[];
  /** The statement runs, in evaluation order; GNode.seg indexes this. */
  segments: Segment[];
  /** Training with ar/tar: each step's penalty (the sum of its terms), in time order. */
  penalties?: number[];
  /** Training with ar/tar: loss + the mean of the penalties, what the gradients are of (else `loss`). */
  objective?: number;
}
