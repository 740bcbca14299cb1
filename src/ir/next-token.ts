// Whether a model's logits are a distribution of the next token, which is what sampling and
// scoring a text read. word2vec's objectives are not: CBOW predicts `token` from both sides,
// skip-gram the context positions `token@k` from the current token.
import type { IRModel } from './types.ts';

const show = (k: number): string => (k === 0 ? 'token' : `token@${k > 0 ? '+' : ''}${k}`);

/** Why the model's logits are not a next-token distribution (its loss predicts other positions), or null for a language model. */
export function notNextToken(ir: IRModel): string | null {
  for (const s of ir.step) {
    if (s.kind !== 'loss' || s.expr.op !== 'cross_entropy' || s.expr.target === 'next') continue;
    const e = s.expr;
    if (e.offsets) return `its loss predicts the context position${e.offsets.length > 1 ? 's' : ''} ${e.offsets.map(show).join(', ')} from the current token (as skip-gram does), not the next token`;
    return 'its loss predicts token, the current token from its context (as CBOW does), not the next token';
  }
  return null;
}

/** The one-line refusal of `what` (e.g. "sample text") for a model whose loss does not predict the next token, or null. */
export function nextTokenRefusal(ir: IRModel, what: string, tools = { loss: 'rnnc eval', embeddings: 'rnnc neighbours' }): string | null {
  const why = notNextToken(ir);
  if (why === null) return null;
  return `model ${ir.name} cannot ${what}: ${why}, so its logits are no next-token distribution; use ${tools.loss} for its loss, or ${tools.embeddings} for its embeddings`;
}
