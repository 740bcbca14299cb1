// Interpolated Kneser–Ney, modified (Chen & Goodman 1998, §4.1.6: three discounts per order)
// or original (one discount per order, Ney et al. 1994's estimate).
//
// Counts used at order n ("adjusted counts", as KenLM calls them):
//   a(w1..wn) = c(w1..wn)                         at the top order, and for n-grams starting with <s>
//   a(w1..wn) = N1+(• w1..wn) = #{v : c(v w1..wn) > 0}   otherwise (continuation counts)
// Discounts of order n from its count-of-counts n_k = #{n-grams with a = k}:
//   Y = n1 / (n1 + 2 n2);  D1 = 1 − 2Y n2/n1,  D2 = 2 − 3Y n3/n2,  D3+ = 3 − 4Y n4/n3   (modified)
//   D = Y                                                                             (original)
// When a count-of-count is 0 or a discount falls outside [0, k] (tiny corpora), KenLM's
// fallback discounts 0.5, 1, 1.5 are used instead, and the model header says so.
// Probabilities, with D(a) the discount for a count a (D(0) = 0):
//   p(w | h) = (a(h w) − D(a(h w))) / Σ_x a(h x)  +  γ(h) p(w | h'),
//   γ(h)     = (D1 N1(h•) + D2 N2(h•) + D3+ N3+(h•)) / Σ_x a(h x),
// h' being h without its oldest word; unigrams interpolate with the uniform distribution
// over the |V| predictable words (all but <s>). γ(h) is the ARPA backoff weight of h.
import type { NgramCounts } from '../counts.ts';
import type { NgramVocab } from '../vocab.ts';
import { contextStats, orderSize, toLog10 } from './contexts.ts';
import type { Estimate } from './estimate.ts';

export const FALLBACK_DISCOUNTS: readonly [number, number, number] = [0.5, 1, 1.5];

/** Discounts [D1, D2, D3+] from count-of-counts n[1..4]; null when the formulas do not give usable ones. */
export function knDiscounts(n: readonly number[], modified: boolean): [number, number, number] | null {
  const [, n1, n2, n3, n4] = n;
  if (n1 === 0 || (modified && (n2 === 0 || n3 === 0 || n4 === 0))) return null;
  const y = n1 / (n1 + 2 * n2);
  if (!modified) return [y, y, y];
  const d: [number, number, number] = [1 - (2 * y * n2) / n1, 2 - (3 * y * n3) / n2, 3 - (4 * y * n4) / n3];
  return d.every((x, k) => x >= 0 && x <= k + 1) ? d : null;
}

/** Adjusted counts of every order (see the file comment). */
export function adjustedCounts(counts: NgramCounts, vocab: NgramVocab): Float64Array[] {
  const N = counts.order;
  const a: Float64Array[] = [new Float64Array(0)];
  for (let n = 1; n <= N; n++) {
    const size = orderSize(counts, n, vocab.size);
    if (n === N) {
      a.push(Float64Array.from(counts.raw[n]));
      continue;
    }
    const cont = new Float64Array(size);
    const up = counts.tables[n + 1];
    for (let j = 0; j < up.size; j++) cont[up.suffix[j]]++;
    // n-grams that start with <s> have no word before them: they keep their raw counts.
    const raw = counts.raw[n];
    if (n === 1) cont[vocab.bos] = raw[vocab.bos];
    else {
      const first = counts.tables[n].first;
      for (let j = 0; j < size; j++) if (first[j] === vocab.bos) cont[j] = raw[j];
    }
    a.push(cont);
  }
  return a;
}

/** Count-of-counts n[1..4] of the values (`skip`: an index left out, <s> among the unigrams). */
function countOfCounts(values: Float64Array, skip = -1): number[] {
  const n = [0, 0, 0, 0, 0];
  for (let i = 0; i < values.length; i++) if (i !== skip && values[i] >= 1 && values[i] <= 4) n[values[i]]++;
  return n;
}

export interface KneserNeyOptions {
  modified: boolean;
  /** Discounts per order (index n−1), overriding the estimates (tests, experiments). */
  discounts?: [number, number, number][];
}

export function kneserNey(counts: NgramCounts, vocab: NgramVocab, o: KneserNeyOptions): Estimate {
  const N = counts.order;
  const a = adjustedCounts(counts, vocab);
  const V = vocab.size - 1;
  const notes: Record<string, string> = {};
  const discount = (n: number): [number, number, number] => {
    const given = o.discounts?.[n - 1];
    if (given) return given;
    const d = knDiscounts(countOfCounts(a[n], n === 1 ? vocab.bos : -1), o.modified);
    if (!d) notes[`fallback-${n}`] = 'true';
    return d ?? [...FALLBACK_DISCOUNTS];
  };
  const prob: Float64Array[] = [new Float64Array(0)];
  const backoff: Float64Array[] = [new Float64Array(0)];
  for (let n = 1; n <= N; n++) {
    const [d1, d2, d3] = discount(n);
    notes[`D${n}`] = o.modified ? `${d1},${d2},${d3}` : `${d1}`;
    const D = (x: number) => (x <= 0 ? 0 : x === 1 ? d1 : x === 2 ? d2 : d3);
    const an = a[n];
    const p = new Float64Array(an.length);
    if (n === 1) {
      let total = 0;
      let mass = 0;
      for (let w = 0; w < an.length; w++) {
        if (w === vocab.bos) continue;
        total += an[w];
        mass += D(an[w]);
      }
      const gamma = mass / total;
      for (let w = 0; w < an.length; w++) p[w] = w === vocab.bos ? 0 : (an[w] - D(an[w])) / total + gamma / V;
    } else {
      const below = prob[n - 1];
      const contexts = orderSize(counts, n - 1, vocab.size);
      const s = contextStats(counts, n, an, contexts);
      const gamma = new Float64Array(contexts);
      const bo = backoff[n - 1];
      for (let h = 0; h < contexts; h++) {
        if (s.total[h] === 0) continue;
        gamma[h] = (d1 * s.n1[h] + d2 * s.n2[h] + d3 * s.n3plus[h]) / s.total[h];
        bo[h] = Math.log10(gamma[h]);
      }
      const prefix = counts.prefix[n];
      const suffix = counts.tables[n].suffix;
      for (let j = 0; j < an.length; j++) {
        const h = prefix[j];
        p[j] = (an[j] - D(an[j])) / s.total[h] + gamma[h] * below[suffix[j]];
      }
    }
    prob.push(p);
    backoff.push(new Float64Array(p.length));
  }
  // Probabilities stayed linear while the next order needed them; ARPA wants log10.
  for (let n = 1; n <= N; n++) toLog10(prob[n]);
  return { prob, backoff, notes };
}
