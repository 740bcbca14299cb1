// Reverse mode as a graph → graph transformation: walk the forward graph from the loss
// back to the sources, apply each node's VJP rule, and sum the gradients of every use
// (over time steps and over tied uses alike). The result is the same graph with the
// backward nodes appended, plus the node holding each parameter's gradient.
import { GraphBuilder } from '../graph/unroll.ts';
import type { Graph } from '../graph/types.ts';
import { SOURCES, VJP } from './vjp.ts';

export class AutodiffError extends Error {}

export interface GradGraph extends Graph {
  /** Param name → node holding dLoss/dParam (absent for params the loss does not reach, and in seeds mode). */
  grads: Map<string, number>;
  /** State name → node holding dLoss/dInitialState. */
  stateGrads: Map<string, number>;
  /** Number of forward nodes; backward nodes follow. */
  forwardCount: number;
  /** Param name → every gradient term flowing into it (their sum is `grads`). */
  paramContributions: Map<string, number[]>;
}

export interface DifferentiateOptions {
  /**
   * Differentiate one step for generated code: the loss gradient and each state's
   * gradient from the following step enter as `seed` nodes instead of constants.
   */
  seeds?: boolean;
}

export function differentiate(g: Graph, options: DifferentiateOptions = {}): GradGraph {
  const b = new GraphBuilder();
  b.nodes.push(...g.nodes.map((n) => ({ ...n })));
  const forwardCount = g.nodes.length;
  const shapeOf = (id: number): number[] => b.nodes[id].shape;
  const contributions: number[][] = Array.from({ length: forwardCount }, () => []);
  if (options.seeds) {
    // The window mean is taken by the generated code; each step's loss gets the seed 1/(T·B).
    let seed = -1;
    for (const l of g.stepLosses) {
      b.seg = b.nodes[l].seg ?? null;
      contributions[l].push((seed = b.add('seed', [], [], { name: 'loss' }, 'd_loss', null, null)));
    }
    // A step's penalty is averaged with the losses: the same seed.
    for (const p of g.penalties ?? []) contributions[p].push(seed);
    for (const s of g.states) {
      b.seg = b.nodes[s.final].seg ?? null;
      contributions[s.final].push(b.add('seed', [], s.shape, { name: s.name }, `d_${s.name}'`, null, null));
    }
  } else {
    contributions[g.objective ?? g.loss].push(b.add('const', [], [], { value: 1 }, 'd_loss', null, null));
  }

  // Node ids are a topological order, so one backward sweep sees every use before the def.
  const total = new Map<number, number>();
  for (let id = forwardCount - 1; id >= 0; id--) {
    const parts = contributions[id];
    if (parts.length === 0) continue;
    const node = b.nodes[id];
    // Generated code accumulates each contribution straight into the gradient arena.
    if (options.seeds && node.op === 'param') continue;
    b.seg = node.seg ?? null;
    let sum = parts[0];
    for (let k = 1; k < parts.length; k++) sum = b.add('add', [sum, parts[k]], node.shape, {}, '', node.span, node.t);
    if (node.label && b.nodes[sum].label === '') b.nodes[sum].label = `d_${node.label}`;
    total.set(id, sum);
    if (SOURCES.has(node.op)) continue;
    const rule = VJP[node.op];
    if (!rule) throw new AutodiffError(`no VJP rule for op '${node.op}'`);
    if (rule.arity !== 'any' && rule.arity !== node.inputs.length) {
      throw new AutodiffError(`op '${node.op}' has ${node.inputs.length} inputs but its VJP rule expects ${rule.arity}`);
    }
    const grads = rule.vjp({ b, node, g: sum, shapeOf });
    node.inputs.forEach((input, k) => {
      const d = grads[k];
      if (d !== null && d !== undefined) contributions[input].push(d);
    });
  }

  const grads = new Map<string, number>();
  const paramContributions = new Map<string, number[]>();
  for (const [name, id] of g.params) {
    const d = total.get(id);
    if (d !== undefined) grads.set(name, d);
    paramContributions.set(name, contributions[id]);
  }
  const stateGrads = new Map<string, number>();
  for (const s of g.states) {
    const d = total.get(s.initial);
    if (d !== undefined) stateGrads.set(s.name, d);
  }
  return { ...g, nodes: b.nodes, grads, stateGrads, forwardCount, paramContributions };
}
