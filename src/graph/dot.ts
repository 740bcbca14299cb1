// The unrolled graph as Graphviz DOT: one cluster per time step, params on their own,
// backward nodes (when present) drawn in a second colour.
import type { Graph } from './types.ts';

/** A DOT string literal: quotes, backslashes and newlines cannot break out of it. */
function q(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

export function toDot(g: Graph, options: { forwardCount?: number; title?: string } = {}): string {
  const forwardCount = options.forwardCount ?? g.nodes.length;
  const lines = ['digraph rnnc {', '  rankdir=BT;', '  node [shape=box, fontname="Helvetica", fontsize=10];'];
  if (options.title) lines.push(`  label=${q(options.title)}; labelloc=t;`);
  const byStep = new Map<number | null, string[]>();
  for (const n of g.nodes) {
    const shape = n.shape.length ? `[${n.shape.join(', ')}]` : 'scalar';
    const detail = n.op === 'const' ? String(n.attrs.value) : shape;
    const text = n.label && n.label !== n.op ? `${n.label}\n${n.op} ${detail}` : `${n.op} ${detail}`;
    const style = n.id >= forwardCount ? ', color="#b03030", fontcolor="#b03030"' : n.op === 'param' ? ', style=filled, fillcolor="#e8eef8"' : n.op === 'state0' ? ', style=filled, fillcolor="#eef8e8"' : '';
    const decl = `    n${n.id} [label=${q(text)}${style}];`;
    const key = n.op === 'param' ? null : n.t;
    if (!byStep.has(key)) byStep.set(key, []);
    byStep.get(key)!.push(decl);
  }
  for (const [t, decls] of byStep) {
    if (t === null) lines.push(...decls.map((d) => d.slice(2)));
    else lines.push(`  subgraph cluster_t${t} {`, `    label=${q(`t = ${t}`)};`, ...decls, '  }');
  }
  for (const n of g.nodes) for (const i of n.inputs) lines.push(`  n${i} -> n${n.id};`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

/** Renders DOT to SVG in-process with the WebAssembly build of Graphviz. */
export async function dotToSvg(dot: string): Promise<string> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return viz.renderString(dot, { format: 'svg' });
}
