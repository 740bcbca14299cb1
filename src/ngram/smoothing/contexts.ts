// What every smoothing needs to know about a context h (an (n−1)-gram): the total of its
// continuations' counts Σ_w c(h w), and how many continuations it has with count 1, 2, ≥ 3
// and ≥ 1 (N1(h•), N2(h•), N3+(h•), N1+(h•) in Chen & Goodman's notation).
import type { NgramCounts } from '../counts.ts';

export interface ContextStats {
  total: Float64Array;
  n1: Int32Array;
  n2: Int32Array;
  n3plus: Int32Array;
  types: Int32Array;
}

/** Statistics of the contexts of order n−1 over `values` (one count per n-gram of order n). */
export function contextStats(counts: NgramCounts, n: number, values: ArrayLike<number>, contexts: number): ContextStats {
  const prefix = counts.prefix[n];
  const s: ContextStats = { total: new Float64Array(contexts), n1: new Int32Array(contexts), n2: new Int32Array(contexts), n3plus: new Int32Array(contexts), types: new Int32Array(contexts) };
  for (let j = 0; j < prefix.length; j++) {
    const h = prefix[j];
    const a = values[j];
    s.total[h] += a;
    if (a > 0) s.types[h]++;
    if (a === 1) s.n1[h]++;
    else if (a === 2) s.n2[h]++;
    else if (a >= 3) s.n3plus[h]++;
  }
  return s;
}

/** Number of n-gram slots of order n (unigrams: the vocabulary size). */
export function orderSize(counts: NgramCounts, n: number, vocabSize: number): number {
  return n === 1 ? vocabSize : counts.tables[n].size;
}

/** Linear probabilities → log10 (0 → -Infinity), in place. */
export function toLog10(p: Float64Array): Float64Array {
  for (let i = 0; i < p.length; i++) p[i] = Math.log10(p[i]);
  return p;
}

/** The number of unigram tokens, `<s>` left out: it is a context, never predicted. */
export function unigramTotal(c: ArrayLike<number>, bos: number): number {
  let total = 0;
  for (let w = 0; w < c.length; w++) if (w !== bos) total += c[w];
  return total;
}
