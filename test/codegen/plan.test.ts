// The plan's decisions for small models, worked out by hand from the definitions in plan.ts:
// where each value lives (per example, shared, a param), which pass part runs it (before the
// recurrence, in it, after it), what is kept per step, which products read a param transposed
// in place, and how each param-gradient term reaches the arena. A plan that computes the same
// numbers less well (a value kept per step that need not be, a fused product not fused) passes
// the numeric tests; these pin the choices.
import { describe, expect, it } from 'vitest';
import { planModel, type Plan } from '../../src/codegen/plan.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { cellModel, customCell } from './schedule-fixtures.ts';

/** A node by what it is: `op:label`, or `op(inputs' labels or ops)` when it has no label. */
function signature(plan: Plan, id: number): string {
  const nodes = plan.g.nodes;
  const n = nodes[id];
  return n.label !== '' ? `${n.op}:${n.label}` : `${n.op}(${n.inputs.map((i) => nodes[i].label || nodes[i].op).join(',')})`;
}

/** Each node's decisions in one line: placement, phase, needed, kept per step, transposed read, arena terms. */
function decisions(plan: Plan): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of plan.g.nodes) {
    const sig = signature(plan, n.id);
    if (sig in out) throw new Error(`two nodes are ${sig}`);
    const acc = (plan.accumulate.get(n.id) ?? []).map((a) => ` +${a.param}:${a.how}`).join('');
    out[sig] = `${plan.placement[n.id]} ${plan.phase[n.id]}${plan.needed[n.id] ? ' needed' : ''}${plan.perStep[n.id] ? ' perStep' : ''}${plan.transposedMatmul.has(n.id) ? ' T' : ''}${acc}`;
  }
  return out;
}

const elman = () => cellModel('elman.rnn', 'Elman', { embed: 3, hidden: 4 });

