// The DOT drawing of an unrolled graph: one box (cluster) per time step, laid left to right;
// every node in exactly one box (the parameters in their own); edges between steps only
// through states, always written in time order so they keep the boxes in order.
import { describe, expect, it } from 'vitest';
import { toDot } from '../../src/graph/dot.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import type { Graph } from '../../src/graph/types.ts';
import { modelFromFile, modelFromText } from '../autodiff/helpers.ts';

interface Parsed {
  /** Cluster name → its label and node ids. */
  clusters: Map<string, { label: string; nodes: number[] }>;
  /** Node id → how many times it is declared. */
  declared: Map<number, number>;
  edges: { from: number; to: number; attrs: string }[];
  header: string;
}

/** A small reader for the DOT that toDot writes (one statement per line). */
function parse(dot: string): Parsed {
  const clusters = new Map<string, { label: string; nodes: number[] }>();
  const declared = new Map<number, number>();
  const edges: Parsed['edges'] = [];
  let current: string | null = null;
  for (const line of dot.split('\n')) {
    const open = /^\s*subgraph (cluster_\w+) \{$/.exec(line);
    if (open) {
      current = open[1];
      clusters.set(current, { label: '', nodes: [] });
      continue;
    }
    if (current && /^\s*\}$/.test(line)) {
      current = null;
      continue;
    }
    const label = /^\s*label="([^"]*)";/.exec(line);
    if (label && current) clusters.get(current)!.label = label[1];
    const node = /^\s*n(\d+) \[label=/.exec(line);
    if (node) {
      const id = Number(node[1]);
      declared.set(id, (declared.get(id) ?? 0) + 1);
      expect(current, `node n${id} outside every box`).not.toBeNull();
      clusters.get(current!)!.nodes.push(id);
    }
    const edge = /^\s*n(\d+) -> n(\d+)(?: \[(.*)\])?;$/.exec(line);
    if (edge) edges.push({ from: Number(edge[1]), to: Number(edge[2]), attrs: edge[3] ?? '' });
  }
  return { clusters, declared, edges, header: dot.split('\n').slice(0, 4).join('\n') };
}

const BI = `
use "cells/lstm.rnn"
use "cells/elman.rnn"
model Bi {
  dim vocab = 5, embed = 2, hidden = 3
  param E: [vocab, embed]
  param V: [vocab, 6], b: [vocab]
  e  = E[token]
  fw = LSTM(e, hidden = hidden)
  bw = reverse Elman(e, hidden = hidden)
  h  = concat(fw, bw)
  loss cross_entropy(V @ h + b, token)
}
`;

const T = 3;
const lstm = unroll(modelFromFile('models/char-lstm.rnn', { vocab: 5 }), T);
const bi = unroll(modelFromText(BI, {}, '__dot_bi'), T);

function clusterOf(p: Parsed): Map<number, string> {
  const out = new Map<number, string>();
  for (const [name, c] of p.clusters) for (const id of c.nodes) out.set(id, name);
  return out;
}

const stepOf = (cluster: string | undefined): number | null => (cluster && /^cluster_t\d+$/.test(cluster) ? Number(cluster.slice(9)) : null);

function checkBoxes(g: Graph, forwardCount?: number): Parsed {
  const p = parse(toDot(g, { forwardCount }));
  expect(p.header).toContain('rankdir=LR');
  // One box per step, labelled with its time.
  for (let t = 0; t < T; t++) expect(p.clusters.get(`cluster_t${t}`)?.label).toBe(`t = ${t}`);
  expect([...p.clusters.keys()].filter((c) => stepOf(c) !== null)).toHaveLength(T);
  // Every node declared once, in exactly one box; a step's nodes in its own box, params in theirs.
  const where = clusterOf(p);
  expect(p.declared.size).toBe(g.nodes.length);
  for (const n of g.nodes) {
    expect(p.declared.get(n.id), `n${n.id}`).toBe(1);
    if (n.op === 'param') expect(where.get(n.id)).toBe('cluster_params');
    else if (n.t !== null) expect(where.get(n.id)).toBe(`cluster_t${n.t}`);
    else expect(where.get(n.id)).not.toMatch(/^cluster_t/);
  }
  return p;
}

