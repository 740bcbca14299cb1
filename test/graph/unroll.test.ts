// The unrolled graph's structure: node counts grow linearly in T (the same nodes at every
// step), the only edges between steps are state edges (t → t+1 for a forward layer,
// t+1 → t for a reversed one, state0 at the window's edge), nodes are in topological
// order, and segments are contiguous runs swept in their layer's direction.
import { describe, expect, it } from 'vitest';
import { GraphError, unroll } from '../../src/graph/unroll.ts';
import type { Graph, GNode } from '../../src/graph/types.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { analyze } from '../../src/frontend.ts';
import { ELMAN_LM, modelFromFile, modelFromText } from '../autodiff/helpers.ts';

const BI = `
use "cells/elman.rnn"
use "cells/lstm.rnn"
model Bi {
  dim vocab
  dim embed = 2, hidden = 2
  param E: [vocab, embed]
  param V: [vocab, 4]
  param b: [vocab]
  e  = E[token]
  fw = LSTM(dropout(e, 0.5), hidden = hidden)
  bw = reverse Elman(e, hidden = hidden)
  h  = concat(fw, bw)
  loss cross_entropy(V @ dropout(h, 0.25) + b, token)
}
`;

const models: [string, IRModel][] = [
  ['Elman LM', modelFromText(ELMAN_LM, { vocab: 3 }, '__graph_elman')],
  ['char-lstm.rnn', modelFromFile('models/char-lstm.rnn', { vocab: 4, embed: 2, hidden: 3 })],
  ['bidirectional LSTM/Elman with dropout', modelFromText(BI, { vocab: 3 }, '__graph_bi')],
];
const bi = models[2][1];

const count = (g: Graph, pred: (n: GNode) => boolean): number => g.nodes.filter(pred).length;
const isReversedState = (ir: IRModel, state: string): boolean => ir.layers.some((l) => l.reverse && l.states.includes(state));

