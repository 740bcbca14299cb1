// What the code generator decides before it writes a line: the one-step graph (forward,
// and backward with seeds for the loss and the next step's state gradients), which values
// are per example (batched) or shared by the whole batch (params and what depends only on
// them: computed once per window), which must be kept for every step (read by the backward
// pass, by another segment, or by the next step) and which can live in one scratch buffer,
// and which parameter-gradient terms are accumulated straight into the arena.
import { differentiate, type GradGraph } from '../autodiff/grad.ts';
import { unroll } from '../graph/unroll.ts';
import type { GNode } from '../graph/types.ts';
import type { IRModel } from '../ir/types.ts';
import { NameTable } from './names.ts';

export type Placement = 'param' | 'shared' | 'batched';

/**
 * When a batched node of a segment runs: before the time loop over the whole window at once
 * (`pre`: it does not depend on the segment's recurrence), inside it step by step (`loop`:
 * the recurrence needs it), or after it over the whole window (`post`: it depends on the
 * recurrence but does not feed it, e.g. a weight gradient).
 */
export type Phase = 'pre' | 'loop' | 'post';

export interface Plan {
  ir: IRModel;
  g: GradGraph;
  backward: boolean;
  /** Node ids that the generated code evaluates or reads. */
  needed: boolean[];
  placement: Placement[];
  phase: Phase[];
  /** Batched values kept for every step (else one scratch buffer, reused each step). */
  perStep: boolean[];
  /** Identifier of each node's value (and `d_…` gradient names for backward nodes). */
  name: string[];
  /** Param name → its view identifier, and its gradient view identifier. */
  paramName: Map<string, { value: string; grad: string; offset: number; size: number; shape: number[] }>;
  totalParams: number;
  /** Contribution node → the param whose gradient it adds to, and how. */
  accumulate: Map<number, { param: string; how: 'outer' | 'scatter' | 'sum' | 'kernel' }[]>;
  /** Nodes of the form matmul(transpose(S), x): use Sᵀ without forming it. */
  transposedMatmul: Set<number>;
  /** State index → the node holding its gradient at a step (absent when none flows). */
  stateGrad: (number | undefined)[];
  /** Each step's (first) cross-entropy node, whose input is the logits (or the adaptive softmax's adaptive_xent, whose first input is W). */
  stepLoss: number;
  /** Each step's cross-entropy nodes: one, or one per context position (skip-gram), averaged. */
  stepCEs: number[];
  /** The vocabulary size (the logits' length; the adaptive softmax's W rows). */
  layoutVocab: number;
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function planModel(ir: IRModel, options: { backward: boolean; dropout: boolean; logits?: boolean }): Plan {
  // Training (and the loss alone) runs the adaptive softmax fused with its output layer; logits are every word's log-probability.
  const g1 = unroll(ir, 1, { training: options.dropout, fusedAdaptive: options.backward || options.logits === false });
  const g: GradGraph = options.backward
    ? differentiate(g1, { seeds: true })
    : { ...g1, grads: new Map(), stateGrads: new Map(), forwardCount: g1.nodes.length, paramContributions: new Map() };
  const N = g.nodes.length;
  const nodes = g.nodes;
  // A state that no statement of its layer computes (`h' = h`) still belongs to the layer's segment.
  for (const s of g.states) {
    const seg = g.segments.findIndex((sg) => sg.layer !== null && s.name.startsWith(`${sg.layer}.`));
    if (seg < 0) continue;
    for (const n of nodes) if ((n.op === 'state0' || n.op === 'seed') && n.attrs.name === s.name && n.seg == null) n.seg = seg;
  }
  // `h' = b`: the state is the param at every step, computed by no statement of its layer.
  for (const s of g.states) {
    const f = nodes[s.final];
    if (f.op === 'param') throw new RangeError(`state ${s.name}: its next value is the param ${f.attrs.name ?? ''} itself, the same at every step, so there is nothing to carry; use the param directly, or compute the state from its inputs`);
  }
  if (g.stepLosses.length !== 1) throw new Error(`internal: a step has ${g.stepLosses.length} losses`);

  // Batched: anything that depends on the example (tokens, states, masks, state seeds), and
  // a state's next value even when it does not (`h' = tanh(b)`): each example carries its own;
  // so do the logits a cross-entropy reads (a unigram model's `b`): one row per target.
  const perExample = new Set(g.states.map((s) => s.final));
  for (const n of nodes) if (n.op === 'cross_entropy') perExample.add(n.inputs[0]);
  const placement: Placement[] = new Array(N);
  for (const n of nodes) {
    if (n.op === 'param') placement[n.id] = 'param';
    else if (perExample.has(n.id)) placement[n.id] = 'batched';
    else if (n.op === 'state0' || (n.op === 'seed' && n.attrs.name !== 'loss')) placement[n.id] = 'batched';
    else if (n.op === 'gather' || n.op === 'cross_entropy' || n.op === 'mask' || n.op === 'xent_grad' || n.op === 'scatter_row' || n.op === 'adaptive_xent' || n.op === 'adaptive_xent_grad')
      placement[n.id] = 'batched';
    else placement[n.id] = n.inputs.some((i) => placement[i] === 'batched') ? 'batched' : 'shared';
  }

  // Their gradients, in that segment too (the graph places only what a statement computes).
  for (const n of nodes) {
    if (n.seg != null || placement[n.id] !== 'batched') continue;
    const from = n.inputs.find((i) => nodes[i].seg != null);
    if (from !== undefined) n.seg = nodes[from].seg;
  }

  // Parameter-gradient terms: fused into the arena when nothing else reads them.
  const uses = new Array<number>(N).fill(0);
  for (const n of nodes) for (const i of n.inputs) uses[i]++;
  const accumulate = new Map<number, { param: string; how: 'outer' | 'scatter' | 'sum' | 'kernel' }[]>();
  if (options.backward) {
    for (const [param, parts] of g.paramContributions) for (const c of parts) uses[c]++;
    for (const [param, parts] of g.paramContributions)
      for (const c of parts) {
        const n = nodes[c];
        if (placement[c] !== 'batched') throw new Error(`internal: the gradient term ${n.op} of ${param} does not depend on the data`);
        const alone = uses[c] === 1;
        // The adaptive softmax's dW and db: its gradient kernel adds them into the arena ([vocab, d] per step has no buffer).
        if (n.op === 'adaptive_xent_grad' && (n.attrs.part === 0 || n.attrs.part === 3)) {
          if (!alone) throw new Error(`internal: the adaptive softmax's gradient of ${param} is read by more than the arena`);
          accumulate.set(c, [...(accumulate.get(c) ?? []), { param, how: 'kernel' }]);
          continue;
        }
        const how = alone && n.op === 'outer' && n.inputs.every((i) => placement[i] !== 'param' && placement[i] !== 'shared') ? 'outer' : alone && n.op === 'scatter_row' ? 'scatter' : 'sum';
        accumulate.set(c, [...(accumulate.get(c) ?? []), { param, how }]);
      }
  }

  const stateGrad = g.states.map((s) => g.stateGrads.get(s.name));
  // A loss over context positions is the mean of one cross-entropy per position, of the same logits.
  const stepCEs = nodes[g.stepLosses[0]].op === 'mean' ? nodes[g.stepLosses[0]].inputs : [g.stepLosses[0]];
  const fusedAdaptive = stepCEs.length === 1 && nodes[stepCEs[0]].op === 'adaptive_xent';
  if (!fusedAdaptive && stepCEs.some((c) => nodes[c].op !== 'cross_entropy' || nodes[c].inputs[0] !== nodes[stepCEs[0]].inputs[0])) throw new Error('internal: a step loss that is not cross-entropies of one logits');
  const stepLoss = stepCEs[0];

  // matmul(transpose(S), x) with S a param-only matrix: read S transposed in place.
  const transposedMatmul = new Set<number>();
  for (const n of nodes) {
    if (n.op !== 'matmul' || placement[n.id] !== 'batched') continue;
    const a = nodes[n.inputs[0]];
    if (a.op === 'transpose' && placement[a.id] !== 'batched' && nodes[a.inputs[0]].shape.length === 2 && nodes[n.inputs[1]].shape.length === 1 && placement[n.inputs[1]] !== 'shared')
      transposedMatmul.add(n.id);
  }

  // Needed: reachable from the step loss, the states' next values, and (backward) the
  // gradient terms and state gradients; fused terms need their inputs, not themselves.
  const needed = new Array<boolean>(N).fill(false);
  const stack: number[] = [...stepCEs, ...g.states.map((s) => s.final)];
  if (options.backward) {
    for (const c of accumulate.keys()) {
      const fused = accumulate.get(c)!.every((a) => a.how !== 'sum');
      if (fused) {
        needed[c] = true;
        stack.push(...nodes[c].inputs);
      } else stack.push(c);
    }
    for (const d of stateGrad) if (d !== undefined) stack.push(d);
  }
  const visit = (id: number): void => {
    needed[id] = true;
    const n = nodes[id];
    if (transposedMatmul.has(id)) stack.push(nodes[n.inputs[0]].inputs[0], n.inputs[1]);
    else stack.push(...n.inputs);
  };
  const seen = new Set<number>();
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    visit(id);
  }

