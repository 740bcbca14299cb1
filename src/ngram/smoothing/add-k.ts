// Add-k (Lidstone; k = 1 is Laplace's add-one) at every order, as a backoff model that ARPA
// can store:
//   p(w | h) = (c(h w) + k) / (Σ_x c(h x) + k|V|)       for each n-gram h w seen in training,
// and the mass add-k leaves to the words never seen after h, k·(|V| − N1+(h•)) / (Σ_x c(h x) + k|V|),
// is shared among them in proportion to the next lower order (Katz's backoff weight):
//   backoff(h) = (1 − Σ_{w seen after h} p(w | h)) / (1 − Σ_{w seen after h} p(w | h')).
// Each unseen word gets on average what textbook add-k gives it (k / (Σ_x c(h x) + k|V|)),
// not exactly that: textbook add-k, equal for every unseen word, cannot be written as an ARPA
// backoff. Unigrams are exactly add-k over the |V| predictable words (all but <s>).
import type { NgramCounts } from '../counts.ts';
import type { NgramVocab } from '../vocab.ts';
import { contextStats, orderSize, toLog10, unigramTotal } from './contexts.ts';
import type { Estimate } from './estimate.ts';

export function addK(counts: NgramCounts, vocab: NgramVocab, k: number): Estimate {
  const N = counts.order;
  const V = vocab.size - 1;
  const prob: Float64Array[] = [new Float64Array(0)];
  const backoff: Float64Array[] = [new Float64Array(0)];
  for (let n = 1; n <= N; n++) {
    const c = counts.raw[n];
    const p = new Float64Array(c.length);
    if (n === 1) {
      const total = unigramTotal(c, vocab.bos);
      for (let w = 0; w < c.length; w++) p[w] = w === vocab.bos ? 0 : (c[w] + k) / (total + k * V);
    } else {
      const below = prob[n - 1];
      const contexts = orderSize(counts, n - 1, vocab.size);
      const s = contextStats(counts, n, c, contexts);
      const prefix = counts.prefix[n];
      const suffix = counts.tables[n].suffix;
      const seen = new Float64Array(contexts); // Σ p(w | h) over the words seen after h
      const seenBelow = new Float64Array(contexts); // Σ p(w | h') over the same words
      for (let j = 0; j < c.length; j++) {
        const h = prefix[j];
        p[j] = (c[j] + k) / (s.total[h] + k * V);
        seen[h] += p[j];
        seenBelow[h] += below[suffix[j]];
      }
      const bo = backoff[n - 1];
      for (let h = 0; h < contexts; h++) {
        if (s.total[h] === 0) continue;
        const left = 1 - seen[h];
        const leftBelow = 1 - seenBelow[h];
        // Every word seen after h: nothing is left to share, and the weight is never used.
        bo[h] = s.types[h] >= V || left <= 0 || leftBelow <= 0 ? 0 : Math.log10(left / leftBelow);
      }
    }
    prob.push(p);
    backoff.push(new Float64Array(p.length));
  }
  for (let n = 1; n <= N; n++) toLog10(prob[n]);
  return { prob, backoff, notes: { k: String(k) } };
}
