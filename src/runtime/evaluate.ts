// Evaluation of a language model on a token stream, with the recurrent state carried through
// the whole stream (no resets at window boundaries).
//
// The protocol: the N tokens are cut into B streams that overlap by one token — stream b is
// tokens[b·L … b·L + L] with L = ⌊(N − 1) / B⌋ — so every token from position 1 to B·L is
// predicted exactly once, from all the text before it in its stream. Each stream starts from
// a zero state and is read in windows of T steps (the last window may be shorter; T does
// not change the result, only the speed). With B = 1 this is plain sequential evaluation of
// all N − 1 predictions; with B > 1 the last (N − 1) mod B tokens are not scored and each
// stream's first predictions have less context. Inference code: no dropout.
import type { CompiledModel, FloatArray, FloatCtor, WindowRunner } from '../codegen/index.ts';
import { bitsPerToken, NllMeter, perplexity } from './metrics.ts';

export interface EvalResult {
  /** Predictions scored. */
  tokens: number;
  /** Mean negative log-likelihood, nats per token. */
  loss: number;
  /** exp(loss). */
  perplexity: number;
  /** loss / ln 2: bits per token (bits per character for a char model). */
  bits: number;
}

export interface StreamLayout {
  B: number;
  /** Predictions per stream. */
  L: number;
}

/** The stream layout for N tokens and at most `batch` streams (fewer when the text is short). */
export function streamLayout(n: number, batch: number): StreamLayout {
  if (n < 2) throw new RangeError(`evaluation needs at least 2 tokens, got ${n}`);
  const B = Math.max(1, Math.min(batch, n - 1));
  return { B, L: Math.floor((n - 1) / B) };
}

/** Fills `out` ([B, t + 1] row-major) with the window starting at step `i` of each stream. */
export function fillWindow(out: Int32Array, tokens: Int32Array, B: number, L: number, i: number, t: number): void {
  for (let b = 0; b < B; b++) out.set(tokens.subarray(b * L + i, b * L + i + t + 1), b * (t + 1));
}

/**
 * Evaluates streams of tokens with one compiled inference model over one parameter arena.
 * Keeps its runners between calls (validation during training reuses them).
 */
export class StreamEvaluator {
  private runners = new Map<string, WindowRunner>();

  constructor(
    private readonly compiled: CompiledModel,
    private readonly params: FloatArray,
    private readonly Float: FloatCtor,
    private readonly batch: number,
    private readonly window: number,
  ) {
    if (compiled.backward) throw new Error('StreamEvaluator needs inference code (compileModel(ir, { backward: false }))');
  }

  private runner(B: number, T: number): WindowRunner {
    const key = `${B}x${T}`;
    let r = this.runners.get(key);
    if (!r) {
      r = this.compiled.instantiate({ Float: this.Float, B, T, params: this.params, grads: null });
      this.runners.set(key, r);
    }
    return r;
  }

  evaluate(tokens: Int32Array, onProgress?: (done: number, total: number) => void): EvalResult {
    const { B, L } = streamLayout(tokens.length, this.batch);
    const meter = new NllMeter();
    let states: FloatArray[] | null = null;
    const buf = new Int32Array(B * (this.window + 1));
    for (let i = 0; i < L; i += this.window) {
      const t = Math.min(this.window, L - i);
      const r = this.runner(B, t);
      if (states === null) r.resetStates();
      else r.initial.forEach((s, k) => s.set(states![k]));
      const w = t === this.window ? buf : new Int32Array(B * (t + 1));
      fillWindow(w, tokens, B, L, i, t);
      const loss = r.run(w, { loss: true, backward: false, carry: true });
      meter.addMean(loss, B * t);
      states = r.initial;
      onProgress?.(i + t, L);
    }
    return { tokens: meter.count, loss: meter.mean, perplexity: perplexity(meter.mean), bits: bitsPerToken(meter.mean) };
  }
}
