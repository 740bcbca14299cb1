// The unrolled graph as Graphviz DOT, laid out left to right in time: the parameters once,
// in their own box on the left, then the initial state, one box per time step, the loss, and
// (with the backward pass) the gradients. Every node sits in exactly one box. Edges between
// steps carry only state (forward: h' to the next step; backward: its gradient to the step
// before); they are drawn bold and always point the way time runs in the layout, so the steps
// stay in order. Parameter edges are drawn faint and do not pull nodes out of place.
import type { Graph } from './types.ts';

/** A DOT string literal: quotes, backslashes and newlines cannot break out of it. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

export interface DotOptions {
  /** Nodes from this id on are the backward pass (drawn red). */
  forwardCount?: number;
  title?: string;
}

/** The boxes, left to right; `t0`, `t1`, … are the time steps. */
export type Area = 'params' | 'init' | `t${number}` | 'loss' | 'grads';

const AREA_LABEL: Record<string, string> = {
  params: 'parameters (edges to their first step only)',
  init: 'initial state',
  loss: 'loss',
  grads: 'gradients',
};

/** Which box each node is drawn in. */
export function areas(g: Graph, forwardCount = g.nodes.length): Area[] {
  const out: Area[] = [];
  for (const n of g.nodes) {
    if (n.op === 'param') out.push('params');
    else if (n.op === 'state0') out.push('init');
    else if (n.t !== null) out.push(`t${n.t}`);
    else if (n.id < forwardCount) out.push('loss');
    // Outside the steps, the backward pass is the loss's seed (1/T) or the sums over steps.
    else out.push(n.inputs.every((i) => out[i] === 'loss') ? 'loss' : 'grads');
  }
  return out;
}

/** A box's place from left to right. */
function order(a: Area, T: number): number {
  if (a === 'params') return 0;
  if (a === 'init') return 1;
  if (a === 'loss') return T + 2;
  if (a === 'grads') return T + 3;
  return 2 + Number(a.slice(1));
}

export function toDot(g: Graph, options: DotOptions = {}): string {
  const forwardCount = options.forwardCount ?? g.nodes.length;
  const where = areas(g, forwardCount);
  const lines = [
    'digraph rnnc {',
    '  rankdir=LR; newrank=true; ranksep=0.3; nodesep=0.15;',
    '  node [shape=box, fontname="Helvetica", fontsize=10, height=0.3];',
    '  edge [arrowsize=0.6];',
  ];
  if (options.title) lines.push(`  label=${q(options.title)}; labelloc=t; fontname="Helvetica";`);
  const boxes = new Map<Area, string[]>();
  for (const n of g.nodes) {
    const shape = n.shape.length ? `[${n.shape.join(', ')}]` : 'scalar';
    const detail = n.op === 'const' ? String(n.attrs.value) : shape;
    // A parameter is drawn once; the nodes that read it name it (`matmul [4] · h.W_i`).
    const reads = n.inputs.filter((i) => where[i] === 'params').map((i) => g.nodes[i].label);
    // A token read at another step than t (E[token@-2]) says which: `gather@-2`.
    const op = `${n.op}${n.attrs.offset ? `@${n.attrs.offset}` : ''} ${detail}${reads.length ? `\n· ${reads.join(', ')}` : ''}`;
    const text = n.label && n.label !== n.op ? `${n.label}\n${op}` : op;
    const style = n.id >= forwardCount ? ', color="#b03030", fontcolor="#b03030"' : n.op === 'param' ? ', style=filled, fillcolor="#e8eef8"' : n.op === 'state0' ? ', style=filled, fillcolor="#eef8e8"' : '';
    const a = where[n.id];
    if (!boxes.has(a)) boxes.set(a, []);
    boxes.get(a)!.push(`    n${n.id} [label=${q(text)}${style}];`);
  }
  // Declared in time order, the parameters last: Graphviz then stacks them below the steps
  // rather than between the initial state and t = 0.
  const sorted = [...boxes].sort(([a], [b]) => (a === 'params' ? 99 : order(a, g.T)) - (b === 'params' ? 99 : order(b, g.T)));
  for (const [a, decls] of sorted) {
    const label = a.startsWith('t') ? `t = ${a.slice(1)}` : AREA_LABEL[a];
    const look = a === 'params' ? ' style=rounded; color="#8090b0";' : ' style=rounded; color="#909090";';
    // The initial states side by side in one column, just left of t = 0.
    const same = a === 'init' ? [`    { rank=same; ${decls.map((d) => d.trim().split(' ')[0]).join('; ')}; }`] : [];
    lines.push(`  subgraph cluster_${a} {`, `    label=${q(label)};${look}`, ...decls, ...same, '  }');
  }
  const firstUse = new Map<number, number>();
  for (const n of g.nodes) for (const i of n.inputs) if (where[i] === 'params' && n.t !== null) firstUse.set(i, Math.min(firstUse.get(i) ?? n.t, n.t));
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      const from = where[i];
      const to = where[n.id];
      const red = n.id >= forwardCount ? 'color="#b03030"' : '';
      if (from === 'params') {
        // Edges from a parameter to every step would cross every box: they are drawn to the
        // first step (and to the boxes outside the steps) only; later steps name it.
        if (to === 'loss' || to === 'grads' || to === `t${firstUse.get(i)}`) lines.push(`  n${i} -> n${n.id} [color="#b8c0d0", constraint=false];`);
        continue;
      }
      const step = from !== to && from.startsWith('t') && to.startsWith('t');
      const state = step || from === 'init';
      // Heavy state edges keep the boxes on one line, each step beside the one before.
      const attrs = [red, state ? 'penwidth=2, weight=8' : '', state && !red ? 'color="#2a7a2a"' : ''].filter(Boolean);
      // An edge against the layout's direction (a gradient back in time, a reversed layer's
      // state) is written the other way round and drawn back, so it cannot reorder the boxes.
      if (order(from, g.T) > order(to, g.T)) lines.push(`  n${n.id} -> n${i} [${['dir=back', ...attrs].join(', ')}];`);
      else lines.push(`  n${i} -> n${n.id}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
    }
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Renders DOT to SVG in-process with the WebAssembly build of Graphviz. */
export async function dotToSvg(dot: string): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg' });
}
