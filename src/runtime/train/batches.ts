// Cutting a token stream into B parallel streams read in windows of T steps, as TensorFlow's
// ptb reader and PyTorch's word_language_model do: stream b is tokens[b·L, (b+1)·L) with
// L = ⌊N / B⌋ (the last N mod B tokens are dropped), and window i of each stream covers
// steps [i·T, i·T + T] (T inputs, T targets, the window's last token starting the next), so
// the recurrent state carries from window i to window i + 1 of the same stream. With shifted
// windows (--shift-windows) every window of an epoch starts o steps later, o drawn from (seed,
// epoch) in [0, T): truncated BPTT then cuts the text at other places each epoch.
import { DataError } from '../data/errors.ts';
import { Rng } from '../rng.ts';

/** The Rng stream of epoch e's offset is SHIFT_STREAM + e (init's streams hash parameter names). */
const SHIFT_STREAM = 0x5d1f7000;

export class WindowBatches {
  /** Tokens per stream. */
  readonly L: number;
  /** The largest offset of an epoch's windows: T − 1 when they shift, else 0. */
  readonly maxOffset: number;
  /** Windows per epoch: ⌊(L − 1 − maxOffset) / T⌋, the same whatever an epoch's offset. */
  readonly count: number;
  /** The last offset drawn, and for which (seed, epoch). */
  private drawn = { seed: NaN, epoch: NaN, offset: 0 };

  constructor(
    private readonly tokens: Int32Array,
    readonly B: number,
    readonly T: number,
    what = 'training data',
    shift = false,
  ) {
    this.L = Math.floor(tokens.length / B);
    this.maxOffset = shift ? T - 1 : 0;
    this.count = Math.floor((this.L - 1 - this.maxOffset) / T);
    if (this.count < 1) {
      const need = B * (T + 1 + this.maxOffset);
      const shifted = shift ? ` + ${this.maxOffset} to shift` : '';
      throw new DataError(`${what} has ${tokens.length} tokens, fewer than one window needs (batch ${B} × (bptt ${T} + 1${shifted}) = ${need}); use a smaller --batch or --bptt, or more text`);
    }
  }

  /** The offset of epoch `epoch`'s windows (epochs count from 0): 0 unless they shift, else a draw in [0, T) from (seed, epoch). */
  offset(seed: number, epoch: number): number {
    if (this.maxOffset === 0) return 0;
    // Asked every step: drawn once per (seed, epoch), so the loop allocates nothing.
    if (this.drawn.seed !== seed || this.drawn.epoch !== epoch) this.drawn = { seed, epoch, offset: new Rng(seed, SHIFT_STREAM + epoch).nextUint32() % this.T };
    return this.drawn.offset;
  }

  /** Writes window `i` ([B, T + 1], row-major), started `offset` tokens into each stream, into `out`. */
  fill(out: Int32Array, i: number, offset = 0): Int32Array {
    const { B, T, L } = this;
    if (!(offset >= 0 && offset <= this.maxOffset)) throw new RangeError(`window offset ${offset} is outside [0, ${this.maxOffset}]`);
    for (let b = 0; b < B; b++) {
      const start = b * L + offset + i * T;
      out.set(this.tokens.subarray(start, start + T + 1), b * (T + 1));
    }
    return out;
  }
}
