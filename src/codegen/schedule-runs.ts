// Grouping one phase's nodes into runs: element-wise ops fused into one loop, products of one
// operand with matrices side by side in the arena packed into one GEMM, and transposed
// products that are only ever added together merged into one GEMM of their sum.
import type { GNode } from '../graph/types.ts';
import { ELEMENTWISE_OPS } from '../graph/ops/index.ts';
import type { Plan } from './plan.ts';

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export interface ParamEntry {
  value: string;
  offset: number;
  size: number;
  shape: number[];
}

/** The facts about the plan the grouping rules read, computed once. */
export interface RunFacts {
  plan: Plan;
  /** Node id → the needed nodes that read it (a transposed product also reads the matrix under its transpose). */
  consumers: number[][];
  /** Param node id → its arena entry. */
  paramOf: Map<number, ParamEntry>;
}

export function runFacts(plan: Plan): RunFacts {
  const nodes = plan.g.nodes;
  const consumers: number[][] = nodes.map(() => []);
  for (const n of nodes) {
    if (!plan.needed[n.id]) continue;
    const ins = plan.transposedMatmul.has(n.id) ? [...n.inputs, nodes[n.inputs[0]].inputs[0]] : n.inputs;
    for (const i of ins) consumers[i].push(n.id);
  }
  const paramOf = new Map<number, ParamEntry>();
  for (const [p, id] of plan.g.params) paramOf.set(id, plan.paramName.get(p)!);
  return { plan, consumers, paramOf };
}

/** A parameter-gradient term written straight into the arena (no buffer of its own). */
export function fusedOnly(plan: Plan, id: number): boolean {
  const acc = plan.accumulate.get(id);
  return acc !== undefined && acc.every((a) => a.how !== 'sum');
}

const isBatched = (plan: Plan, id: number): boolean => plan.placement[id] === 'batched';
const fusable = (plan: Plan, n: GNode): boolean => ELEMENTWISE_OPS.has(n.op) && isBatched(plan, n.id) && !fusedOnly(plan, n.id);
const entries = (plan: Plan, id: number): number => size(plan.g.nodes[id].shape);

/** Splits a phase's node list into fused runs (two or more element-wise ops of one length), packed products and single nodes. */
export function runs(f: RunFacts, given: GNode[]): GNode[][] {
  const { plan } = f;
  const list = stageOrder(plan, given);
  const out: GNode[][] = [];
  let cur: GNode[] = [];
  const flush = () => {
    if (cur.length) out.push(cur);
    cur = [];
  };
  for (const n of list) {
    const prev = out.at(-1);
    if (!cur.length && prev && packsWith(f, prev, n)) {
      prev.push(n);
      continue;
    }
    // Products, kernels, and the states and seeds copied in (no op of the registry, so never element-wise): each on its own.
    if (!fusable(plan, n)) {
      flush();
      out.push([n]);
      continue;
    }
    if (cur.length && entries(plan, cur[0].id) !== entries(plan, n.id)) flush();
    cur.push(n);
  }
  flush();
  return mergeSummedProducts(f, out);
}

/**
 * The same nodes in an order that still respects every data dependence but lets the
 * element-wise ops between kernel calls meet in long runs. Each node gets a stage: a kernel
 * call that reads an element-wise result goes one stage later than it; within a stage the
 * kernel calls come first, then the element-wise ops. An LSTM step becomes its products,
 * then one loop; its backward step, one loop, then the products, then the sum.
 */
export function stageOrder(plan: Plan, list: GNode[]): GNode[] {
  const nodes = plan.g.nodes;
  const stage = new Map<number, number>();
  for (const n of list) {
    const ins = plan.transposedMatmul.has(n.id) ? [...n.inputs, nodes[n.inputs[0]].inputs[0]] : n.inputs;
    let st = 0;
    for (const i of ins) {
      const si = stage.get(i);
      if (si === undefined) continue; // computed in another phase
      st = Math.max(st, si + (fusable(plan, nodes[i]) && !fusable(plan, n) ? 1 : 0));
    }
    stage.set(n.id, st);
  }
  const order = (n: GNode): number => 2 * stage.get(n.id)! + (fusable(plan, n) ? 1 : 0);
  // A stable sort: equal keys keep the (topological) order of the list.
  return list.map((n, k) => ({ n, k, key: order(n) })).sort((a, b) => a.key - b.key || a.k - b.k).map((x) => x.n);
}

