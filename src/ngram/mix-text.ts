// A text scored by a neural model and n-gram models token by token, for `rnnc eval --mix`:
// the neural model reads it as `rnnc score` does (one stream, the state carried through the
// whole text: `rnnc eval --batch 1`), and each n-gram model predicts the same tokens, carried
// onto the neural vocabulary (mix.ts).
import type { LanguageModel } from '../runtime/model.ts';
import { scoreText } from '../runtime/score.ts';
import type { NgramModel } from './model.ts';
import { projectedProbs } from './mix.ts';

export interface ComponentProbs {
  /** The neural model's token ids of the text (characters it lacks left out). */
  ids: Int32Array;
  /** probs[0]: the neural model's p of tokens 1 … N−1; probs[k]: n-gram k's, on the neural vocabulary. */
  probs: Float64Array[];
}

export function componentProbs(neural: LanguageModel, ngrams: readonly NgramModel[], text: string, what: string, window = 64): ComponentProbs {
  const r = scoreText(neural, text, { window, what });
  const known = r.tokens.filter((t) => t.id !== null);
  const ids = Int32Array.from(known, (t) => t.id!);
  const p0 = Float64Array.from(known.slice(1), (t) => Math.exp(t.ln!));
  return { ids, probs: [p0, ...ngrams.map((m) => projectedProbs(m, neural.vocab!, ids))] };
}