describe('plan of an Elman language model (h\' = tanh(W @ x + U @ h + b), logits V @ h)', () => {
  it('training: every node\'s placement, phase, liveness, per-step storage and gradient path', () => {
    const plan = planModel(elman(), { backward: true, dropout: false });
    expect(decisions(plan)).toEqual({
      // Params live once; they are read in every part.
      'param:E': 'param pre needed',
      'param:V': 'param pre needed',
      'param:h.W': 'param pre needed',
      'param:h.U': 'param pre needed',
      'param:h.b': 'param pre needed',
      // The state comes in at each step (loop) and is read after the loop by dU's outer product.
      'state0:h.h@init': 'batched loop needed perStep',
      // The input's part does not depend on the state: computed for the whole window first.
      'gather:h.x': 'batched pre needed perStep',
      'matmul(h.W,h.x)': 'batched pre needed perStep',
      // The recurrence: U @ h, the adds, tanh; only h' leaves the step (to the output layer, the next step).
      'matmul(h.U,h.h@init)': 'batched loop needed',
      'add(matmul,matmul)': 'batched loop needed',
      'add(add,h.b)': 'batched loop needed',
      "tanh:h.h'": 'batched loop needed perStep',
      // The output layer reads h' of every step but feeds nothing back: after the loop.
      "matmul(V,h.h')": 'batched pre needed perStep',
      'cross_entropy:loss': 'batched pre needed perStep',
      // The step's loss is its cross-entropy; the mean over steps is not computed as a node.
      'mean:loss': 'batched pre',
      'seed:d_loss': 'shared pre needed',
      "seed:d_h.h'": 'batched loop needed perStep',
      'xent_grad(matmul,d_loss)': 'batched pre needed perStep',
      // Vᵀ @ g reads V in place: the transpose itself is never formed.
      'transpose(V)': 'shared pre',
      'matmul(transpose,xent_grad)': 'batched pre needed perStep T',
      "outer(xent_grad,h.h')": "batched pre needed perStep +V:outer",
      // Backward through the recurrence: the gradient from the next step plus the output's.
      "add:d_h.h'": 'batched loop needed',
      // dtanh feeds Uᵀ @ (the recurrence) and, after the loop, the three outer products; it is also db's term.
      "tanh_grad(h.h',d_h.h')": 'batched loop needed perStep +h.b:sum',
      'transpose(h.U)': 'shared pre',
      'matmul:d_h.h@init': 'batched loop needed perStep T',
      'outer(tanh_grad,h.h@init)': 'batched post needed perStep +h.U:outer',
      'transpose(h.W)': 'shared pre',
      'matmul:d_h.x': 'batched post needed perStep T',
      'outer(tanh_grad,h.x)': 'batched post needed perStep +h.W:outer',
      'scatter_row(d_h.x)': 'batched post needed perStep +E:scatter',
    });
    expect(plan.stateGrad.map((id) => id !== undefined && signature(plan, id))).toEqual(['matmul:d_h.h@init']);
    expect(signature(plan, plan.stepLoss)).toBe('cross_entropy:loss');
    expect(plan.layoutVocab).toBe(5);
  });

  it('inference: no gradients, no seeds; the same forward decisions', () => {
    const plan = planModel(elman(), { backward: false, dropout: false });
    expect(plan.accumulate.size).toBe(0);
    expect(plan.stateGrad).toEqual([undefined]);
    const d = decisions(plan);
    expect(Object.keys(d).filter((k) => k.startsWith('seed') || k.includes('grad') || k.startsWith('outer'))).toEqual([]);
    expect(d['matmul(h.W,h.x)']).toBe('batched pre needed perStep');
    expect(d['matmul(h.U,h.h@init)']).toBe('batched loop needed');
    expect(d["tanh:h.h'"]).toBe('batched loop needed perStep');
    // With nothing after the loop reading it, the incoming state is still copied in per step.
    expect(d['state0:h.h@init']).toBe('batched loop needed perStep');
  });

  it('params are laid out in declaration order, each padded to 4 floats (16-byte views)', () => {
    const plan = planModel(cellModel('elman.rnn', 'Elman', { embed: 3, hidden: 3 }), { backward: true, dropout: false });
    const layout = [...plan.paramName].map(([p, e]) => `${p}@${e.offset}+${e.size}`);
    // E [5,3] = 15 → 16; V [5,3] = 15 → 16; W [3,3] = 9 → 12; U 9 → 12; b 3 → 4.
    expect(layout).toEqual(['E@0+15', 'V@16+15', 'h.W@32+9', 'h.U@44+9', 'h.b@56+3']);
    expect(plan.totalParams).toBe(60);
  });
});

describe('plan: states and losses a statement does not compute', () => {
  it("a state carried unchanged (c' = c) still belongs to its own layer's segment, forward and backward", () => {
    // Its layer comes second, after a layer whose state is processed first.
    const ir = modelFromText(`use "cells/elman.rnn"
cell Keep(x: [in]) -> (h: [4], c: [4]) {
  param W: [4, in]
  c' = c
  h' = tanh(W @ x + c)
}
model M {
  dim vocab = 5
  param E: [vocab, 3]
  param V: [vocab, 4]
  h1 = Elman(E[token], hidden = 4)
  h2 = Keep(h1)
  loss cross_entropy(V @ h2, next)
}`);
    const plan = planModel(ir, { backward: true, dropout: false });
    const nodes = plan.g.nodes;
    const layer = plan.g.segments.findIndex((s) => s.layer === 'h2');
    expect(layer).toBeGreaterThan(plan.g.segments.findIndex((s) => s.layer === 'h1'));
    const carried = nodes.filter((n) => (n.op === 'state0' || n.op === 'seed') && n.attrs.name === 'h2.c');
    expect(carried.length).toBe(2);
    for (const n of carried) expect(n.seg).toBe(layer);
    // And every other state's value and seed stays in its own layer's segment.
    const states = nodes.filter((n) => (n.op === 'state0' || n.op === 'seed') && n.attrs.name !== 'loss');
    expect(states.map((n) => n.attrs.name).sort()).toEqual(['h1.h', 'h1.h', 'h2.c', 'h2.c', 'h2.h', 'h2.h']);
    for (const n of states) expect(n.seg, n.attrs.name).toBe(plan.g.segments.findIndex((s) => s.layer === n.attrs.name!.split('.')[0]));
    // Nothing else moves: the params keep no segment.
    for (const n of nodes.filter((n) => n.op === 'param')) expect(n.seg).toBeNull();
  });

  it("a state whose next value is a param (h' = b) is refused with the reason", () => {
    const ir = () => customCell(`cell C(x: [in]) -> (h: [4], s: [4]) {
  param W: [4, in]
  param b: [4]
  s' = b
  h' = tanh(W @ x + s)
}`);
    expect(() => planModel(ir(), { backward: true, dropout: false })).toThrow(/state h\.s: its next value is the param h\.b itself, the same at every step/);
  });
});

