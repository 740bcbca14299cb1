// An ARPA model where rnnc eval / score take a checkpoint: every token of a text with its
// ln p, in the shape runtime/score.ts gives for a neural model, under `rnnc eval --batch 1`'s
// protocol (tokens 1 … N−1 predicted, token 0 not). The context is ARPA's: `<s>` at the start
// of the text and after each `</s>` (rnnc's `<eos>`, or the newline at char level), so no
// n-gram crosses a line end (vocab.ts, score.ts).
import { EOS, forEachWord } from '../runtime/data/vocab.ts';
import { scoreTotals, type ScoreTotals, type TokenScore } from '../runtime/score.ts';
import type { NgramModel } from './model.ts';
import { NgramScorer } from './score.ts';
import { charName } from './vocab.ts';

export interface ArpaScore {
  tokens: TokenScore[];
  totals: ScoreTotals;
}

/**
 * Every token of `text` scored by `model`. Words the model lacks read as `<unk>` (OOV); without
 * an `<unk>` in the model they (and characters it lacks) get no probability and cut the
 * context, as SRILM skips them; characters it lacks are left out as `rnnc score` leaves them.
 */
export function scoreArpaText(model: NgramModel, text: string): ArpaScore {
  const v = model.vocab;
  const entries: { token: string; id: number }[] = [];
  if (v.level === 'word') {
    const ids = v.encode(text);
    let i = 0;
    forEachWord(text, (w) => entries.push({ token: w, id: ids[i++] }));
  } else {
    for (const c of text) {
      const id = v.index(charName(c));
      entries.push({ token: c, id: id >= 0 && id !== v.bos ? id : v.unk });
    }
  }
  const s = new NgramScorer(model);
  const tokens: TokenScore[] = [];
  let first = true;
  for (const e of entries) {
    const known = e.id >= 0;
    const oov = !known || e.id === v.unk || (v.level === 'word' && e.token !== EOS && v.names[e.id] !== e.token);
    if (!known && v.level === 'char') {
      tokens.push({ token: e.token, id: null, ln: null, log10: null, oov: true });
      continue;
    }
    const ln = first || !known ? null : s.logProb(e.id);
    first = false;
    tokens.push({ token: e.token, id: known ? e.id : null, ln, log10: ln === null ? null : ln / Math.LN10, oov });
    s.observe(e.id);
  }
  return { tokens, totals: scoreTotals(tokens) };
}
