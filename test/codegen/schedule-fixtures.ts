// Shared by the schedule-packing and schedule-merge tests: a model's plan and schedule, the
// params a scheduled product multiplies by, and the generated code against the float64
// reference interpreter (the oracle that a schedule which groups wrongly computes wrongly).
import { expect } from 'vitest';
import { planModel, type Plan } from '../../src/codegen/plan.ts';
import { schedule, type Instr, type Schedule } from '../../src/codegen/schedule.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { compare } from './window-compare.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { unroll } from '../../src/graph/unroll.ts';
import { differentiate } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';

export interface Planned {
  ir: IRModel;
  plan: Plan;
  sched: Schedule;
}

export function planned(ir: IRModel, backward: boolean): Planned {
  const plan = planModel(ir, { backward, dropout: false });
  return { ir, plan, sched: schedule(plan) };
}

/** A one-layer model over a shipped cell: embedding `embed`, the cell of width `hidden`, a softmax over `vocab`. */
export function cellModel(file: string, cell: string, o: { embed: number; hidden: number; vocab?: number }): IRModel {
  return modelFromText(`use "cells/${file}"
model M {
  dim vocab = ${o.vocab ?? 5}
  param E: [vocab, ${o.embed}]
  param V: [vocab, ${o.hidden}]
  h = ${cell}(E[token], hidden = ${o.hidden})
  loss cross_entropy(V @ h, next)
}`);
}

/** The param a product multiplies by: `W` of `W @ x`, `S` of `Sᵀ @ g`. */
export function matrixOf(plan: Plan, id: number): string {
  const nodes = plan.g.nodes;
  const a = nodes[nodes[id].inputs[0]];
  return (a.op === 'transpose' ? nodes[a.inputs[0]] : a).attrs.name ?? `${a.op}${a.id}`;
}

/** Every instruction of the schedule, shared values first. */
export const all = (s: Schedule): Instr[] => [...s.shared, ...[...s.forward, ...s.backward].flatMap((x) => [...x.pre, ...x.loop, ...x.post])];

/** The packed GEMMs (forward `W_k @ x`) as the lists of params they multiply by, in order. */
export const packs = (p: Planned): string[][] =>
  all(p.sched).flatMap((i) => (i.kind === 'packedGemm' ? [i.nodes.map((id) => matrixOf(p.plan, id))] : []));

/** The GEMMs of sums (`Σ S_kᵀ @ g_k`) as the lists of params they multiply by, in arena order. */
export const sums = (p: Planned): string[][] =>
  all(p.sched).flatMap((i) => (i.kind === 'summedGemm' ? [i.nodes.map((id) => matrixOf(p.plan, id))] : []));

/** Products scheduled on their own (one `node` instruction each), by the param they multiply by. */
export const lone = (p: Planned): string[] =>
  all(p.sched).flatMap((i) => (i.kind === 'node' && p.plan.g.nodes[i.node].op === 'matmul' && p.plan.placement[i.node] === 'batched' ? [matrixOf(p.plan, i.node)] : []));

/** The generated code (training: loss and every gradient, two windows, states carried) equals the float64 reference. */
export function expectMatchesReference(ir: IRModel, seed = 3): void {
  const r = compare(ir, 2, 3, 2, seed);
  expect(r.lossErr).toBeLessThan(1e-12);
  expect(r.gradErr).toBeLessThan(1e-12);
}

/** A model over one custom cell `C` (its text), fed an embedding of width 4, with a softmax over its `h`. */
export function customCell(cell: string): IRModel {
  return modelFromText(`${cell}
model M {
  dim vocab = 5
  dim hidden = ${/-> \(?h: \[(\d+)\]/.exec(cell)![1]}
  param E: [vocab, 4]
  param V: [vocab, hidden]
  h = C(E[token])
  loss cross_entropy(V @ h, next)
}`);
}

/** Every fused loop runs over values of one length (its loop bound). */
export function expectFusedOneLength(p: Planned): void {
  const entries = (id: number) => p.plan.g.nodes[id].shape.reduce((a, b) => a * b, 1);
  for (const i of all(p.sched)) if (i.kind === 'fused') expect(new Set(i.nodes.map(entries)).size, `fused ${i.nodes.join(',')}`).toBe(1);
}

/** Inference code (no backward pass, no dropout): the same loss as the float64 reference. */
export function expectInferenceMatchesReference(ir: IRModel, seed = 5): void {
  const [B, T] = [2, 3];
  const rnd = mulberry32(seed);
  const params = new Map(ir.params.map((p) => [p.name, Float64Array.from({ length: p.size as number }, () => rnd() * 2 - 1)]));
  const tokens = Array.from({ length: B }, () => Array.from({ length: T + 1 }, () => Math.floor(rnd() * ir.dims.vocab!)));
  const inf = compileModel(ir, { backward: false });
  const P = new Float64Array(inf.layout.totalParams);
  for (const slot of inf.layout.params) P.set(params.get(slot.name)!, slot.offset);
  const loss = inf.instantiate({ Float: Float64Array, B, T, params: P }).run(Int32Array.from(tokens.flat()));
  const ref = referenceLossAndGrads(differentiate(unroll(ir, T, { training: false })), { params, tokens });
  expect(Math.abs(loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-12);
}

/**
 * In a schedule without sums rewritten: a value of a fused loop lives in a local (no buffer)
 * exactly when nothing outside that loop reads it, no other step needs it and it is no
 * gradient term. Readers from the graph: the needed nodes taking it as an input, and a
 * transposed product `Sᵀ @ g` reading S under its transpose.
 */
export function expectInlinedExactly(p: Planned): void {
  const { plan, sched } = p;
  expect(sched.elided.size).toBe(0);
  const nodes = plan.g.nodes;
  const readers = new Map<number, number[]>();
  for (const n of nodes) {
    if (!plan.needed[n.id]) continue;
    const ins = plan.transposedMatmul.has(n.id) ? [...n.inputs, nodes[n.inputs[0]].inputs[0]] : n.inputs;
    for (const i of ins) readers.set(i, [...(readers.get(i) ?? []), n.id]);
  }
  const want = new Set<number>();
  for (const i of all(sched)) {
    if (i.kind !== 'fused') continue;
    for (const x of i.nodes) if (!plan.perStep[x] && !plan.accumulate.has(x) && (readers.get(x) ?? []).every((r) => i.nodes.includes(r))) want.add(x);
  }
  expect([...sched.inlined].sort((a, b) => a - b)).toEqual([...want].sort((a, b) => a - b));
}
