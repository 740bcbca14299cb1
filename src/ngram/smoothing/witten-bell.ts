// Interpolated Witten–Bell (Witten & Bell 1991; the interpolated form of Chen & Goodman 1998,
// §2.5, SRILM's -wbdiscount -interpolate), on raw counts at every order:
//   p(w | h) = (c(h w) + T(h) p(w | h')) / (Σ_x c(h x) + T(h)),   T(h) = N1+(h•),
// so γ(h) = T(h) / (Σ_x c(h x) + T(h)) is the ARPA backoff weight of h. Unigrams interpolate
// with the uniform distribution over the |V| predictable words, with T = the number of
// distinct words seen.
import type { NgramCounts } from '../counts.ts';
import type { NgramVocab } from '../vocab.ts';
import { contextStats, orderSize, toLog10 } from './contexts.ts';
import type { Estimate } from './estimate.ts';

export function wittenBell(counts: NgramCounts, vocab: NgramVocab): Estimate {
  const N = counts.order;
  const V = vocab.size - 1;
  const prob: Float64Array[] = [new Float64Array(0)];
  const backoff: Float64Array[] = [new Float64Array(0)];
  for (let n = 1; n <= N; n++) {
    const c = counts.raw[n];
    const p = new Float64Array(c.length);
    if (n === 1) {
      let total = 0;
      let types = 0;
      for (let w = 0; w < c.length; w++) {
        if (w === vocab.bos) continue;
        total += c[w];
        if (c[w] > 0) types++;
      }
      for (let w = 0; w < c.length; w++) p[w] = w === vocab.bos ? 0 : (c[w] + types / V) / (total + types);
    } else {
      const below = prob[n - 1];
      const contexts = orderSize(counts, n - 1, vocab.size);
      const s = contextStats(counts, n, c, contexts);
      const bo = backoff[n - 1];
      for (let h = 0; h < contexts; h++) if (s.total[h] > 0) bo[h] = Math.log10(s.types[h] / (s.total[h] + s.types[h]));
      const prefix = counts.prefix[n];
      const suffix = counts.tables[n].suffix;
      for (let j = 0; j < c.length; j++) {
        const h = prefix[j];
        p[j] = (c[j] + s.types[h] * below[suffix[j]]) / (s.total[h] + s.types[h]);
      }
    }
    prob.push(p);
    backoff.push(new Float64Array(p.length));
  }
  for (let n = 1; n <= N; n++) toLog10(prob[n]);
  return { prob, backoff, notes: {} };
}