  // Phases: what depends on a segment's recurrence (its states going forward, the state
  // gradients from the next step going backward), and of that, what feeds the recurrence.
  const inputsOf = (n: GNode): number[] => (transposedMatmul.has(n.id) ? [nodes[n.inputs[0]].inputs[0], n.inputs[1]] : n.inputs);
  const back = (id: number): boolean => id >= g.forwardCount;
  const live = (id: number): boolean => needed[id] && placement[id] === 'batched';
  const recurrent = new Array<boolean>(N).fill(false);
  for (const n of nodes) {
    if (!live(n.id)) continue;
    if (n.op === 'state0' || n.op === 'seed') recurrent[n.id] = true;
    else recurrent[n.id] = inputsOf(n).some((i) => recurrent[i] && back(i) === back(n.id) && nodes[i].seg === n.seg);
  }
  const feeds = new Array<boolean>(N).fill(false);
  const carry: number[] = [...g.states.map((s) => s.final), ...stateGrad.filter((d): d is number => d !== undefined)];
  const walk = [...carry];
  while (walk.length) {
    const id = walk.pop()!;
    if (feeds[id] || !recurrent[id]) continue;
    feeds[id] = true;
    for (const i of inputsOf(nodes[id])) if (recurrent[i] && back(i) === back(id) && nodes[i].seg === nodes[id].seg) walk.push(i);
  }
  const phase: Phase[] = nodes.map((n) => (!recurrent[n.id] ? 'pre' : feeds[n.id] ? 'loop' : 'post'));
  // State values and state-gradient seeds are copied in at each step, so they are loop values.
  for (const n of nodes) if (n.op === 'state0' || (n.op === 'seed' && placement[n.id] === 'batched')) phase[n.id] = 'loop';

