// The plan's decisions for small models, worked out by hand from the definitions in plan.ts:
// where each value lives (per example, shared, a param), which pass part runs it (before the
// recurrence, in it, after it), what is kept per step, which products read a param transposed
// in place, and how each param-gradient term reaches the arena. A plan that computes the same
// numbers less well (a value kept per step that need not be, a fused product not fused) passes
// the numeric tests; these pin the choices.
import { describe, expect, it } from 'vitest';
import { planModel, type Plan } from '../../src/codegen/plan.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { cellModel } from './schedule-fixtures.ts';

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
  it("a state carried unchanged (c' = c) still belongs to its layer's segment, forward and backward", () => {
    const ir = modelFromText(`cell Keep(x: [in]) -> (h: [hidden], c: [hidden]) {
  param W: [hidden, in]
  c' = c
  h' = tanh(W @ x + c)
}
model M {
  dim vocab = 5
  param E: [vocab, 3]
  param V: [vocab, 4]
  h = Keep(E[token], hidden = 4)
  loss cross_entropy(V @ h, next)
}`);
    const plan = planModel(ir, { backward: true, dropout: false });
    const nodes = plan.g.nodes;
    const layer = plan.g.segments.findIndex((s) => s.layer === 'h');
    const carried = nodes.filter((n) => (n.op === 'state0' || n.op === 'seed') && n.attrs.name === 'h.c');
    expect(carried.length).toBe(2);
    for (const n of carried) expect(n.seg).toBe(layer);
  });

  it("a state whose next value is a param (h' = b) is refused with the reason", () => {
    const text = `cell Const(x: [in]) -> (h: [hidden], s: [hidden]) {
  param W: [hidden, in]
  param b: [hidden]
  s' = b
  h' = tanh(W @ x + s)
}
model M {
  dim vocab = 5
  param E: [vocab, 3]
  param V: [vocab, 4]
  h = Const(E[token], hidden = 4)
  loss cross_entropy(V @ h, next)
}`;
    expect(() => planModel(modelFromText(text), { backward: true, dropout: false })).toThrow(/state h\.s: its next value is the param h\.b itself, the same at every step/);
  });
});
