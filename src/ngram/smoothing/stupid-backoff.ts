// Stupid backoff (Brants et al. 2007): relative frequencies, and a fixed factor α = 0.4 for
// each step back to a shorter context:
//   S(w | h) = c(h w) / Σ_x c(h x)   if h w was seen,   else α S(w | h');   S(w) = c(w) / Σ_x c(x).
// The scores are NOT probabilities (they sum to more than 1 over the words), so no perplexity
// can be computed from them. In ARPA form α is the backoff weight of every stored context, so it
// applies for each stored context backed off from; a word never seen in training scores 0
// (log10 −99).
import type { NgramCounts } from '../counts.ts';
import type { NgramVocab } from '../vocab.ts';
import { contextStats, orderSize, toLog10, unigramTotal } from './contexts.ts';
import type { Estimate } from './estimate.ts';

export const STUPID_ALPHA = 0.4;

export function stupidBackoff(counts: NgramCounts, vocab: NgramVocab): Estimate {
  const N = counts.order;
  const prob: Float64Array[] = [new Float64Array(0)];
  const backoff: Float64Array[] = [new Float64Array(0)];
  for (let n = 1; n <= N; n++) {
    const c = counts.raw[n];
    const p = new Float64Array(c.length);
    if (n === 1) {
      const total = unigramTotal(c, vocab.bos);
      for (let w = 0; w < c.length; w++) p[w] = w === vocab.bos ? 0 : c[w] / total;
    } else {
      const s = contextStats(counts, n, c, orderSize(counts, n - 1, vocab.size));
      const prefix = counts.prefix[n];
      for (let j = 0; j < c.length; j++) p[j] = c[j] / s.total[prefix[j]];
    }
    prob.push(p);
    backoff.push(new Float64Array(p.length).fill(n < N ? Math.log10(STUPID_ALPHA) : 0));
  }
  for (let n = 1; n <= N; n++) toLog10(prob[n]);
  return { prob, backoff, notes: { alpha: String(STUPID_ALPHA) } };
}
