// What the lecture's bound is about, found in the one-step graph: the recurrent matrices (a
// param multiplying something that depends on its own layer's previous state) and the
// nonlinearity each one feeds, whose largest slope γ enters the bound
// ‖∂h⁽ᵗ⁾/∂h⁽ᵗ⁻¹⁾‖ ≤ γ‖W_h‖₂ (tanh: γ = 1, sigmoid: 1/4): for an Elman layer,
// ‖∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾‖ ≤ ‖∂J⁽ᵗ⁾/∂h⁽ᵗ⁾‖·(γ‖W_h‖₂)^ℓ, which vanishes when γ‖W_h‖₂ < 1.
import type { Graph } from '../graph/types.ts';
import { unroll } from '../graph/unroll.ts';
import type { IRModel } from '../ir/types.ts';

export interface RecurrentMatrix {
  param: string;
  shape: [number, number];
  /** The states of its layer it reads (through any ops). */
  states: string[];
  /** The nonlinearity its product feeds through adds (null when another op comes first). */
  nonlinearity: 'tanh' | 'sigmoid' | 'relu' | null;
  /** Its largest slope: 1 for tanh and relu, 1/4 for sigmoid. */
  gamma: number | null;
}

const GAMMA = { tanh: 1, sigmoid: 0.25, relu: 1 } as const;

export function recurrentMatrices(ir: IRModel): RecurrentMatrix[] {
  const g: Graph = unroll(ir, 1, { training: false });
  const stateOf = new Map(g.states.map((s) => [s.initial, s]));
  // The states each node depends on (node ids are a topological order).
  const deps: Set<string>[] = g.nodes.map(() => new Set());
  const users: number[][] = g.nodes.map(() => []);
  for (const n of g.nodes) {
    const s = stateOf.get(n.id);
    if (s) deps[n.id].add(s.name);
    for (const i of n.inputs) {
      for (const d of deps[i]) deps[n.id].add(d);
      users[i].push(n.id);
    }
  }
  const found = new Map<string, RecurrentMatrix>();
  for (const n of g.nodes) {
    if (n.op !== 'matmul') continue;
    const [a, x] = n.inputs;
    const p = g.nodes[a];
    if (p.op !== 'param') continue;
    const own = [...deps[x]].filter((name) => g.nodes[g.states.find((s) => s.name === name)!.initial].seg === n.seg);
    if (own.length === 0 || found.has(p.attrs.name!)) continue;
    // Follow the product through sums to the nonlinearity it feeds.
    let at = n.id;
    let nl: RecurrentMatrix['nonlinearity'] = null;
    for (;;) {
      const next = users[at].length === 1 ? g.nodes[users[at][0]] : null;
      if (!next) break;
      if (next.op === 'add' || next.op === 'sub') at = next.id;
      else {
        if (next.op === 'tanh' || next.op === 'sigmoid' || next.op === 'relu') nl = next.op;
        break;
      }
    }
    found.set(p.attrs.name!, { param: p.attrs.name!, shape: [p.shape[0], p.shape[1]], states: own, nonlinearity: nl, gamma: nl ? GAMMA[nl] : null });
  }
  return [...found.values()];
}
