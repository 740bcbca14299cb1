// The log-probability of every token of a text under a trained model, as KenLM's `query`
// reports it: one entry per token, then totals and perplexity with and without the OOVs.
// The protocol is `rnnc eval`'s at batch 1 (evaluate.ts): one stream, the state carried
// through the whole text, every token but the first predicted from all the text before it;
// the same StreamEvaluator runs it, and each window's logits are read as it passes.
import type { CompiledModel, WindowRunner } from '../codegen/index.ts';
import { forEachWord } from './data/vocab.ts';
import { DataError } from './data/errors.ts';
import { StreamEvaluator, type EvalResult } from './evaluate.ts';
import { tokenNll } from './metrics.ts';
import { CompileError, LIBRARY_TOOLS, type LanguageModel } from './model.ts';
import { nextTokenRefusal } from '../ir/next-token.ts';

export interface TokenScore {
  /** The token as written in the text (a word, or one character). */
  token: string;
  /** Its id, or null for a character the vocabulary does not have. */
  id: number | null;
  /** ln p(token | all before it); null for the first token (nothing predicts it) and for unknown characters. */
  ln: number | null;
  log10: number | null;
  /** Out of vocabulary: a word read as `<unk>`, or a character the model has never seen (skipped). */
  oov: boolean;
}

export interface ScoreTotals {
  /** Tokens in the text (all of them, the first and the OOVs included). */
  tokens: number;
  /** Tokens with a probability: every token but the first and the unknown characters. */
  predicted: number;
  oov: number;
  /** Sums over the predicted tokens, OOVs (`<unk>`) included, as KenLM's `Total`. */
  ln: number;
  log10: number;
  /** exp(−ln / predicted): `rnnc eval`'s perplexity. */
  perplexityIncludingOov: number;
  /** The same without the predictions of OOV tokens. */
  perplexityExcludingOov: number;
}

export interface ScoreResult {
  tokens: TokenScore[];
  totals: ScoreTotals;
  /** What the evaluator itself reports on the same stream (its loss × count is −totals.ln). */
  eval: EvalResult;
}

/** The tokens of a text with their ids: words through `<unk>`, characters by code point (null when unknown). */
function tokenize(model: LanguageModel, text: string): { token: string; id: number | null; oov: boolean }[] {
  const vocab = model.vocab!;
  const out: { token: string; id: number | null; oov: boolean }[] = [];
  if (vocab.kind === 'word') {
    forEachWord(text, (w) => {
      const id = vocab.index(w);
      out.push({ token: w, id: id < 0 ? vocab.unk : id, oov: id < 0 || id === vocab.unk });
    });
  } else {
    for (const ch of text) {
      const id = vocab.index(ch);
      out.push({ token: ch, id: id < 0 ? null : id, oov: id < 0 });
    }
  }
  return out;
}

/** The compiled model with each window runner reporting its tokens and logits after every run. */
function tapped(compiled: CompiledModel, onWindow: (tokens: Int32Array, r: WindowRunner) => void): CompiledModel {
  const instantiate: CompiledModel['instantiate'] = (config) => {
    const r = compiled.instantiate(config);
    const run: WindowRunner['run'] = (tokens, opts) => {
      const loss = r.run(tokens, opts);
      onWindow(tokens, r);
      return loss;
    };
    return Object.assign(Object.create(r) as WindowRunner, { run });
  };
  return Object.assign(Object.create(compiled) as CompiledModel, { instantiate });
}

/** Scores every token of `text` (see the file comment); `window` only changes the speed. */
export function scoreText(model: LanguageModel, text: string, options: { window?: number; what?: string } = {}): ScoreResult {
  if (!model.vocab) throw new DataError(`model ${model.name} has no vocabulary, so it cannot read text`);
  const refused = nextTokenRefusal(model.ir, 'score a text token by token', LIBRARY_TOOLS);
  if (refused) throw new CompileError(refused);
  const entries = tokenize(model, text);
  const known = entries.filter((e) => e.id !== null);
  if (known.length < 2) throw new DataError(`${options.what ?? 'text'}: ${known.length} token${known.length === 1 ? '' : 's'} the model knows; scoring needs at least 2`);
  const ids = Int32Array.from(known, (e) => e.id!);
  const V = model.layout.vocab;
  // ln p of ids[1], ids[2], … in order: batch 1 reads the one stream front to back.
  const lnp = new Float64Array(ids.length - 1);
  let n = 0;
  const ev = new StreamEvaluator(
    tapped(model.inference, (w, r) => {
      for (let t = 0; t + 1 < w.length; t++) lnp[n++] = -tokenNll(r.logits(t), w[t + 1], 0, V);
    }),
    model.params,
    Float32Array,
    1,
    options.window ?? 64,
  );
  const result = ev.evaluate(ids);
  if (n !== lnp.length) throw new Error(`internal: scored ${n} predictions, expected ${lnp.length}`);
  const tokens: TokenScore[] = [];
  let k = -1; // index among the known tokens
  for (const e of entries) {
    const ln = e.id === null || ++k === 0 ? null : lnp[k - 1];
    tokens.push({ token: e.token, id: e.id, ln, log10: ln === null ? null : ln / Math.LN10, oov: e.oov });
  }
  return { tokens, totals: scoreTotals(tokens), eval: result };
}

/** The totals of scored tokens: those with a probability count as predictions (the first and the unknown characters do not). */
export function scoreTotals(tokens: readonly TokenScore[]): ScoreTotals {
  let ln = 0;
  let lnOov = 0;
  let predicted = 0;
  let predictedOov = 0;
  for (const t of tokens) {
    if (t.ln === null) continue;
    predicted++;
    ln += t.ln;
    if (t.oov) {
      lnOov += t.ln;
      predictedOov++;
    }
  }
  return {
    tokens: tokens.length,
    predicted,
    oov: tokens.filter((t) => t.oov).length,
    ln,
    log10: ln / Math.LN10,
    perplexityIncludingOov: Math.exp(-ln / predicted),
    perplexityExcludingOov: predicted > predictedOov ? Math.exp(-(ln - lnOov) / (predicted - predictedOov)) : NaN,
  };
}
