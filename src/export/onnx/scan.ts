// One Scan per group of same-direction layers: its body is the recurrence of one step
// (each state's next value from its previous one), its scan inputs the hoisted values it
// reads at step t, its outputs the final states and the recurrent values read elsewhere.
import type { Graph, StateInfo } from '../../graph/types.ts';
import type { Group } from './phases.ts';
import { graph, node, valueInfo, type AttrValue, type NodeProto, type ValueInfoProto } from './proto.ts';
import { stage, type Stage } from './stage.ts';

/** The model-wide facts a Scan reads. */
export interface ScanContext {
  g: Graph;
  batched: readonly boolean[];
  groups: readonly Group[];
  /** The Scan each recurrent node runs in (-1: hoisted). */
  loop: readonly number[];
  /** Recurrent values read outside their Scan: node id → outer name of the [T, B, …] sequence. */
  sequences: ReadonlyMap<number, string>;
  /** The main graph's stage (hoisted values over T·B rows). */
  flat: Stage;
  tokens: string;
  stateIn(s: StateInfo): string;
  stateOut(s: StateInfo): string;
}

const perStep = (shape: readonly number[]): (number | string)[] => ['B', ...shape];

/** The Scan node of group k (the hoisted values it reads are added to the main graph first). */
export function lowerGroup(c: ScanContext, k: number): NodeProto {
  const { g, loop } = c;
  const prefix = `scan${k}/`;
  const nodes: NodeProto[] = [];
  const states = g.states.filter((s) => loop[s.initial] === k);
  const stateInputs = new Map(states.map((s) => [s.initial, `${prefix}${s.name}`]));
  // The tokens are always a scan input: they give the Scan its length even where no op reads them.
  const tokenSlice = `${prefix}token@t`;
  const scanInputs: { outer: string; inner: ValueInfoProto }[] = [{ outer: c.tokens, inner: valueInfo(tokenSlice, 'int64', ['B']) }];

  /** A hoisted value [T·B, …] as a sequence [T, B, …] the Scan slices. */
  const asSequence = (id: number): string => {
    const f = c.flat;
    const shape = f.b.node('Concat', [f.b.node('Shape', [c.tokens]), f.b.ints(g.nodes[id].shape)], { axis: 0 });
    return f.b.node('Reshape', [f.valueOf(id).name, shape]);
  };
  const body = stage({
    g,
    batched: c.batched,
    prefix,
    nodes,
    tokens: () => tokenSlice,
    outside(id) {
      const state = stateInputs.get(id);
      if (state !== undefined) return state;
      if (loop[id] === k) return null;
      // What depends on the params alone is computed once, in the main graph (visible from the body).
      if (!c.batched[id]) return g.nodes[id].op === 'const' ? null : c.flat.valueOf(id).name;
      const outer = loop[id] >= 0 ? c.sequences.get(id) : asSequence(id);
      if (outer === undefined) throw new Error(`internal: ${g.nodes[id].op} node ${id} is read outside its Scan but not exported`);
      const inner = `${prefix}${g.nodes[id].label || g.nodes[id].op}${id}@t`;
      scanInputs.push({ outer, inner: valueInfo(inner, 'float', perStep(g.nodes[id].shape)) });
      return inner;
    },
  });

  // Outputs: next states, then the recurrent values read elsewhere, as [T, B, …] sequences.
  const outputs: ValueInfoProto[] = [];
  const outer: string[] = [];
  const emit = (id: number, inner: string, outerName: string): void => {
    nodes.push(node('Identity', [body.valueOf(id).name], [inner]));
    outputs.push(valueInfo(inner, 'float', perStep(g.nodes[id].shape)));
    outer.push(outerName);
  };
  for (const s of states) emit(s.final, `${prefix}${s.name}'`, c.stateOut(s));
  for (const [id, name] of c.sequences) if (loop[id] === k) emit(id, `${prefix}${g.nodes[id].label || g.nodes[id].op}${id}[t]`, name);

  const reverse = c.groups[k].reverse;
  const bodyGraph = graph({
    name: `${reverse ? 'reversed ' : ''}recurrence ${k}`,
    nodes,
    inputs: [...states.map((s) => valueInfo(stateInputs.get(s.initial)!, 'float', perStep(s.shape))), ...scanInputs.map((x) => x.inner)],
    outputs,
  });
  const attrs: Record<string, AttrValue> = { body: { graph: bodyGraph }, num_scan_inputs: scanInputs.length };
  // Reversed: read step T − 1 first, and prepend each output so the sequences stay in time order.
  if (reverse) {
    attrs.scan_input_directions = new Array(scanInputs.length).fill(1);
    attrs.scan_output_directions = new Array(outputs.length - states.length).fill(1);
  }
  return node('Scan', [...states.map((s) => c.stateIn(s)), ...scanInputs.map((x) => x.outer)], outer, attrs, `recurrence${k}`);
}
