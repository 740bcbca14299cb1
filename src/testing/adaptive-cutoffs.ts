// Gradient checks draw dims of 1–4, far below an adaptive softmax's cutoffs (2000, 6000): for a
// check, the cutoffs are spread over the drawn vocabulary instead. The computation is the same
// for any cutoffs (a head, then clusters), and central differences over a vocabulary of thousands
// would take hours.
import type { IRModel } from '../ir/types.ts';

/** The number of tail clusters of the model's adaptive softmax, or 0 when it has none. */
export function adaptiveClusters(ir: IRModel): number {
  for (const s of ir.step) if (s.expr.op === 'adaptive_cross_entropy') return s.expr.cutoffs.length;
  return 0;
}

/** Cutoffs spread evenly over a vocabulary of V ≥ K + 1 words: every cluster non-empty. */
export function spreadCutoffs(K: number, V: number): number[] {
  if (V < K + 1) throw new RangeError(`${K} cutoffs need a vocabulary of at least ${K + 1} words, not ${V}`);
  return Array.from({ length: K }, (_, k) => Math.floor(((k + 1) * V) / (K + 1)));
}

/** The model with its adaptive softmax's cutoffs spread over its (bound) vocabulary. */
export function withSpreadCutoffs(ir: IRModel): IRModel {
  const K = adaptiveClusters(ir);
  const V = ir.dims.vocab;
  if (K === 0 || V == null) return ir;
  const cutoffs = spreadCutoffs(K, V);
  return { ...ir, step: ir.step.map((s) => (s.expr.op === 'adaptive_cross_entropy' ? { ...s, expr: { ...s.expr, cutoffs } } : s)) };
}
