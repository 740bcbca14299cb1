// Cutting a token stream into B parallel streams read in windows of T steps, as TensorFlow's
// ptb reader and PyTorch's word_language_model do: stream b is tokens[b·L, (b+1)·L) with
// L = ⌊N / B⌋ (the last N mod B tokens are dropped), and window i of each stream covers
// steps [i·T, i·T + T] (T inputs, T targets, the window's last token starting the next), so
// the recurrent state carries from window i to window i + 1 of the same stream.
import { DataError } from '../data/errors.ts';

export class WindowBatches {
  /** Tokens per stream. */
  readonly L: number;
  /** Windows per epoch: ⌊(L − 1) / T⌋. */
  readonly count: number;

  constructor(
    private readonly tokens: Int32Array,
    readonly B: number,
    readonly T: number,
    what = 'training data',
  ) {
    this.L = Math.floor(tokens.length / B);
    this.count = Math.floor((this.L - 1) / T);
    if (this.count < 1) {
      const need = B * (T + 1);
      throw new DataError(`${what} has ${tokens.length} tokens, fewer than one window needs (batch ${B} × (bptt ${T} + 1) = ${need}); use a smaller --batch or --bptt, or more text`);
    }
  }

  /** Writes window `i` ([B, T + 1], row-major) into `out`. */
  fill(out: Int32Array, i: number): Int32Array {
    const { B, T, L } = this;
    for (let b = 0; b < B; b++) out.set(this.tokens.subarray(b * L + i * T, b * L + i * T + T + 1), b * (T + 1));
    return out;
  }
}
