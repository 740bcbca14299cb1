import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { forEachExpr, isLayerCall } from '../context.ts';
import { lossTargets } from './token-offsets.ts';

/** The position a target names, relative to the current token: next is +1, token 0, token@k k. */
function position(t: Expr): number | null {
  if (t.kind !== 'name' || t.primed) return null;
  if (t.name === 'next') return t.offset ? null : 1;
  return t.name === 'token' ? (t.offset?.value ?? 0) : null;
}

const show = (k: number): string => (k === 0 ? 'token' : `token@${k > 0 ? '+' : ''}${k}`);

export const contextTargets: Rule = {
  name: 'context-target',
  invariant:
    'A loss that predicts context positions `token@k` (skip-gram) predicts each once, not also `next`, in a model without layers (whose states have read other steps), and no lookup reads a position it predicts.',
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue;
      const targets = lossTargets(unit.decl.body);
      // Only a loss with a context position is judged here; `next` and `token` alone are the loss and causality rules'.
      if (!targets.some((t) => t.kind === 'name' && t.offset?.value)) continue;
      const next = targets.find((t) => position(t) === 1 && t.kind === 'name' && t.name === 'next');
      if (next) {
        ctx.report(error(this.name, next.span, 'a loss that predicts next has no other target', 'predict next alone (a language model), or only positions token@k (skip-gram)'));
        continue;
      }
      const seen = new Map<number, Expr>();
      for (const t of targets) {
        const k = position(t);
        if (k === null) continue; // the loss and token-offset rules report it
        if (seen.has(k)) ctx.report(error(this.name, t.span, `${show(k)} is already a target of this loss`, 'each position is predicted once'));
        else seen.set(k, t);
      }
      let layer: Expr | null = null;
      forEachExpr(unit, (e) => {
        if (!layer && e.kind === 'call' && isLayerCall(ctx, e)) layer = e;
        if (e.kind !== 'index' || e.index.kind !== 'name' || e.index.name !== 'token') return;
        const k = e.offset?.value ?? 0;
        const table = e.target.kind === 'name' ? e.target.name : 'E';
        if (seen.has(k)) ctx.report(error(this.name, e.offset?.span ?? e.span, `${table}[${show(k)}] reads ${show(k)}, which the loss predicts`, `a word is not its own context: drop the lookup, or the target ${show(k)}`));
      });
      if (layer) {
        const t = targets.find((x) => x.kind === 'name' && x.offset?.value)!;
        ctx.report(
          error(
            this.name,
            t.span,
            `${show(position(t)!)} is a context position, and a layer's state has read the tokens of other steps, which may include it`,
            'predict context positions from lookups alone (models/skipgram.rnn), or predict next',
          ),
        );
      }
    }
  },
};
