// Shared by the schedule-packing and schedule-merge tests: a model's plan and schedule, the
// params a scheduled product multiplies by, and the generated code against the float64
// reference interpreter (the oracle that a schedule which groups wrongly computes wrongly).
import { expect } from 'vitest';
import { planModel, type Plan } from '../../src/codegen/plan.ts';
import { schedule, type Instr, type Schedule } from '../../src/codegen/schedule.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { modelFromText } from '../autodiff/helpers.ts';
import { compare } from './window-compare.ts';

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