describe('toDot', () => {
  it.each([
    ['char-lstm (two stacked LSTMs)', lstm],
    ['a bidirectional model (LSTM forward, Elman reversed)', bi],
  ])('%s: one box per step, every node in exactly one box', (_, g) => {
    checkBoxes(g);
  });

  it('forward: edges between steps are state edges, from one step to the next (reversed: to the one before), written in time order', () => {
    for (const g of [lstm, bi]) {
      const p = checkBoxes(g);
      const where = clusterOf(p);
      const sources = new Set<number>();
      for (const e of p.edges) {
        const a = stepOf(where.get(e.from));
        const b = stepOf(where.get(e.to));
        if (a === null || b === null || a === b) continue;
        // Written left to right in time; a reversed layer's edge is drawn back.
        expect(b).toBe(a + 1);
        const [src, dst] = e.attrs.includes('dir=back') ? [e.to, e.from] : [e.from, e.to];
        // The data flows from a state's new value (h', c') into the other step.
        expect(g.nodes[src].label, `n${src} -> n${dst}`).toMatch(/'$/);
        expect(g.nodes[dst].inputs).toContain(src);
        expect(e.attrs).toContain('penwidth=2');
        sources.add(src);
      }
      // LSTM: h' and c' of two layers out of each step but the last; Bi: h', c' forward and h' back.
      expect(sources.size).toBe(g === lstm ? 4 * (T - 1) : 3 * (T - 1));
    }
    const where = clusterOf(parse(toDot(bi)));
    const back = parse(toDot(bi)).edges.filter((e) => e.attrs.includes('dir=back') && stepOf(where.get(e.from)) !== null && stepOf(where.get(e.to)) !== null);
    expect(back.length).toBe(T - 1); // the reversed Elman's h, from t + 1 to t
  });

  it('parameters are drawn once, their edges reach only the first step and never constrain the layout', () => {
    const p = checkBoxes(lstm);
    const where = clusterOf(p);
    const fromParams = p.edges.filter((e) => where.get(e.from) === 'cluster_params');
    expect(fromParams.length).toBeGreaterThan(0);
    for (const e of fromParams) {
      expect(e.attrs).toContain('constraint=false');
      expect(where.get(e.to)).toBe('cluster_t0');
    }
    // Later steps name the parameters they read.
    const t2 = /subgraph cluster_t2 \{\n([\s\S]*?)\n  \}/.exec(toDot(lstm))![1];
    expect(t2).toMatch(/matmul \[\d+\]\\n· h1\.W_i/);
    // Every use of a parameter is still in the graph: each step reads each LSTM weight.
    const uses = lstm.nodes.filter((n) => n.t === 2 && n.inputs.some((i) => lstm.nodes[i].label === 'h1.W_i'));
    expect(uses).toHaveLength(1);
  });

  it('with the backward pass: every node in one box, and edges between steps only between neighbours, in time order', () => {
    const g = differentiate(lstm);
    const p = checkBoxes(g, g.forwardCount);
    const where = clusterOf(p);
    let back = 0;
    for (const e of p.edges) {
      const a = stepOf(where.get(e.from));
      const b = stepOf(where.get(e.to));
      if (a === null || b === null || a === b) continue;
      expect(b).toBe(a + 1);
      if (e.attrs.includes('dir=back')) back++;
    }
    // The state gradients flow from t + 1 back to t.
    expect(back).toBeGreaterThan(0);
    // The backward nodes are drawn red; the gradients outside the steps have a box of their own.
    expect(p.clusters.get('cluster_grads')!.nodes.length).toBeGreaterThan(0);
    for (const id of p.clusters.get('cluster_grads')!.nodes) expect(id).toBeGreaterThanOrEqual(g.forwardCount);
  });
});
