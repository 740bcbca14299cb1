// sumRewrite (schedule-sums.ts) on small hand-built graphs, each case against the answer worked
// out by hand: the products' adds folded into one GEMM when they fit, and null for each reason
// they do not (the guards no shipped model reaches: a product read by something else, two sums,
// adds in another phase, a partial sum kept, a fused loop's local read from another loop).
import { describe, expect, it } from 'vitest';
import { sumRewrite } from '../../src/codegen/schedule-sums.ts';
import type { RunFacts } from '../../src/codegen/schedule-runs.ts';
import type { GNode } from '../../src/graph/types.ts';

type Spec = [op: string, inputs: number[]];

/** RunFacts of a graph given as [op, inputs] per node id, every node needed. */
function facts(spec: Spec[], plan: { stateGrad?: (number | undefined)[]; perStep?: boolean[]; accumulate?: Set<number> } = {}): RunFacts {
  const nodes = spec.map(([op, inputs], id) => ({ id, op, inputs, shape: [4], attrs: {} }) as unknown as GNode);
  const consumers: number[][] = nodes.map(() => []);
  for (const n of nodes) for (const i of n.inputs) consumers[i].push(n.id);
  const p = { g: { nodes }, stateGrad: plan.stateGrad ?? [], perStep: plan.perStep ?? [], accumulate: plan.accumulate ?? new Set<number>() };
  return { plan: p as unknown as RunFacts['plan'], consumers, paramOf: new Map() };
}

const none = new Set<number>();
const noRuns = new Map<number, number>();

// Products 0, 1, 2 summed as (0 + 1) + 2, read by a tanh.
const CHAIN: Spec[] = [
  ['matmul', []],
  ['matmul', []],
  ['matmul', []],
  ['input', []],
  ['add', [0, 1]],
  ['add', [4, 2]],
  ['tanh', [5]],
];

describe('sumRewrite', () => {
  it('products only added together: the GEMM writes the top add, every add drops out', () => {
    expect(sumRewrite(facts(CHAIN), [0, 1, 2], 0, new Set([4, 5]), none, noRuns)).toEqual({ into: 5, gone: [4, 5], elided: [0, 1, 2, 4], rewritten: [] });
  });

  it('the adds are walked bottom up whatever order the products come in', () => {
    // From product 2 the walk meets add 5 first; taken in that order, 5 would read add 4 before 4 is folded.
    expect(sumRewrite(facts(CHAIN), [2, 1, 0], 0, new Set([4, 5]), none, noRuns)).toEqual({ into: 5, gone: [4, 5], elided: [2, 1, 0, 4], rewritten: [] });
  });

  it('a sum that adds another value: the GEMM writes the head product, the add above reads past the ones gone', () => {
    // (3 + 1) + 0: node 4 adds the input 3 and product 1, node 5 adds product 0.
    const g: Spec[] = [['matmul', []], ['matmul', []], ['tanh', []], ['input', []], ['add', [3, 1]], ['add', [4, 0]], ['tanh', [5]]];
    const r = sumRewrite(facts(g), [0, 1], 0, new Set([4, 5]), none, noRuns);
    expect(r).toMatchObject({ into: 0, gone: [4], elided: [1, 4] });
    expect(r!.rewritten.map((n) => [n.id, n.op, n.inputs])).toEqual([[5, 'add', [3, 0]]]);
    // …unless the value it now reads lives in another fused loop's local.
    expect(sumRewrite(facts(g), [0, 1], 0, new Set([4, 5]), new Set([3]), new Map([[3, 1], [5, 2]]))).toBeNull();
    expect(sumRewrite(facts(g), [0, 1], 0, new Set([4, 5]), new Set([3]), new Map([[3, 2], [5, 2]]))).not.toBeNull();
  });

  it('null when a product is read by anything but an add', () => {
    const g: Spec[] = [['matmul', []], ['matmul', []], ['add', [0, 1]], ['tanh', [1]], ['tanh', [2]]];
    expect(sumRewrite(facts(g), [0, 1], 0, new Set([2]), none, noRuns)).toBeNull();
    // The head itself, read by a tanh and met last: without the check it would be taken for the sum's top.
    const h: Spec[] = [['matmul', []], ['matmul', []], ['input', []], ['add', [1, 2]], ['tanh', [0]], ['tanh', [3]]];
    expect(sumRewrite(facts(h), [1, 0], 0, new Set([3]), none, noRuns)).toBeNull();
    // A lone product with no add above it is no sum.
    expect(sumRewrite(facts(h), [0], 0, new Set([3]), none, noRuns)).toBeNull();
  });

  it('null when the products are in two different sums', () => {
    const g: Spec[] = [['matmul', []], ['matmul', []], ['input', []], ['add', [0, 2]], ['add', [1, 2]], ['tanh', [3]], ['tanh', [4]]];
    expect(sumRewrite(facts(g), [0, 1], 0, new Set([3, 4]), none, noRuns)).toBeNull();
    // The head's sum met last: without the check the other product would be dropped from its own sum.
    const h: Spec[] = [['matmul', []], ['matmul', []], ['input', []], ['add', [1, 2]], ['add', [0, 2]], ['tanh', [3]], ['tanh', [4]]];
    expect(sumRewrite(facts(h), [1, 0], 0, new Set([3, 4]), none, noRuns)).toBeNull();
  });

  it('null when an add runs in another phase', () => {
    expect(sumRewrite(facts(CHAIN), [0, 1, 2], 0, new Set([5]), none, noRuns)).toBeNull();
    expect(sumRewrite(facts(CHAIN), [0, 1, 2], 0, new Set([4]), none, noRuns)).toBeNull();
  });

  it('null when a partial sum is kept: per step, as a state gradient, or accumulated', () => {
    const perStep: boolean[] = [];
    perStep[4] = true;
    expect(sumRewrite(facts(CHAIN, { perStep }), [0, 1, 2], 0, new Set([4, 5]), none, noRuns)).toBeNull();
    expect(sumRewrite(facts(CHAIN, { stateGrad: [undefined, 4] }), [0, 1, 2], 0, new Set([4, 5]), none, noRuns)).toBeNull();
    expect(sumRewrite(facts(CHAIN, { accumulate: new Set([4]) }), [0, 1, 2], 0, new Set([4, 5]), none, noRuns)).toBeNull();
    // The top of the sum may be any of those: the GEMM writes it.
    const top: boolean[] = [];
    top[5] = true;
    expect(sumRewrite(facts(CHAIN, { perStep: top, stateGrad: [undefined, 5] }), [0, 1, 2], 0, new Set([4, 5]), none, noRuns)).not.toBeNull();
  });

  it('null when the top of a products-only sum lives in a fused loop or is accumulated', () => {
    expect(sumRewrite(facts(CHAIN), [0, 1, 2], 0, new Set([4, 5]), new Set([5]), noRuns)).toBeNull();
    expect(sumRewrite(facts(CHAIN, { accumulate: new Set([5]) }), [0, 1, 2], 0, new Set([4, 5]), none, noRuns)).toBeNull();
  });
});
