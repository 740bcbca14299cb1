// The schedule as data, without printing: what runs in an LSTM's step, in order. Oracle: the
// LSTM's structure (four gates whose matrices lie side by side in the arena, their products
// summed into the gradient of h) and the plan's own facts (what each node computes).
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { planModel, type Plan } from '../../src/codegen/plan.ts';
import { schedule, type Instr, type Schedule } from '../../src/codegen/schedule.ts';
import { emitModule } from '../../src/codegen/emit.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import type { IRModel } from '../../src/ir/types.ts';

function planned(ir: IRModel, backward: boolean): { plan: Plan; sched: Schedule } {
  const plan = planModel(ir, { backward, dropout: false });
  return { plan, sched: schedule(plan) };
}

function lstm(backward: boolean): { plan: Plan; sched: Schedule } {
  const a = analyze('models/char-lstm.rnn', { dims: { vocab: 11, embed: 4, hidden: 8 } });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return planned(a.models[0], backward);
}

/** A GRU with the reset gate after the product: the gradient of h adds z ⊙ d_h' to the three Uᵀ d_gate. */
const gru = () =>
  planned(modelFromText(`use "cells/gru.rnn"
model G {
  dim vocab = 7
  param E: [vocab, 4]
  param V: [vocab, 8]
  h = GRUResetAfter(E[token], hidden = 8)
  loss cross_entropy(V @ h, next)
}`), true);

/** The params a node's product multiplies by (through a transpose for the backward's Uᵀ g). */
const matrixOf = (plan: Plan, id: number): string => {
  const n = plan.g.nodes[plan.g.nodes[id].inputs[0]];
  return (n.op === 'transpose' ? plan.g.nodes[n.inputs[0]] : n).attrs.name!;
};
const all = (s: Schedule): Instr[] => [...s.shared, ...[...s.forward, ...s.backward].flatMap((x) => [...x.pre, ...x.loop, ...x.post])];