  // Kept per step: whatever runs over the whole window, and loop values read outside their
  // own step (by the other pass, another segment, a whole-window node, or the next step).
  const perStep = new Array<boolean>(N).fill(false);
  for (const n of nodes) {
    if (!live(n.id)) continue;
    if (phase[n.id] !== 'loop' || n.op === 'state0' || n.op === 'seed') perStep[n.id] = true;
    for (const i of inputsOf(n)) {
      if (placement[i] !== 'batched') continue;
      if (back(i) !== back(n.id) || nodes[i].seg !== n.seg || phase[n.id] !== 'loop') perStep[i] = true;
    }
  }
  for (const id of carry) if (placement[id] === 'batched') perStep[id] = true;
  perStep[nodes[stepLoss].inputs[0]] = placement[nodes[stepLoss].inputs[0]] === 'batched';

  // Names: params first (their IR names), then every other value by its source label.
  const names = new NameTable();
  const name: string[] = new Array(N).fill('');
  const paramName = new Map<string, { value: string; grad: string; offset: number; size: number; shape: number[] }>();
  let offset = 0;
  for (const [p, id] of g.params) {
    const shape = nodes[id].shape;
    const entry = { value: names.fresh(p), grad: names.fresh(`d_${p}`), offset, size: size(shape), shape };
    paramName.set(p, entry);
    name[id] = entry.value;
    // 16-byte aligned views (4 floats), for SIMD kernels.
    offset += Math.ceil(entry.size / 4) * 4;
  }
  for (const n of nodes) {
    if (n.op === 'param' || !needed[n.id]) continue;
    const back = n.id >= g.forwardCount;
    const base = n.label !== '' ? n.label : back ? `d_${n.op}${n.id}` : `${n.op}${n.id}`;
    name[n.id] = names.fresh(base);
  }
  return { ir, g, backward: options.backward, needed, placement, phase, perStep, name, paramName, totalParams: offset, accumulate, transposedMatmul, stateGrad, stepLoss, stepCEs, layoutVocab: nodes[nodes[stepLoss].inputs[0]].shape[0] };
}
