// Estimating an n-gram model from a token stream: count (counts.ts), then one smoothing
// method (smoothing/*.ts) turns the counts into ARPA probabilities and backoff weights.
import { countNgrams } from './counts.ts';
import { LOG10_ZERO, MAX_ORDER, NgramModel } from './model.ts';
import { addK } from './smoothing/add-k.ts';
import type { Estimate } from './smoothing/estimate.ts';
import { kneserNey } from './smoothing/kneser-ney.ts';
import { stupidBackoff } from './smoothing/stupid-backoff.ts';
import { wittenBell } from './smoothing/witten-bell.ts';
import type { NgramVocab } from './vocab.ts';

export const SMOOTHINGS = ['mkn', 'kn', 'witten-bell', 'add-k', 'stupid-backoff'] as const;
export type Smoothing = (typeof SMOOTHINGS)[number];

export interface NgramTrainOptions {
  order: number;
  /** Default: mkn (interpolated modified Kneser–Ney). */
  smoothing?: Smoothing;
  /** add-k's k (default 1). */
  k?: number;
  /** Kneser–Ney discounts per order, overriding the estimates. */
  discounts?: [number, number, number][];
}

export function isSmoothing(s: string): s is Smoothing {
  return (SMOOTHINGS as readonly string[]).includes(s);
}

/** The n-gram model of `ids` (ids of `vocab`, without `<s>`; see vocab.ts for the sentence convention). */
export function trainNgram(ids: ArrayLike<number>, vocab: NgramVocab, o: NgramTrainOptions): NgramModel {
  const smoothing = o.smoothing ?? 'mkn';
  if (!isSmoothing(smoothing)) throw new RangeError(`unknown smoothing "${smoothing}" (expected ${SMOOTHINGS.join(', ')})`);
  if (!(Number.isInteger(o.order) && o.order >= 1 && o.order <= MAX_ORDER)) throw new RangeError(`the order must be an integer from 1 to ${MAX_ORDER} (got ${o.order})`);
  const k = o.k ?? 1;
  if (!(k > 0 && Number.isFinite(k))) throw new RangeError(`add-k's k must be a positive number (got ${k})`);
  for (let i = 0; i < ids.length; i++) {
    if (!(ids[i] >= 0 && ids[i] < vocab.size) || ids[i] === vocab.bos) throw new RangeError(`token ${i} has id ${ids[i]}, which is not a predictable word of the vocabulary`);
  }
  const counts = countNgrams(ids, vocab, o.order);
  const e: Estimate =
    smoothing === 'mkn' || smoothing === 'kn'
      ? kneserNey(counts, vocab, { modified: smoothing === 'mkn', discounts: o.discounts })
      : smoothing === 'witten-bell'
        ? wittenBell(counts, vocab)
        : smoothing === 'add-k'
          ? addK(counts, vocab, k)
          : stupidBackoff(counts, vocab);
  // <s> is never predicted; what has probability 0 is stored as ARPA's −99, as it is written.
  e.prob[1][vocab.bos] = LOG10_ZERO;
  for (const a of [...e.prob, ...e.backoff]) for (let i = 0; i < a.length; i++) if (a[i] < LOG10_ZERO) a[i] = LOG10_ZERO;
  return new NgramModel(vocab, o.order, counts.tables, e.prob, e.backoff, { smoothing, normalised: smoothing !== 'stupid-backoff', notes: e.notes });
}
