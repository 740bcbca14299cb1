// The rewrite behind the GEMM of a sum: transposed products only ever added together (an
// LSTM's U_iᵀ d_i + U_fᵀ d_f + U_oᵀ d_o + U_cᵀ d_c) are one GEMM of their whole sum, so the
// other products are not computed at all and the adds that summed them drop out of the graph.
import type { GNode } from '../graph/types.ts';
import type { RunFacts } from './schedule-runs.ts';

export interface SumRewrite {
  /** Where the GEMM writes the products' sum: the top of the adds when they add nothing else, else the first product. */
  into: number;
  /** Adds no longer computed: each added a product now inside the GEMM. */
  gone: number[];
  /** Values never stored: the other products, the adds gone (and the first product when the GEMM writes the top). */
  elided: number[];
  /** Adds that remain, reading past the ones gone (same id, new inputs). */
  rewritten: GNode[];
}

/**
 * The products (`head` the one whose matrix comes first in the arena) and the chain of adds
 * above them, rewritten: every add of a product other than `head` is dropped. Null when the
 * rewrite does not fit the schedule (adds in another phase, a value kept only in a fused
 * loop's local read from another loop): then the products stay apart.
 */
export function sumRewrite(f: RunFacts, products: readonly number[], head: number, inPhase: ReadonlySet<number>, inlined: ReadonlySet<number>, runOf: ReadonlyMap<number, number>): SumRewrite | null {
  const { plan } = f;
  const nodes = plan.g.nodes;
  const adds = new Set<number>();
  let root: number | null = null;
  for (const id of products) {
    let cur = id;
    while (f.consumers[cur].length === 1 && nodes[f.consumers[cur][0]].op === 'add') {
      cur = f.consumers[cur][0];
      adds.add(cur);
    }
    if (cur === id || (root !== null && root !== cur)) return null;
    root = cur;
  }
  if (root === null || ![...adds].every((a) => inPhase.has(a))) return null;
  // A partial sum read other than by the next add (kept for another step, a state gradient, a gradient term) must stay.
  const carried = new Set(plan.stateGrad.filter((d): d is number => d !== undefined));
  if ([...adds].some((a) => a !== root && (plan.perStep[a] || carried.has(a) || plan.accumulate.has(a)))) return null;
  // What each value is now: zero (a product inside the GEMM), or the value of a node.
  const now = new Map<number, number | 'zero'>(products.map((p) => [p, p === head ? p : 'zero']));
  const get = (i: number): number | 'zero' => now.get(i) ?? i;
  const gone: number[] = [];
  const rewritten: GNode[] = [];
  for (const a of [...adds].sort((x, y) => x - y)) {
    const n = nodes[a];
    const [x, y] = n.inputs.map(get);
    if (x === 'zero' || y === 'zero') {
      now.set(a, x === 'zero' ? y : x);
      gone.push(a);
      continue;
    }
    now.set(a, a);
    if (x !== n.inputs[0] || y !== n.inputs[1]) {
      // A value in a fused loop's local can be read only inside that loop.
      if ([x, y].some((i) => inlined.has(i) && runOf.get(i) !== runOf.get(a))) return null;
      rewritten.push({ ...n, inputs: [x, y] });
    }
  }
  const others = products.filter((p) => p !== head);
  const top = now.get(root);
  // Nothing but the products: the GEMM writes the top of the sum itself, where it is stored.
  if (top === head) {
    if (inlined.has(root) || plan.accumulate.has(root)) return null;
    return { into: root, gone, elided: [...products, ...gone.filter((a) => a !== root)], rewritten: [] };
  }
  if (top !== root) return null;
  return { into: head, gone, elided: [...others, ...gone], rewritten };
}
