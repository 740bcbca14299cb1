// Shared by the n-gram tests: a model from text the way `rnnc ngram train` builds one, and
// every context a model stores (the contexts whose distributions must sum to 1).
import { buildVocab } from '../../src/runtime/data/tokenize.ts';
import type { VocabKind } from '../../src/runtime/data/vocab.ts';
import type { NgramModel } from '../../src/ngram/model.ts';
import { trainNgram, type NgramTrainOptions } from '../../src/ngram/train.ts';
import { NgramVocab } from '../../src/ngram/vocab.ts';

export function modelOf(text: string, o: NgramTrainOptions, level: VocabKind = 'word'): NgramModel {
  const v = buildVocab(level, text);
  return trainNgram(v.encode(text), NgramVocab.fromVocab(v), o);
}

/** Every stored n-gram of order < N as a context (oldest word first), and the empty context. */
export function storedContexts(m: NgramModel): number[][] {
  const out: number[][] = [[]];
  for (let n = 1; n < m.order; n++) for (let i = 0; i < m.size(n); i++) out.push(m.words(n, i));
  return out;
}

/** Σ over every predictable word w (all but <s>) of p(w | ctx). */
export function totalProbability(m: NgramModel, ctx: number[]): number {
  let s = 0;
  for (let w = 0; w < m.vocab.size; w++) if (w !== m.vocab.bos) s += Math.pow(10, m.logProb10(ctx, 0, ctx.length, w));
  return s;
}

/** p(words[last] | words[..last]) by ARPA names, for readable hand computations. */
export function prob(m: NgramModel, ...words: string[]): number {
  const ids = words.map((w) => {
    const id = m.vocab.index(w);
    if (id < 0) throw new Error(`no word ${w}`);
    return id;
  });
  return Math.pow(10, m.logProb10(ids, 0, ids.length - 1, ids[ids.length - 1]));
}