describe('plan: losses over several targets and the adaptive softmax', () => {
  it('skip-gram: the step loss is the mean of one cross-entropy per context position, of one logits', () => {
    const plan = planModel(
      modelFromText(`model SkipGram {
  dim vocab = 6
  param E: [vocab, 3]
  param V: [vocab, 3]
  param b: [vocab]
  loss cross_entropy(V @ E[token] + b, token@-1, token@+1)
}`),
      { backward: true, dropout: false },
    );
    const nodes = plan.g.nodes;
    const ces = nodes.filter((n) => n.op === 'cross_entropy').map((n) => n.id);
    expect(plan.stepCEs).toEqual(ces);
    expect(plan.stepLoss).toBe(ces[0]);
    // Both read the same logits (V @ E[token] + b), whose row length is the vocabulary.
    expect(new Set(ces.map((c) => nodes[c].inputs[0])).size).toBe(1);
    expect(plan.layoutVocab).toBe(6);
    // The means are not computed as nodes; both cross-entropies are, per step.
    for (const n of nodes.filter((n) => n.op === 'mean')) expect(plan.needed[n.id]).toBe(false);
    for (const c of ces) expect([plan.needed[c], plan.perStep[c]]).toEqual([true, true]);
    // b's gradient is the sum of the two positions' softmax gradients: a term added, not fused.
    const how = (param: string) => [...plan.accumulate].filter(([, as]) => as.some((a) => a.param === param)).map(([id, as]) => `${nodes[id].op}:${as.map((a) => a.how).join()}`);
    expect(how('b')).toEqual(['add:sum']);
    expect(how('V')).toEqual(['outer:outer']);
    expect(how('E')).toEqual(['scatter_row:scatter']);
  });

  it("adaptive softmax: its kernel adds the tied E's and b_y's gradients itself; the cluster bias is a summed term", () => {
    const plan = planModel(
      modelFromText(`use "cells/elman.rnn"
model A {
  dim vocab = 12
  param E: [vocab, 4]
  param C: [2, 4]
  param b_y: [vocab]
  param b_c: [2]
  h = Elman(E[token], hidden = 4)
  loss adaptive_cross_entropy(E @ h + b_y, C @ h + b_c, next, 4, 8)
}`),
      { backward: true, dropout: false },
    );
    const nodes = plan.g.nodes;
    const terms = [...plan.accumulate].map(([id, as]) => `${nodes[id].op}${nodes[id].attrs.part !== undefined ? `[${nodes[id].attrs.part}]` : ''} → ${as.map((a) => `${a.param}:${a.how}`).join()}`);
    expect(terms.sort()).toEqual(
      [
        'adaptive_xent_grad[0] → E:kernel',
        'adaptive_xent_grad[3] → b_y:kernel',
        'adaptive_xent_grad[2] → b_c:sum',
        'outer → C:outer',
        'tanh_grad → h.b:sum',
        'outer → h.U:outer',
        'outer → h.W:outer',
        'scatter_row → E:scatter',
      ].sort(),
    );
    expect(nodes[plan.stepLoss].op).toBe('adaptive_xent');
    expect(plan.stepCEs).toEqual([plan.stepLoss]);
    // Every part of the adaptive gradient is computed (the kernel's two are added into the arena by it).
    for (const n of nodes.filter((n) => n.op === 'adaptive_xent_grad')) expect([plan.needed[n.id], plan.placement[n.id], plan.phase[n.id]]).toEqual([true, 'batched', 'pre']);
  });
});
