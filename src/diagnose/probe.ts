// ∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾ for every distance ℓ, from the compiler's own graphs: the window of T steps
// is unrolled (graph/unroll.ts) and differentiated (autodiff/grad.ts) exactly as for
// training, with two changes made to the forward graph before differentiating it:
//   - the loss is the last step's cross-entropy J⁽ᵀ⁻¹⁾ alone (the nodes it does not depend
//     on — the other steps' output layers — are dropped);
//   - every state update h⁽ᵏ⁾ is followed by a probe, h⁽ᵏ⁾ + z, with z a zero `state0`
//     source that every later use reads through. autodiff gives the gradient of the loss
//     with respect to each state0 (GradGraph.stateGrads), and since z enters additively
//     that gradient is ∂J⁽ᵀ⁻¹⁾/∂h⁽ᵏ⁾: the BPTT sum asked for an earlier state, at ℓ = T−1−k.
// The float64 reference interpreter evaluates it, one window at a time.
import { differentiate, type GradGraph } from '../autodiff/grad.ts';
import { interpret } from '../graph/interpret.ts';
import type { GNode, Graph, StateInfo } from '../graph/types.ts';
import { unroll } from '../graph/unroll.ts';
import type { IRModel } from '../ir/types.ts';

export class DiagnoseError extends Error {}

/** The name of the probe on state `s` at step `k`. */
const probeName = (s: string, k: number) => `probe ${s}@${k}`;

export interface ProbedGraph {
  grad: GradGraph;
  T: number;
  /** The states measured (forward layers only). */
  states: StateInfo[];
  /** probes[s][ℓ]: node holding ∂J⁽ᵀ⁻¹⁾/∂(state s at step T−1−ℓ), or −1 where none flows (0). */
  probes: number[][];
}

/** Node id of state `s`'s update at each step (the node the next step reads). */
function updateNodes(g: Graph, s: StateInfo): number[] {
  const out = new Array<number>(g.T).fill(-1);
  for (const n of g.nodes) if (n.label === `${s.name}'` && n.t !== null && n.op !== 'state0') out[n.t] = n.id;
  if (out.some((id) => id < 0) || out[g.T - 1] !== s.final) throw new DiagnoseError(`cannot find the updates of state ${s.name} in the unrolled graph (is ${s.name}' another value's name?)`);
  return out;
}

/**
 * The graph without the backward nodes the probes' gradients do not need: the parameters'
 * gradients (an embedding's is a table per step) would cost memory and time for nothing.
 * Forward nodes are all kept (their ids do not change: they come first).
 */
function onlyWhatProbesNeed(g: GradGraph, targets: number[]): GradGraph & { remap: Int32Array } {
  const keep = new Uint8Array(g.nodes.length);
  keep.fill(1, 0, g.forwardCount);
  const stack = targets.filter((id) => id >= 0);
  while (stack.length) {
    const id = stack.pop()!;
    if (keep[id]) continue; // every forward node is kept already
    keep[id] = 1;
    for (const i of g.nodes[id].inputs) if (!keep[i]) stack.push(i);
  }
  const remap = new Int32Array(g.nodes.length).fill(-1);
  const nodes: GNode[] = [];
  for (const n of g.nodes) {
    if (!keep[n.id]) continue;
    remap[n.id] = nodes.length;
    nodes.push({ ...n, id: nodes.length, inputs: n.inputs.map((i) => remap[i]) });
  }
  const stateGrads = new Map([...g.stateGrads].filter(([, id]) => keep[id]).map(([k, id]) => [k, remap[id]]));
  return { ...g, nodes, grads: new Map(), paramContributions: new Map(), stateGrads, remap };
}

