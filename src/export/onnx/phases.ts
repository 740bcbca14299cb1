// Where each value of the one-step graph is computed in the exported model. Only the
// recurrence — what depends on a state and feeds a state's next value — runs inside a Scan;
// everything else (the embedding, the input projections, the output layer) runs once over
// all T·B positions, as rnnc's own code hoists it (codegen/plan.ts). Consecutive layers that
// run in one direction share a Scan; a reversed layer gets a Scan that runs backwards.
import type { Graph } from '../../graph/types.ts';

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

/** The Scan (group index) each node of the recurrence runs in; -1 for the rest. */
export function loopGroups(g: Graph, groups: readonly Group[]): number[] {
  const groupOfSeg = new Map<number, number>();
  groups.forEach((gr, k) => gr.segs.forEach((s) => groupOfSeg.set(s, k)));
  const readsState: boolean[] = [];
  for (const n of g.nodes) readsState[n.id] = n.op === 'state0' || n.inputs.some((i) => readsState[i]);
  const feedsState: boolean[] = new Array(g.nodes.length).fill(false);
  for (const s of g.states) feedsState[s.final] = true;
  for (let id = g.nodes.length - 1; id >= 0; id--) if (feedsState[id]) for (const i of g.nodes[id].inputs) feedsState[i] = true;
  const finals = new Set(g.states.map((s) => s.final));
  return g.nodes.map((n) => ((readsState[n.id] && feedsState[n.id]) || finals.has(n.id) || n.op === 'state0' ? groupOfSeg.get(n.seg!)! : -1));
}

/** Recurrent values read outside their own Scan: node id → the name of its [T, B, …] sequence. */
export function scanOutputs(g: Graph, loop: readonly number[], roots: readonly number[]): Map<number, string> {
  const out = new Map<number, string>();
  const seen = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const i of g.nodes[id].inputs) {
      if (loop[i] >= 0 && loop[i] !== loop[id]) out.set(i, `${g.nodes[i].label || g.nodes[i].op}${i}[t]`);
      stack.push(i);
    }
  }
  return out;
}
