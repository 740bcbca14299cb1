// Scoring text with an n-gram model: per-token ln p, and perplexity under either protocol.
//
// Context: a sentence starts with `<s>`; after `</s>` (rnnc's `<eos>`) the next token is
// predicted from `<s>` alone (vocab.ts). Protocols, for a stream of N tokens:
//   'stream'     rnnc eval's: the N − 1 predictions of tokens 1 … N−1 (token 0 is not
//                predicted), each from its n-gram context — the same targets as
//                `rnnc eval --batch 1`, so the two perplexities compare and mix token by token;
//   'sentences'  SRILM's and KenLM's: all N tokens, every line scored as <s> w1 … wk </s>,
//                `</s>` counted as a token — the protocol of Mikolov et al.'s KN5 141.2 on PTB.
// Words the model does not know (id −1: only with an ARPA file that has no `<unk>`) are not
// scored, as SRILM skips OOVs, and are counted apart; they also cut the context.
import type { Vocab } from '../runtime/data/vocab.ts';
import type { NgramModel } from './model.ts';

const LN10 = Math.LN10;

/** A running context: feed tokens in with `observe`, ask for the next one's probability. */
export class NgramScorer {
  readonly model: NgramModel;
  private readonly hist: Int32Array;
  private len = 0;

  constructor(model: NgramModel) {
    this.model = model;
    this.hist = new Int32Array(Math.max(1, model.order - 1));
    this.reset();
  }

  /** Back to the start of a sentence (context `<s>`). */
  reset(): void {
    this.hist[0] = this.model.vocab.bos;
    this.len = 1;
  }

  /** Appends a token to the context (`</s>` starts a new sentence; −1, an unknown word, cuts it). */
  observe(id: number): void {
    if (id === this.model.vocab.eos) return this.reset();
    const h = this.hist;
    if (h.length === 0) return;
    if (this.len === h.length) {
      h.copyWithin(0, 1);
      this.len--;
    }
    h[this.len++] = id;
  }

  /** ln p(id | context); NaN for an unknown word (id < 0). */
  logProb(id: number): number {
    return this.model.logProb10(this.hist, 0, this.len, id) * LN10;
  }

  /** p(w | context) for every model id w into `out` (0 for `<s>`, which is never predicted). */
  distribution(out: Float64Array = new Float64Array(this.model.vocab.size)): Float64Array {
    const m = this.model;
    for (let w = 0; w < m.vocab.size; w++) out[w] = w === m.vocab.bos ? 0 : Math.pow(10, m.logProb10(this.hist, 0, this.len, w));
    return out;
  }
}

/**
 * ln p of every token of `ids` given the ones before it (entry i for token i; entry 0 is
 * predicted from `<s>`); NaN for unknown words (id −1).
 */
export function scoreTokens(model: NgramModel, ids: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ids.length);
  const s = new NgramScorer(model);
  for (let i = 0; i < ids.length; i++) {
    out[i] = s.logProb(ids[i]);
    s.observe(ids[i]);
  }
  return out;
}

export type Protocol = 'stream' | 'sentences';

export interface NgramEvaluation {
  protocol: Protocol;
  /** Predictions scored. */
  tokens: number;
  /** Predictions skipped because the word is unknown to the model. */
  oov: number;
  /** Mean −ln p over the scored predictions (nats). */
  loss: number;
  perplexity: number;
  /** loss / ln 2. */
  bits: number;
}

/** Mean NLL and perplexity of `ids` under `model` (see the file comment for the protocols). */
export function evaluateNgram(model: NgramModel, ids: ArrayLike<number>, protocol: Protocol = 'stream'): NgramEvaluation {
  const lp = scoreTokens(model, ids);
  let sum = 0;
  let tokens = 0;
  let oov = 0;
  for (let i = protocol === 'stream' ? 1 : 0; i < lp.length; i++) {
    if (lp[i] !== lp[i]) oov++;
    else {
      sum -= lp[i];
      tokens++;
    }
  }
  const loss = sum / tokens;
  return { protocol, tokens, oov, loss, perplexity: Math.exp(loss), bits: loss / Math.LN2 };
}

/**
 * ln p of tokens given as ids of an rnnc vocabulary (a neural model's, for mixing), each
 * mapped to the model's word of the same name (`<unk>` when the model lacks it).
 */
export function scoreVocabTokens(model: NgramModel, vocab: Vocab, ids: ArrayLike<number>): Float64Array {
  const map = model.vocab.mapVocab(vocab);
  return scoreTokens(model, Int32Array.from({ length: ids.length }, (_, i) => map[ids[i]]));
}