/** `W @ x` with W a param and x a batched vector: a candidate for packing. */
function plainMv(plan: Plan, n: GNode): boolean {
  const nodes = plan.g.nodes;
  return n.op === 'matmul' && !plan.transposedMatmul.has(n.id) && isBatched(plan, n.id) && plan.placement[n.inputs[0]] === 'param' && isBatched(plan, n.inputs[1]) && nodes[n.inputs[1]].shape.length === 1 && !plan.accumulate.has(n.id);
}

/** Whether n extends the products in `run`: the same operand, the next matrix of the same shape in the arena. */
function packsWith(f: RunFacts, run: GNode[], n: GNode): boolean {
  const last = run[run.length - 1];
  if (!plainMv(f.plan, n) || !plainMv(f.plan, last) || n.inputs[1] !== last.inputs[1] || n.seg !== last.seg) return false;
  const a = f.paramOf.get(last.inputs[0])!;
  const b = f.paramOf.get(n.inputs[0])!;
  return a.shape.join() === b.shape.join() && b.offset === a.offset + a.size && a.size % 4 === 0;
}

/** `Sᵀ @ g` with S a param and g a batched vector (the backward of `S @ x`), whose value only feeds a sum. */
export function plainMtv(plan: Plan, n: GNode): boolean {
  const nodes = plan.g.nodes;
  return n.op === 'matmul' && plan.transposedMatmul.has(n.id) && isBatched(plan, n.id) && plan.placement[nodes[n.inputs[0]].inputs[0]] === 'param' &&
    isBatched(plan, n.inputs[1]) && nodes[n.inputs[1]].shape.length === 1 && !plan.accumulate.has(n.id) && !plan.perStep[n.id];
}

/** The top of the chain of single-use adds a value is summed into, or null when it is not summed. */
function sumRoot(f: RunFacts, id: number): number | null {
  const nodes = f.plan.g.nodes;
  let cur = id;
  while (f.consumers[cur].length === 1 && nodes[f.consumers[cur][0]].op === 'add') cur = f.consumers[cur][0];
  return cur === id ? null : cur;
}

/** The matrix S of a transposed product `Sᵀ @ g`. */
export const transposedMatrix = (plan: Plan, n: GNode): number => plan.g.nodes[n.inputs[0]].inputs[0];

/**
 * Consecutive transposed products `S_gᵀ @ g_g` that are only ever added together, with the
 * S_g side by side in the arena (an LSTM's U_iᵀ d_i + U_fᵀ d_f + …): one run, one GEMM of their sum.
 */
function mergeSummedProducts(f: RunFacts, list: GNode[][]): GNode[][] {
  const { plan } = f;
  const nodes = plan.g.nodes;
  const out: GNode[][] = [];
  for (const run of list) {
    const n = run[0];
    const prev = out.at(-1);
    if (run.length === 1 && plainMtv(plan, n) && prev && plainMtv(plan, prev[0]) && prev[0].seg === n.seg) {
      const root = sumRoot(f, n.id);
      const w = nodes[transposedMatrix(plan, n)].shape.join();
      if (root !== null && sumRoot(f, prev[0].id) === root && nodes[transposedMatrix(plan, prev[0])].shape.join() === w) {
        prev.push(n);
        continue;
      }
    }
    out.push(run);
  }
  // Keep a merged run only where its matrices tile one stretch of the arena.
  return out.flatMap((run) => {
    if (run.length < 2 || !plainMtv(plan, run[0])) return [run];
    const ps = run.map((x) => f.paramOf.get(transposedMatrix(plan, x))!).sort((a, b) => a.offset - b.offset);
    const tiled = ps.every((p, i) => i === 0 || (p.offset === ps[i - 1].offset + ps[i - 1].size && ps[i - 1].size % 4 === 0));
    return tiled ? [run] : run.map((x) => [x]);
  });
}