/** The probed, differentiated window of T steps (see the file comment). */
export function probedGraph(ir: IRModel, T: number): ProbedGraph {
  const g = unroll(ir, T, { training: false });
  const states = g.states.filter((s) => !s.reverse);
  if (states.length === 0) throw new DiagnoseError(`model ${ir.name} has no forward recurrent state to measure`);
  const updates = new Map<number, string>(); // update node → the probe name after it
  for (const s of states) updateNodes(g, s).forEach((id, k) => updates.set(id, probeName(s.name, k)));
  const lastLoss = g.stepLosses[g.T - 1];
  // Keep the params and what the last loss depends on.
  const needed = new Uint8Array(g.nodes.length);
  const stack = [lastLoss];
  while (stack.length) {
    const id = stack.pop()!;
    if (needed[id]) continue;
    needed[id] = 1;
    stack.push(...g.nodes[id].inputs);
  }
  for (const id of g.params.values()) needed[id] = 1;
  const nodes: GNode[] = [];
  const remap = new Int32Array(g.nodes.length).fill(-1);
  const probeStates: StateInfo[] = [];
  const add = (n: Omit<GNode, 'id'>): number => {
    nodes.push({ ...n, id: nodes.length });
    return nodes.length - 1;
  };
  for (const n of g.nodes) {
    if (!needed[n.id]) continue;
    const id = add({ ...n, inputs: n.inputs.map((i) => remap[i]), attrs: { ...n.attrs } });
    remap[n.id] = id;
    const probe = updates.get(n.id);
    if (probe === undefined) continue;
    const z = add({ op: 'state0', inputs: [], shape: n.shape, attrs: { name: probe }, t: n.t, seg: n.seg, label: probe, span: null });
    remap[n.id] = add({ op: 'add', inputs: [id, z], shape: n.shape, attrs: {}, t: n.t, seg: n.seg, label: `${n.label} (probed)`, span: n.span });
    probeStates.push({ name: probe, shape: n.shape, reverse: false, initial: z, final: z });
  }
  const kept = g.states.map((s) => ({ ...s, initial: remap[s.initial], final: remap[s.final] }));
  const loss = remap[lastLoss];
  const forward: Graph = { ...g, nodes, params: new Map([...g.params].map(([k, v]) => [k, remap[v]])), states: [...kept, ...probeStates], loss, stepLosses: [loss] };
  const full = differentiate(forward);
  // No gradient node: the loss does not depend on that state there (its gradient is 0).
  const wanted = states.map((s) => Array.from({ length: T }, (_, l) => full.stateGrads.get(probeName(s.name, T - 1 - l)) ?? -1));
  const grad = onlyWhatProbesNeed(full, wanted.flat());
  const probes = wanted.map((row) => row.map((id) => (id >= 0 ? grad.remap[id] : -1)));
  return { grad, T, states, probes };
}

export interface WindowGradients {
  /** norms[s][ℓ] = ‖∂J⁽ᵀ⁻¹⁾/∂h_s⁽ᵀ⁻¹⁻ℓ⁾‖₂. */
  norms: number[][];
  /** The gradient vectors themselves (for tests). */
  grads: Float64Array[][];
  /** Every node's value: the forward activations (gates) and the backward pass. */
  values: Float64Array[];
}

/** One window (T + 1 tokens) from the given initial states (zeros where absent). */
export function windowGradients(p: ProbedGraph, params: ReadonlyMap<string, Float64Array>, tokens: readonly number[], initialStates?: ReadonlyMap<string, Float64Array>): WindowGradients {
  if (tokens.length !== p.T + 1) throw new DiagnoseError(`internal: a window of ${p.T} steps reads ${p.T + 1} tokens, got ${tokens.length}`);
  const values = interpret(p.grad, { params, tokens, initialStates });
  const grads = p.probes.map((row, s) => row.map((id) => (id >= 0 ? values[id] : new Float64Array(p.states[s].shape.reduce((a, b) => a * b, 1)))));
  const norms = grads.map((row) => row.map((v) => Math.sqrt(v.reduce((a, x) => a + x * x, 0))));
  return { norms, grads, values };
}

/** The states after reading `tokens` (forward only, from zeros): where a measured window starts. */
export function warmStates(ir: IRModel, params: ReadonlyMap<string, Float64Array>, tokens: readonly number[], start?: ReadonlyMap<string, Float64Array>): Map<string, Float64Array> {
  const g = unroll(ir, tokens.length - 1, { training: false });
  const values = interpret(g, { params, tokens, initialStates: start });
  return new Map(g.states.map((s) => [s.name, values[s.final]]));
}
