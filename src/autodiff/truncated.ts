// Truncated BPTT on the reference path (float64, one example at a time): a sequence of N
// predictions is cut into windows of K steps (the last one shorter when K does not divide
// N). Each window starts from the previous window's final states, as plain values: they
// enter the window's graph as `state0` sources, so no gradient flows back across the cut
// (the `detach` of DESIGN §3). It is the oracle for window-by-window training.
//
// Convention. Window w covers predictions [start, start + length) and reads tokens
// [start, start + length]. Its `loss` is the mean cross-entropy over its B·length
// predictions and its `grads` are the gradients of that per-window mean with respect to
// every param, with the window's initial states held constant: one optimizer step's worth,
// returned per window (nothing is summed across windows). The overall `loss` is the mean
// over all B·N predictions, Σ_w length_w · loss_w / N: the forward pass does not depend on
// where the cuts are, so it equals the full window's loss. With K ≥ N there is one window
// and it is full BPTT exactly.
//
// Reversed layers read their window from its end; the steps after a window are not known
// yet, so their states restart from zeros in every window (not carried). With a reversed
// layer and K < N the forward loss therefore differs from the full window's.
//
// Dropout: window w draws its masks with seed `maskSeed + w` (mask seeds are per step of a
// window), as consecutive training windows do.
import { unroll } from '../graph/unroll.ts';
import type { IRModel } from '../ir/types.ts';
import { differentiate, type GradGraph } from './grad.ts';
import { referenceLossAndGrads } from './reference.ts';

export class TruncationError extends Error {}

export interface TruncatedOptions {
  /** Per example, the states the first window starts from (zeros when absent). */
  initialStates?: readonly ReadonlyMap<string, Float64Array>[];
  /** Window w draws its dropout masks with seed maskSeed + w (default 0). */
  maskSeed?: number;
  /** Dropout is active only in training (the default). */
  training?: boolean;
}

export interface TruncatedWindow {
  /** Index of the window's first prediction: it reads tokens [start, start + length]. */
  start: number;
  length: number;
  /** Mean cross-entropy over the window's B·length predictions. */
  loss: number;
  /** Gradient of this window's `loss` w.r.t. every param (initial states held constant). */
  grads: Map<string, Float64Array>;
  /** Per example, the states the window started from (zeros for states not listed). */
  initialStates: Map<string, Float64Array>[];
  /** Per example, every state's value after the window. */
  finalStates: Map<string, Float64Array>[];
}

export interface TruncatedResult {
  /** Mean cross-entropy over all B·N predictions. */
  loss: number;
  windows: TruncatedWindow[];
  /** Per example, the forward states after the last window (to start the next batch). */
  finalStates: Map<string, Float64Array>[];
}

/** Loss and per-window gradients of `tokens` ([B][N + 1]) in windows of K steps. */
export function truncatedBPTT(
  ir: IRModel,
  params: ReadonlyMap<string, Float64Array>,
  tokens: readonly (readonly number[])[],
  K: number,
  options: TruncatedOptions = {},
): TruncatedResult {
  if (!Number.isInteger(K) || K < 1) throw new TruncationError(`the truncation length K must be a positive integer, not ${K}`);
  const B = tokens.length;
  if (B === 0) throw new TruncationError('the batch is empty');
  const N = tokens[0].length - 1;
  if (N < 1) throw new TruncationError(`each example needs at least 2 tokens (N + 1 with N ≥ 1), not ${tokens[0].length}`);
  for (const [b, row] of tokens.entries()) {
    if (row.length !== N + 1) throw new TruncationError(`example ${b} has ${row.length} tokens, example 0 has ${N + 1}`);
  }
  if (options.initialStates && options.initialStates.length !== B) {
    throw new TruncationError(`initialStates has ${options.initialStates.length} entries for a batch of ${B}`);
  }

  const reversed = new Set(ir.layers.filter((l) => l.reverse).flatMap((l) => l.states));
  const graphs = new Map<number, GradGraph>(); // by window length: at most two
  const graphFor = (T: number): GradGraph => {
    let g = graphs.get(T);
    if (!g) graphs.set(T, (g = differentiate(unroll(ir, T, { training: options.training ?? true }))));
    return g;
  };

  let carried: Map<string, Float64Array>[] = Array.from({ length: B }, (_, b) => new Map(options.initialStates?.[b] ?? []));
  const windows: TruncatedWindow[] = [];
  let total = 0;
  for (let start = 0, w = 0; start < N; start += K, w++) {
    const length = Math.min(K, N - start);
    const slice = tokens.map((row) => row.slice(start, start + length + 1));
    const r = referenceLossAndGrads(graphFor(length), { params, tokens: slice, initialStates: carried, maskSeed: (options.maskSeed ?? 0) + w });
    windows.push({ start, length, loss: r.loss, grads: r.grads, initialStates: carried, finalStates: r.finalStates });
    total += r.loss * (length / N); // weight 1 exactly when there is one window
    // The cut: the next window sees these states as constants (state0 sources).
    carried = r.finalStates.map((m) => new Map([...m].filter(([name]) => !reversed.has(name))));
  }
  return { loss: total, windows, finalStates: carried };
}
