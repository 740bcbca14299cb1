// Loss and gradients of a batch window with the reference interpreter: the mean over the
// B·T predictions, and its gradient with respect to every parameter (float64).
import { interpret } from '../graph/interpret.ts';
import type { GradGraph } from './grad.ts';

export interface BatchWindow {
  params: ReadonlyMap<string, Float64Array>;
  /** [B][T + 1] token ids. */
  tokens: readonly (readonly number[])[];
  /** Per example, initial state values by name (zeros when absent). */
  initialStates?: readonly ReadonlyMap<string, Float64Array>[];
  /** Per example, the stream's tokens before the window, for offset lookups (none: the stream starts here). */
  history?: readonly (readonly number[])[];
  maskSeed?: number;
}

export interface LossAndGrads {
  loss: number;
  grads: Map<string, Float64Array>;
  /** Per example, each state's value after the window (to start the next one). */
  finalStates: Map<string, Float64Array>[];
}

export function referenceLossAndGrads(g: GradGraph, w: BatchWindow): LossAndGrads {
  const B = w.tokens.length;
  const grads = new Map<string, Float64Array>();
  for (const [name, id] of g.params) grads.set(name, new Float64Array(g.nodes[id].shape.reduce((a, b) => a * b, 1)));
  let loss = 0;
  const finalStates: Map<string, Float64Array>[] = [];
  for (let ex = 0; ex < B; ex++) {
    const vals = interpret(g, { params: w.params, tokens: w.tokens[ex], initialStates: w.initialStates?.[ex], history: w.history?.[ex], maskSeed: w.maskSeed, example: ex });
    loss += vals[g.loss][0] / B;
    for (const [name, id] of g.grads) {
      const acc = grads.get(name)!;
      const v = vals[id];
      for (let i = 0; i < acc.length; i++) acc[i] += v[i] / B;
    }
    finalStates.push(new Map(g.states.map((s) => [s.name, vals[s.final]])));
  }
  return { loss, grads, finalStates };
}

/** The loss alone, plus any training penalties (what the gradients are of): only the forward nodes are evaluated. */
export function referenceLoss(g: GradGraph, w: BatchWindow): number {
  let loss = 0;
  for (let ex = 0; ex < w.tokens.length; ex++) {
    const vals = interpret(g, { params: w.params, tokens: w.tokens[ex], initialStates: w.initialStates?.[ex], history: w.history?.[ex], maskSeed: w.maskSeed, example: ex }, g.forwardCount);
    loss += vals[g.objective ?? g.loss][0] / w.tokens.length;
  }
  return loss;
}
