// The one-step graph as ONNX Scan bodies. Consecutive segments that run in one direction
// share a Scan (a forward layer at step t reads the layers below it at t and its own state
// at t − 1, so one sweep computes them all); a reversed layer gets a Scan that runs
// backwards. A value a later Scan reads leaves its Scan as a [T, B, …] scan output. Each
// op is lowered by its registry entry; what has no lowering is refused at its source.
import type { Span } from '../../syntax/ast.ts';
import type { Graph, GNode, StateInfo } from '../../graph/types.ts';
import { opDef, type OnnxBuilder, type OnnxValue } from '../../graph/ops/index.ts';
import { FLOAT, INT64, graph, int64Tensor, node, valueInfo, type AttrValue, type NodeProto, type TensorProto, type ValueInfoProto } from './proto.ts';

/** What cannot be exported, and where in the model it comes from. */
export class Unexportable extends Error {
  constructor(message: string, readonly span: Span | null, readonly hint?: string) {
    super(message);
  }
}

export interface Group {
  reverse: boolean;
  segs: Set<number>;
}

/** Segments in order, merged while the direction stays; a layer-less (stateless) segment joins the group before it. */
export function groupsOf(g: Graph): Group[] {
  const out: Group[] = [];
  g.segments.forEach((s, k) => {
    const last = out.at(-1);
    if (last && (s.layer === null || last.reverse === s.reverse)) last.segs.add(k);
    else out.push({ reverse: s.reverse, segs: new Set([k]) });
  });
  return out;
}

/**
 * Whether each node carries a batch axis: it depends on the data (a token or a state), or
 * it is a state's next value or the logits, which are per stream even when they are not.
 */
export function batchedNodes(g: Graph, logits: number): boolean[] {
  const forced = new Set([logits, ...g.states.map((s) => s.final)]);
  const batched: boolean[] = [];
  for (const n of g.nodes) batched[n.id] = forced.has(n.id) || n.op === 'gather' || n.op === 'state0' || n.op === 'cross_entropy' || n.inputs.some((i) => batched[i]);
  return batched;
}

/** The model-wide facts every Scan body reads. */
export interface StepModel {
  g: Graph;
  batched: boolean[];
  groups: Group[];
  groupOf(id: number): number;
  /** Batched values that later groups read: node id → the outer name of its [T, B, …] sequence. */
  sequences: Map<number, string>;
  /** The logits node (the input of the step's cross-entropy) and the outer name of their log-softmax. */
  logits: number;
  logProbs: string;
  tokens: string;
  /** Outer names of a state's initial and final values. */
  stateIn(s: StateInfo): string;
  stateOut(s: StateInfo): string;
}

const dims = (batched: boolean, shape: readonly number[]): (number | string)[] => (batched ? ['B', ...shape] : [...shape]);