describe.each(models)('unroll(%s, T)', (_, ir) => {
  it('has a fixed part (params, initial states, the loss) and the same nodes at every step', () => {
    const sizes = [1, 2, 3, 4, 5].map((T) => unroll(ir, T).nodes.length);
    const perStep = sizes[1] - sizes[0];
    expect(perStep).toBeGreaterThan(0);
    for (let k = 1; k < sizes.length; k++) expect(sizes[k] - sizes[k - 1]).toBe(perStep);
    const fixed = ir.params.length + ir.states.length + 1; // + the mean
    expect(sizes[0] - perStep).toBe(fixed);
    for (const T of [1, 4]) {
      const g = unroll(ir, T);
      expect(count(g, (n) => n.op === 'param')).toBe(ir.params.length);
      expect(count(g, (n) => n.op === 'state0')).toBe(ir.states.length);
      expect(count(g, (n) => n.t === null)).toBe(fixed);
      const opsAt = (t: number): string[] => g.nodes.filter((n) => n.t === t).map((n) => `${n.op}:${n.label}`).sort();
      for (let t = 1; t < T; t++) expect(opsAt(t)).toEqual(opsAt(0));
      expect(count(g, (n) => n.op === 'gather')).toBe(T);
      expect(count(g, (n) => n.op === 'cross_entropy')).toBe(T);
    }
  });

  it('is in topological order, with the loss the mean of the step losses in time order', () => {
    const T = 4;
    const g = unroll(ir, T);
    for (const n of g.nodes) {
      expect(n.id).toBe(g.nodes.indexOf(n));
      for (const i of n.inputs) expect(i).toBeLessThan(n.id);
    }
    expect(g.T).toBe(T);
    expect(g.loss).toBe(g.nodes.length - 1);
    expect(g.nodes[g.loss].op).toBe('mean');
    expect(g.nodes[g.loss].inputs).toEqual(g.stepLosses);
    expect(g.stepLosses.map((id) => g.nodes[id].t)).toEqual([0, 1, 2, 3]);
    for (const id of g.stepLosses) expect(g.nodes[id].op).toBe('cross_entropy');
    for (const [name, id] of g.params) expect(g.nodes[id]).toMatchObject({ op: 'param', attrs: { name }, t: null });
    expect([...g.params.keys()]).toEqual(ir.params.map((p) => p.name));
  });

  it('links steps only through states: t → t+1 in a forward layer, t+1 → t in a reversed one', () => {
    for (const T of [1, 2, 5]) {
      const g = unroll(ir, T);
      const byLabel = new Map<string, number>();
      for (const n of g.nodes) if (n.t !== null && n.label) byLabel.set(`${n.label}@${n.t}`, n.id);
      const update = (s: string, t: number): number => {
        const id = byLabel.get(`${s}'@${t}`);
        expect(id, `${s}' at step ${t}`).toBeDefined();
        return id!;
      };
      // Every edge between two steps, as "from → to".
      const cross = new Set<string>();
      for (const n of g.nodes)
        for (const i of n.inputs) {
          const from = g.nodes[i];
          if (from.t !== null && n.t !== null && from.t !== n.t) cross.add(`${i}@${from.t}→@${n.t}`);
        }
      const expected = new Set<string>();
      for (const s of g.states) {
        const rev = isReversedState(ir, s.name);
        expect(s.reverse).toBe(rev);
        for (let t = 1; t < T; t++) {
          // The state's value after step `prev` is read at step `next`.
          const [prev, next] = rev ? [t, t - 1] : [t - 1, t];
          expected.add(`${update(s.name, prev)}@${prev}→@${next}`);
        }
        expect(s.final).toBe(update(s.name, rev ? 0 : T - 1));
        // The initial state is read only at the window's first step in the layer's direction.
        const readers = g.nodes.filter((n) => n.inputs.includes(s.initial));
        expect(readers.length).toBeGreaterThan(0);
        for (const r of readers) expect(r.t, `${s.name}@init read at step ${r.t}`).toBe(rev ? T - 1 : 0);
        expect(g.nodes[s.initial]).toMatchObject({ op: 'state0', shape: s.shape, attrs: { name: s.name } });
      }
      expect(expected.size).toBe(g.states.length * (T - 1));
      expect(cross).toEqual(expected);
    }
  });

  it('groups statements into segments: contiguous, swept in the layer\'s direction', () => {
    const T = 3;
    const g = unroll(ir, T);
    // The segments are the runs of consecutive same-layer statements of the IR step.
    const runs: (string | null)[] = [];
    for (const s of ir.step) if (runs.length === 0 || runs[runs.length - 1] !== s.layer) runs.push(s.layer);
    expect(g.segments.map((s) => s.layer)).toEqual(runs);
    for (const s of g.segments) expect(s.reverse).toBe(s.layer !== null && ir.layers.find((l) => l.name === s.layer)!.reverse);
    const stepNodes = g.nodes.filter((n) => n.t !== null);
    for (const n of stepNodes) expect(n.seg, `${n.op} ${n.label}`).not.toBeNull();
    // Each segment's nodes are one contiguous block of ids, in segment order.
    const segOrder = stepNodes.map((n) => n.seg);
    expect(segOrder).toEqual([...segOrder].sort((a, b) => a! - b!));
    for (const [k, seg] of g.segments.entries()) {
      const ts = stepNodes.filter((n) => n.seg === k).map((n) => n.t!);
      expect(ts.length).toBeGreaterThan(0);
      const sorted = [...ts].sort((a, b) => (seg.reverse ? b - a : a - b));
      expect(ts, `segment ${k} (${seg.layer}) sweeps ${seg.reverse ? 'backwards' : 'forwards'}`).toEqual(sorted);
      expect(new Set(ts)).toEqual(new Set([0, 1, 2]));
    }
    // A state belongs to its layer's segment; params and the loss to none.
    for (const s of g.states) {
      const layer = ir.states.find((x) => x.name === s.name)!.layer;
      expect(g.segments[g.nodes[s.initial].seg!].layer).toBe(layer);
    }
    for (const id of g.params.values()) expect(g.nodes[id].seg).toBeNull();
    expect(g.nodes[g.loss].seg).toBeNull();
  });
});

describe('unroll: dropout masks', () => {
  it('one mask per dropout per step in training, numbered in statement order; none otherwise', () => {
    const T = 3;
    const g = unroll(bi, T);
    const masks = g.nodes.filter((n) => n.op === 'mask');
    expect(masks).toHaveLength(2 * T);
    for (let t = 0; t < T; t++) {
      const at = masks.filter((m) => m.t === t);
      expect(at.map((m) => m.attrs.index).sort()).toEqual([0, 1]);
      expect(at.map((m) => m.attrs.p).sort()).toEqual([0.25, 0.5]);
    }
    // Each mask feeds exactly one multiplication.
    for (const m of masks) {
      const users = g.nodes.filter((n) => n.inputs.includes(m.id));
      expect(users.map((u) => u.op)).toEqual(['mul']);
    }
    // Without training the dropouts are the identity: no mask, no multiplication by one.
    const evalGraph = unroll(bi, T, { training: false });
    expect(count(evalGraph, (n) => n.op === 'mask')).toBe(0);
    expect(count(g, (n) => n.op === 'mul') - count(evalGraph, (n) => n.op === 'mul')).toBe(2 * T);
    expect(g.nodes.length - evalGraph.nodes.length).toBe(4 * T);
  });
});

describe('unroll: errors', () => {
  it.each([0, -1, 2.5, NaN])('rejects the window length %s', (T) => {
    expect(() => unroll(models[0][1], T)).toThrow(GraphError);
  });

  it('names an unbound dim', () => {
    const a = analyze('models/char-lstm.rnn');
    expect(a.ok).toBe(true);
    expect(() => unroll(a.models[0], 2)).toThrow(GraphError);
    expect(() => unroll(a.models[0], 2)).toThrow(/'vocab'/);
  });
});
