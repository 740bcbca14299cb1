// The plan → the schedule: what the generated code runs, in order, as plain data (typed
// instructions naming graph nodes) that tests can inspect and the printer turns into
// JavaScript. Deciding the order, the fused loops, the packed products and which values
// need no buffer happens here; the printer decides nothing.
import type { GNode } from '../graph/types.ts';
import { compilerTemp } from './names.ts';
import type { Plan } from './plan.ts';
import { runFacts, runs, transposedMatrix, type RunFacts } from './schedule-runs.ts';
import { sumRewrite, type SumRewrite } from './schedule-sums.ts';

/** How an instruction reads values: at step t inside the time loop, or over the whole window. */
export type Mode = 'step' | 'window';

/** A model the code generator cannot translate (an internal error, or a construct it does not support). */
export class CodegenError extends Error {}

export type Instr =
  /** One node: a kernel call, a single element-wise loop, or a gradient term accumulated into the arena. */
  | { kind: 'node'; node: number; mode: Mode }
  /** Element-wise ops of one length in one loop; values in `Schedule.inlined` live in locals only. */
  | { kind: 'fused'; nodes: number[]; mode: Mode }
  /** `W_k @ x` for matrices W_k back to back in the arena (`view`): one GEMM, results into each node. */
  | { kind: 'packedGemm'; nodes: number[]; operand: number; view: string; mode: Mode }
  /**
   * `Σ_k S_kᵀ @ g_k` for products only ever added together, S_k back to back in the arena
   * (`nodes` by offset): one GEMM of the whole sum into `into` (the top of the adds, or the
   * first product when the adds also add other terms); the adds of the other products
   * (`gone`) are computed by no instruction, and the adds left read past them (`Schedule.rewritten`).
   */
  | { kind: 'summedGemm'; nodes: number[]; operands: number[]; gone: number[]; into: number; view: string; mode: Mode }
  /** A state's value at step t: the initial state at the first step, else the step before's final. */
  | { kind: 'stateIn'; node: number; state: number }
  /** A state's gradient seed at step t: zero at the last step, else the step after's state gradient. */
  | { kind: 'seedIn'; node: number; state: number };

/** One segment's pass (a layer, or the model's own statements), forward or backward. */
export interface SegmentSchedule {
  seg: number;
  backward: boolean;
  /** Over the whole window before the time loop: what does not depend on the recurrence. */
  pre: Instr[];
  /** Inside the time loop, step by step. */
  loop: Instr[];
  /** Over the whole window after it: what the recurrence feeds but does not need back. */
  post: Instr[];
}

export interface Schedule {
  /** Values from the params alone, once per window. */
  shared: Instr[];
  /** The forward passes in segment order. */
  forward: SegmentSchedule[];
  /** The backward passes, last segment first (empty for inference). */
  backward: SegmentSchedule[];
  /** Values read only inside their fused loop: a local, no buffer. */
  inlined: Set<number>;
  /** Values no instruction stores: the products and partial sums a GEMM of a sum stands for. */
  elided: Set<number>;
  /** Nodes read with other inputs than the graph's: the adds left of a sum of products, reading past the ones gone. */
  rewritten: Map<number, GNode>;
  /** Views of the arena stretches packed products multiply, made once per window function. */
  packViews: { view: string; from: number; to: number }[];
  /** Entries per row of the packed products' scratch buffer, per step (B rows) and per window (T·B rows). */
  packScratch: { step: number; window: number };
}

