// One stage of the exported model — a Scan body (one step, [B, …] values) or the main graph
// (all T·B positions at once, [T·B, …] values) — lowering step-graph nodes to ONNX nodes on
// demand, each op by its registry entry. Values a stage does not compute come from `outside`.
import type { Span } from '../../syntax/ast.ts';
import type { GNode, Graph } from '../../graph/types.ts';
import { opDef, type OnnxBuilder, type OnnxValue } from '../../graph/ops/index.ts';
import { floatScalar, int64Tensor, node, type AttrValue, type NodeProto, type TensorProto } from './proto.ts';
import type { History } from './history.ts';

/** What cannot be exported, and where in the model it comes from. */
export class Unexportable extends Error {
  constructor(message: string, readonly span: Span | null, readonly hint?: string) {
    super(message);
  }
}

export interface StageSpec {
  g: Graph;
  batched: readonly boolean[];
  /** Prefix of the names this stage creates (unique in the whole model). */
  prefix: string;
  /** Where the stage's nodes go. */
  nodes: NodeProto[];
  /** The stage's tokens, one per row: [B] in a Scan body, [T·B] in the main graph. */
  tokens(): string;
  /** The name of a value computed elsewhere (a state, a scan input, a Scan's output), or null to compute it here. */
  outside(id: number): string | null;
  /** The token history offset lookups read (the main graph of a model with one; lookups are hoisted out of every Scan). */
  history?: History;
}

export interface Stage {
  b: OnnxBuilder;
  valueOf(id: number): OnnxValue;
  /** A fresh name under the stage's prefix. */
  fresh(hint: string): string;
}

export function stage(s: StageSpec): Stage {
  const { g, batched, nodes } = s;
  let counter = 0;
  const fresh = (hint: string): string => `${s.prefix}${hint}${counter++}`;
  const constant = (tensor: TensorProto, hint: string): string => {
    const out = fresh(hint);
    nodes.push(node('Constant', [], [out], { value: { tensor: { ...tensor, name: out } } }));
    return out;
  };
  const b: OnnxBuilder = {
    node(opType, inputs, attrs = {}) {
      const out = fresh(opType.toLowerCase());
      nodes.push(node(opType, inputs, [out], attrs as Record<string, AttrValue>));
      return out;
    },
    scalar: (v) => constant(floatScalar('', v), 'c'),
    ints: (vs) => constant(int64Tensor('', [vs.length], vs), 'ints'),
    perStream: (x) => b.node('Expand', [x.name, b.node('Concat', [b.node('Shape', [s.tokens()]), b.ints(x.shape)], { axis: 0 })]),
  };

  const memo = new Map<number, OnnxValue>();
  const valueOf = (id: number): OnnxValue => {
    const known = memo.get(id);
    if (known) return known;
    const n = g.nodes[id];
    const outer = n.op === 'param' ? n.attrs.name! : s.outside(id);
    let name = outer ?? lower(n);
    // A per-stream value computed from the params alone (a state's next value, the logits).
    if (outer === null && batched[id] && n.op !== 'gather' && !n.inputs.some((i) => batched[i])) name = b.perStream({ name, batched: false, shape: n.shape });
    const v: OnnxValue = { name, batched: batched[id], shape: n.shape };
    if (v.batched && n.shape.length === 0) throw new Unexportable('a per-example scalar that depends on the data is not exported', n.span);
    memo.set(id, v);
    return v;
  };

  function lower(n: GNode): string {
    switch (n.op) {
      case 'state0':
        throw new Unexportable(`internal: the state ${n.attrs.name} is read outside its layer's sweep`, n.span);
      case 'const':
        return b.scalar(n.attrs.value!);
      case 'gather':
        if (n.attrs.offset) {
          if (!s.history) throw new Unexportable('internal: an offset lookup (token@k) outside the main graph', n.span);
          const table = s.history.padded(valueOf(n.inputs[0]).name, g.nodes[n.inputs[0]].shape.length);
          return b.node('Gather', [table, s.history.idsAt(n.attrs.offset)], { axis: 0 });
        }
        return b.node('Gather', [valueOf(n.inputs[0]).name, s.tokens()], { axis: 0 });
      case 'adaptive_logprobs':
        return adaptiveLogProbs(b, valueOf(n.inputs[0]).name, valueOf(n.inputs[1]).name, n.attrs.cutoffs!, n.shape[0]);
    }
    const def = opDef(n.op);
    if (!def?.onnx) throw new Unexportable(`'${n.op}' has no ONNX lowering`, n.span, 'add one to its entry in src/graph/ops/');
    const xs = n.inputs.map(valueOf);
    try {
      return def.onnx(b, xs, n.attrs);
    } catch (e) {
      throw new Unexportable(e instanceof Error ? e.message : String(e), n.span);
    }
  }

  return { b, valueOf, fresh };
}

/**
 * graph/adaptive.ts's log-probabilities over the last axis: the head's log-softmax over the
 * head words' logits and the cluster logits, then each cluster's log-softmax plus its head entry.
 */
function adaptiveLogProbs(b: OnnxBuilder, z: string, u: string, cutoffs: readonly number[], V: number): string {
  const slice = (x: string, from: number, to: number): string => b.node('Slice', [x, b.ints([from]), b.ints([to]), b.ints([-1])]);
  const c1 = cutoffs[0];
  const head = b.node('LogSoftmax', [b.node('Concat', [slice(z, 0, c1), u], { axis: -1 })], { axis: -1 });
  const parts = [slice(head, 0, c1)];
  cutoffs.forEach((a, k) => {
    const e = k + 1 < cutoffs.length ? cutoffs[k + 1] : V;
    parts.push(b.node('Add', [b.node('LogSoftmax', [slice(z, a, e)], { axis: -1 }), slice(head, c1 + k, c1 + k + 1)]));
  });
  return b.node('Concat', parts, { axis: -1 });
}