describe('schedule', () => {
  it('forward: each layer\'s step is one packed GEMM of its four U @ h, then one fused loop, then the state copy in', () => {
    const { plan, sched } = lstm(false);
    // The model's own statements before the layers (the embedding), the layers, the model's after them (the loss).
    expect(sched.forward.map((s) => plan.g.segments[s.seg].layer)).toEqual([null, 'h1', 'h2', null]);
    expect(sched.backward).toEqual([]);
    for (const layer of sched.forward.slice(1, 3)) {
      const kinds = layer.loop.map((i) => i.kind);
      expect(kinds.filter((k) => k === 'packedGemm')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'fused')).toHaveLength(1);
      expect(kinds.filter((k) => k === 'stateIn')).toHaveLength(2); // h and c
      const gemm = layer.loop.find((i) => i.kind === 'packedGemm')!;
      if (gemm.kind !== 'packedGemm') throw new Error('unreachable');
      const name = plan.g.segments[layer.seg].layer!;
      expect(gemm.nodes.map((id) => matrixOf(plan, id))).toEqual(['U_i', 'U_f', 'U_o', 'U_c'].map((u) => `${name}.${u}`));
      // The whole-window part packs the four W @ x the same way.
      expect(layer.pre.filter((i) => i.kind === 'packedGemm')).toHaveLength(1);
    }
  });

  it('backward: the four Uᵀ d_gate, only ever added together, are one GEMM of their sum per layer', () => {
    const { plan, sched } = lstm(true);
    expect(sched.backward.map((s) => plan.g.segments[s.seg].layer)).toEqual([null, 'h2', 'h1', null]);
    for (const layer of sched.backward.slice(1, 3)) {
      const sums = layer.loop.filter((i) => i.kind === 'summedGemm');
      expect(sums).toHaveLength(1);
      const s = sums[0];
      if (s.kind !== 'summedGemm') throw new Error('unreachable');
      const name = plan.g.segments[layer.seg].layer!;
      expect(s.nodes.map((id) => matrixOf(plan, id))).toEqual(['U_i', 'U_f', 'U_o', 'U_c'].map((u) => `${name}.${u}`));
      expect(s.operands.every((id) => plan.placement[id] === 'batched')).toBe(true);
      // The GEMM writes the state gradient itself: the three adds of the sum are gone, nothing zero-filled.
      const k = plan.g.states.findIndex((st) => st.name === `${name}.h`);
      expect(s.into).toBe(plan.stateGrad[k]);
      expect(s.gone.map((id) => plan.g.nodes[id].op)).toEqual(['add', 'add', 'add']);
      expect(s.gone).toContain(s.into);
      for (const id of [...s.nodes, ...s.gone.filter((a) => a !== s.into)]) expect(sched.elided.has(id)).toBe(true);
    }
  });

  it('a sum of the products and another term: one GEMM into the first product, one add of it and the term, no adds of zeros', () => {
    const { plan, sched } = gru();
    const sums = all(sched).filter((i) => i.kind === 'summedGemm');
    expect(sums).toHaveLength(1);
    const s = sums[0];
    if (s.kind !== 'summedGemm') throw new Error('unreachable');
    expect(s.nodes.map((id) => matrixOf(plan, id))).toEqual(['h.U_r', 'h.U_z', 'h.U_n']);
    expect(s.into).toBe(s.nodes[0]);
    expect(s.gone).toHaveLength(2);
    // The add left reads the GEMM's result and the other term, never a product summed away.
    const left = [...sched.rewritten.values()];
    expect(left).toHaveLength(1);
    expect(left[0].inputs).toContain(s.into);
    for (const i of all(sched)) {
      const ids = 'nodes' in i ? i.nodes : [i.node];
      for (const id of ids) if (i !== s) expect(s.gone.includes(id) || s.nodes.slice(1).includes(id)).toBe(false);
    }
  });

  it('the printed code fills no summed product with zeros and adds none', () => {
    for (const { plan } of [lstm(true), gru()]) {
      const js = emitModule(plan);
      const lines = js.split('\n');
      const after = lines.flatMap((l, k) => (l.includes('k.mtvPack(') ? [lines[k + 1]] : []));
      expect(after.length).toBeGreaterThan(0);
      for (const l of after) expect(l).not.toContain('.fill(0)');
      expect(js).not.toContain('already in the sum');
    }
  });

  it('every needed batched node is scheduled exactly once (a summed product or add of the sum by its GEMM)', () => {
    const { plan, sched } = lstm(true);
    const seen = new Map<number, number>();
    const add = (id: number) => seen.set(id, (seen.get(id) ?? 0) + 1);
    for (const i of all(sched)) {
      if (i.kind === 'summedGemm') [...i.nodes, ...i.gone].forEach(add);
      else if ('nodes' in i) i.nodes.forEach(add);
      else add(i.node);
    }
    for (const n of plan.g.nodes) if (plan.needed[n.id] && plan.placement[n.id] === 'batched') expect([n.op, seen.get(n.id)]).toEqual([n.op, 1]);
    for (const id of sched.inlined) expect(seen.get(id)).toBe(1);
  });

  it('packed views tile the arena stretch of the matrices they multiply', () => {
    const { plan, sched } = lstm(true);
    for (const i of all(sched)) {
      if (i.kind !== 'packedGemm' && i.kind !== 'summedGemm') continue;
      const v = sched.packViews.find((x) => x.view === i.view)!;
      const ps = i.nodes.map((id) => plan.paramName.get(matrixOf(plan, id))!).sort((a, b) => a.offset - b.offset);
      expect([v.from, v.to]).toEqual([ps[0].offset, ps.at(-1)!.offset + ps.at(-1)!.size]);
    }
  });
});

describe('states and seeds in the schedule', () => {
  it('each state is copied in once per step, in the loop, never inside a fused loop; each state gradient seeded likewise', () => {
    for (const backward of [false, true]) {
      const { plan, sched } = lstm(backward);
      const nodes = plan.g.nodes;
      const loops = [...sched.forward, ...sched.backward].map((x) => x.loop).flat();
      const stateIns = loops.filter((i) => i.kind === 'stateIn');
      const seedIns = loops.filter((i) => i.kind === 'seedIn');
      // char-lstm: two LSTM layers of two states (h, c) each.
      expect(stateIns.length).toBe(4);
      expect(seedIns.length).toBe(backward ? 4 : 0);
      for (const i of [...stateIns, ...seedIns]) {
        if (i.kind !== 'stateIn' && i.kind !== 'seedIn') continue;
        const n = nodes[i.node];
        expect(n.op).toBe(i.kind === 'stateIn' ? 'state0' : 'seed');
        expect(plan.g.states[i.state].name).toBe(n.attrs.name);
      }
      for (const i of all(sched)) if (i.kind === 'fused') for (const id of i.nodes) expect(['state0', 'seed']).not.toContain(nodes[id].op);
      // Nothing else takes a state or seed node: outside the loop they are not scheduled at all.
      const elsewhere = all(sched).filter((i) => i.kind === 'node' && ['state0', 'seed'].includes(nodes[i.node].op));
      expect(elsewhere).toEqual([]);
    }
  });

});