/** The Scan node of group k, with its body. */
export function lowerGroup(m: StepModel, k: number): NodeProto {
  const { g, batched } = m;
  const group = m.groups[k];
  const prefix = `scan${k}/`;
  let counter = 0;
  const fresh = (hint: string): string => `${prefix}${hint}${counter++}`;
  const nodes: NodeProto[] = [];
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
    scalar: (v) => constant({ dims: [], dataType: FLOAT, floatData: [v] }, 'c'),
    ints: (vs) => constant(int64Tensor('', [vs.length], vs), 'axes'),
    perStream: (x) => b.node('Expand', [x.name, b.node('Concat', [b.node('Shape', [tokenSlice]), b.ints(x.shape)], { axis: 0 })]),
  };

  const states = g.states.filter((s) => m.groupOf(s.initial) === k);
  const stateInputs = new Map(states.map((s) => [s.initial, `${prefix}${s.name}`]));
  /** Scan inputs: outer sequence name → the body's per-step slice. */
  const scanInputs: { outer: string; inner: ValueInfoProto }[] = [];
  const memo = new Map<number, OnnxValue>();
  // Every sweep reads the tokens: they give the Scan its length even where no op reads them.
  const tokenSlice = `${prefix}token@t`;
  scanInputs.push({ outer: m.tokens, inner: valueInfo(tokenSlice, INT64, ['B']) });

  const valueOf = (id: number): OnnxValue => {
    const known = memo.get(id);
    if (known) return known;
    const n = g.nodes[id];
    let name = lower(n);
    // A per-stream value computed from the params alone (a state's next value, the logits).
    if (batched[id] && n.op !== 'state0' && n.op !== 'gather' && m.groupOf(id) === k && !n.inputs.some((i) => batched[i])) name = b.perStream({ name, batched: false, shape: n.shape });
    const v: OnnxValue = { name, batched: batched[id], shape: n.shape };
    if (v.batched && n.shape.length === 0) throw new Unexportable('a per-example scalar that depends on the data is not exported', n.span);
    memo.set(id, v);
    return v;
  };

  function lower(n: GNode): string {
    if (n.op === 'param') return n.attrs.name!;
    if (batched[n.id] && m.groupOf(n.id) !== k) {
      const outer = m.sequences.get(n.id);
      if (outer === undefined || m.groupOf(n.id) > k) throw new Unexportable(`internal: ${n.label || n.op} is read before its sweep`, n.span);
      const inner = `${prefix}${n.label || n.op}${n.id}@t`;
      scanInputs.push({ outer, inner: valueInfo(inner, FLOAT, dims(true, n.shape)) });
      return inner;
    }
    switch (n.op) {
      case 'state0': {
        const name = stateInputs.get(n.id);
        if (name === undefined) throw new Unexportable(`the state ${n.attrs.name} is read outside its layer's sweep`, n.span);
        return name;
      }
      case 'const':
        return b.scalar(n.attrs.value!);
      case 'gather':
        return b.node('Gather', [valueOf(n.inputs[0]).name, tokenSlice], { axis: 0 });
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

  // Outputs: next states, then the sequences later sweeps read, then the log-probabilities.
  const outputs: ValueInfoProto[] = [];
  const outer: string[] = [];
  const emit = (value: string, hint: string, outerName: string, shape: readonly number[], op = 'Identity'): void => {
    const out = `${prefix}${hint}`;
    nodes.push(node(op, [value], [out], op === 'LogSoftmax' ? { axis: -1 } : {}));
    outputs.push(valueInfo(out, FLOAT, dims(true, shape)));
    outer.push(outerName);
  };
  for (const s of states) {
    emit(valueOf(s.final).name, `${s.name}'`, m.stateOut(s), s.shape);
  }
  for (const [id, name] of m.sequences) if (m.groupOf(id) === k) emit(valueOf(id).name, `${g.nodes[id].label || g.nodes[id].op}${id}@t`, name, g.nodes[id].shape);
  if (m.groupOf(m.logits) === k) emit(valueOf(m.logits).name, 'log_probs@t', m.logProbs, g.nodes[m.logits].shape, 'LogSoftmax');

  const body = graph({
    name: `${group.reverse ? 'reversed ' : ''}sweep ${k}`,
    nodes,
    inputs: [...states.map((s) => valueInfo(stateInputs.get(s.initial)!, FLOAT, dims(true, s.shape))), ...scanInputs.map((x) => x.inner)],
    outputs,
  });
  const nScan = scanInputs.length;
  const nScanOut = outputs.length - states.length;
  const attrs: Record<string, AttrValue> = { body: { graph: body }, num_scan_inputs: nScan };
  // Reversed: read step T − 1 first, and prepend each output so the sequences stay in time order.
  if (group.reverse) {
    attrs.scan_input_directions = new Array(nScan).fill(1);
    attrs.scan_output_directions = new Array(nScanOut).fill(1);
  }
  return node('Scan', [...states.map((s) => m.stateIn(s)), ...scanInputs.map((x) => x.outer)], outer, attrs, `sweep${k}`);
}