export function schedule(plan: Plan): Schedule {
  const { g, needed, placement } = plan;
  const nodes = g.nodes;
  const facts = runFacts(plan);
  const inlined = new Set<number>();
  const packViews: Schedule['packViews'] = [];
  const packScratch = { step: 0, window: 0 };

  for (const n of nodes)
    if (needed[n.id] && placement[n.id] === 'batched' && n.seg == null) throw new CodegenError(`internal: ${n.op} node ${n.id} has no segment`);

  const elided = new Set<number>();
  const rewritten = new Map<number, GNode>();
  const instrs = (list: GNode[], mode: Mode): Instr[] => {
    const rs = runs(facts, list);
    for (const run of rs) {
      if (run.length < 2 || run[0].op === 'matmul') continue;
      const inRun = new Set(run.map((x) => x.id));
      for (const x of run) if (!plan.perStep[x.id] && !plan.accumulate.has(x.id) && facts.consumers[x.id].every((c) => inRun.has(c))) inlined.add(x.id);
    }
    // Products only ever summed: one GEMM writes their sum, and the adds of the others leave the graph.
    const inPhase = new Set(list.map((n) => n.id));
    const runOf = new Map<number, number>();
    rs.forEach((run, k) => run.forEach((x) => runOf.set(x.id, k)));
    const sums = new Map<GNode[], SumRewrite>();
    const summed = new Set<number>();
    for (const run of rs) {
      if (run.length < 2 || !plan.transposedMatmul.has(run[0].id)) continue;
      const rw = sumRewrite(facts, run.map((x) => x.id), byOffset(facts, run)[0].id, inPhase, inlined, runOf);
      if (!rw) continue;
      sums.set(run, rw);
      for (const id of rw.gone) summed.add(id);
      for (const id of rw.elided) elided.add(id);
      for (const n of rw.rewritten) rewritten.set(n.id, n);
    }
    return rs.flatMap((run): Instr[] => {
      const n = run[0];
      if (run.length > 1 && plan.transposedMatmul.has(n.id)) {
        const rw = sums.get(run);
        return rw ? [packed(facts, run, mode, packViews, packScratch, rw)] : run.map((x) => ({ kind: 'node', node: x.id, mode }));
      }
      if (run.length > 1 && n.op === 'matmul') return [packed(facts, run, mode, packViews, packScratch, null)];
      const kept = run.filter((x) => !summed.has(x.id));
      if (kept.length > 1) return [{ kind: 'fused', nodes: kept.map((x) => x.id), mode }];
      if (!kept.length) return [];
      const k = kept[0];
      // State values and state-gradient seeds are loop values (plan.ts): copied in at each step.
      if (k.op === 'state0') return [{ kind: 'stateIn', node: k.id, state: g.states.findIndex((s) => s.initial === k.id) }];
      if (k.op === 'seed') return [{ kind: 'seedIn', node: k.id, state: g.states.findIndex((s) => s.name === k.attrs.name) }];
      return [{ kind: 'node', node: k.id, mode }];
    });
  };

  const segments = new Map<string, SegmentSchedule>();
  for (let seg = 0; seg < g.segments.length; seg++)
    for (const backward of plan.backward ? [false, true] : [false]) {
      const mine = nodes.filter((n) => needed[n.id] && placement[n.id] === 'batched' && n.seg === seg && (n.id >= g.forwardCount) === backward);
      if (!mine.length) continue;
      const phase = (ph: 'pre' | 'loop' | 'post') => mine.filter((n) => plan.phase[n.id] === ph);
      segments.set(`${seg}:${backward}`, { seg, backward, pre: instrs(phase('pre'), 'window'), loop: instrs(phase('loop'), 'step'), post: instrs(phase('post'), 'window') });
    }
  const pick = (seg: number, backward: boolean): SegmentSchedule[] => {
    const s = segments.get(`${seg}:${backward}`);
    return s ? [s] : [];
  };
  const segs = g.segments.map((_, k) => k);
  return {
    shared: nodes.filter((n) => needed[n.id] && placement[n.id] === 'shared' && n.op !== 'const' && n.op !== 'seed').map((n) => ({ kind: 'node', node: n.id, mode: 'window' })),
    forward: segs.flatMap((k) => pick(k, false)),
    backward: plan.backward ? [...segs].reverse().flatMap((k) => pick(k, true)) : [],
    inlined,
    elided,
    rewritten,
    packViews,
    packScratch,
  };
}

/** A packed run of products as one instruction, registering its arena view and scratch size. */
function packed(f: RunFacts, run: GNode[], mode: Mode, views: Schedule['packViews'], scratch: Schedule['packScratch'], rw: SumRewrite | null): Instr {
  const { plan } = f;
  const nodes = plan.g.nodes;
  const transposed = plan.transposedMatmul.has(run[0].id);
  const matrix = (n: GNode): number => (transposed ? transposedMatrix(plan, n) : n.inputs[0]);
  const ps = run.map((n) => f.paramOf.get(matrix(n))!);
  const from = Math.min(...ps.map((p) => p.offset));
  const to = from + run.length * ps[0].size;
  let view = views.find((v) => v.from === from && v.to === to)?.view;
  if (view === undefined) {
    view = compilerTemp(`pack${views.length}`);
    views.push({ view, from, to });
  }
  // [rows, n·m]: the products' results side by side, or (transposed) their operands.
  const m = transposed ? nodes[run[0].inputs[1]].shape[0] : nodes[run[0].id].shape[0];
  scratch[mode] = Math.max(scratch[mode], run.length * m);
  if (!rw) return { kind: 'packedGemm', nodes: run.map((n) => n.id), operand: run[0].inputs[1], view, mode };
  const sorted = byOffset(f, run);
  return { kind: 'summedGemm', nodes: sorted.map((n) => n.id), operands: sorted.map((n) => n.inputs[1]), gone: rw.gone, into: rw.into, view, mode };
}

/** Transposed products by where their matrices lie in the arena. */
function byOffset(f: RunFacts, run: GNode[]): GNode[] {
  return [...run].sort((a, b) => f.paramOf.get(transposedMatrix(f.plan, a))!.offset - f.paramOf.get(transposedMatrix(f.plan, b))!.offset);
}
