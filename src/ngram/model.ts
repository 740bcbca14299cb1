// A backoff n-gram model as an ARPA file holds it: for each stored n-gram its log10
// probability and (below the top order) its log10 backoff weight; the probability of
// anything else is found by backing off:
//   log p(w | h) = log p(w | h')  + backoff(h)    when the n-gram h w is not stored,
// h' being h without its oldest word, with backoff(h) = 0 when h itself is not stored.
// Interpolated models (Kneser–Ney, Witten–Bell) are stored in this form too: the stored
// probability is the interpolated one and the backoff weight is the interpolation weight.
import { NgramTable } from './table.ts';
import type { NgramVocab } from './vocab.ts';

/** log10 probability written for what cannot occur (`<s>` as a prediction), as SRILM and KenLM do. */
export const LOG10_ZERO = -99;

/** Longest order accepted (counting stores n-gram lengths in bytes; KenLM's default build stops at 6). */
export const MAX_ORDER = 20;

export interface ModelInfo {
  /** How the model was estimated (from an rnnc header), or null for a foreign ARPA file. */
  smoothing: string | null;
  /** False when the scores are not probabilities (stupid backoff): no perplexity then. */
  normalised: boolean;
  /** Extra `key=value` facts for the header (discounts, k, …). */
  notes: Record<string, string>;
}

export class NgramModel {
  readonly vocab: NgramVocab;
  readonly order: number;
  /** tables[n] holds the n-grams of order n ≥ 2 (unigram n-gram index = word id). */
  readonly tables: NgramTable[];
  /** prob[n][i]: log10 probability of n-gram i of order n; NaN marks a blank (a suffix kept only for indexing). */
  readonly prob: Float64Array[];
  /** backoff[n][i]: log10 backoff weight of n-gram i of order n as a context (0 at the top order). */
  readonly backoff: Float64Array[];
  info: ModelInfo;

  constructor(vocab: NgramVocab, order: number, tables: NgramTable[], prob: Float64Array[], backoff: Float64Array[], info: ModelInfo) {
    this.vocab = vocab;
    this.order = order;
    this.tables = tables;
    this.prob = prob;
    this.backoff = backoff;
    this.info = info;
  }

  /** Number of n-grams of order n (1..order) in the model, blanks not counted. */
  count(n: number): number {
    const size = n === 1 ? this.vocab.size : this.tables[n].size;
    const p = this.prob[n];
    let c = 0;
    for (let i = 0; i < size; i++) if (p[i] === p[i]) c++;
    return c;
  }

  /** Number of n-gram slots of order n, blanks included (indices 0 .. size-1). */
  size(n: number): number {
    return n === 1 ? this.vocab.size : this.tables[n].size;
  }

  /** Word ids of n-gram `i` of order `n`, oldest first. */
  words(n: number, i: number): number[] {
    const out: number[] = [];
    for (let m = n; m > 1; m--) {
      out.push(this.tables[m].first[i]);
      i = this.tables[m].suffix[i];
    }
    out.push(i);
    return out;
  }

  /** Index of the n-gram `ids` (oldest first) in its order, or -1 (blanks are found too). */
  find(ids: ArrayLike<number>): number {
    const n = ids.length;
    let i = ids[n - 1];
    if (!(i >= 0 && i < this.vocab.size) || n > this.order) return -1;
    for (let m = 2; m <= n && i >= 0; m++) i = this.tables[m].find(i, ids[n - m]);
    return i;
  }

  /**
   * log10 p(w | context), the context given oldest first in ctx[from..to) (only its last
   * order−1 words matter; a negative id — a word the model does not know — cuts it there).
   * NaN when w itself is unknown (w < 0).
   */
  logProb10(ctx: ArrayLike<number>, from: number, to: number, w: number): number {
    if (w < 0) return NaN;
    const tables = this.tables;
    let lp = this.prob[1][w];
    let bo = 0;
    let g = w; // the n-gram (history suffix) w, one word longer each round
    let c = -1; // the history suffix as a context
    const longest = Math.min(to - from, this.order - 1);
    for (let m = 1; m <= longest; m++) {
      const x = ctx[to - m];
      if (x < 0) break;
      c = m === 1 ? x : tables[m].find(c, x);
      if (c < 0) break;
      if (g >= 0) g = tables[m + 1].find(g, x);
      const p = g >= 0 ? this.prob[m + 1][g] : NaN;
      if (p === p) {
        lp = p;
        bo = 0;
      } else bo += this.backoff[m][c];
    }
    return lp + bo;
  }

  /** Predictable words: every id but `<s>`. */
  get predictable(): number {
    return this.vocab.size - 1;
  }
}
