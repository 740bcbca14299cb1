import type { Rule } from '../rule.ts';
import type { Expr, Span } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { forEachExpr } from '../context.ts';
import { targetArgs } from '../builtins.ts';

/** The farthest a model may look back (or ahead): the history the runtime carries stays small. */
export const MAX_TOKEN_OFFSET = 64;

/** The targets of a model's loss (cross_entropy's arguments after the logits, adaptive_cross_entropy's third). */
export function lossTargets(body: readonly { kind: string; expr?: Expr }[]): Expr[] {
  const out: Expr[] = [];
  for (const s of body) if (s.kind === 'loss' && s.expr?.kind === 'call') out.push(...targetArgs(s.expr.callee.name, s.expr.args));
  return out;
}

export const tokenOffsets: Rule = {
  name: 'token-offset',
  invariant:
    'An offset `token@k` (in a lookup `E[token@k]`, or alone as a loss target) offsets `token` by at most 64 steps, and in a model whose loss predicts `next` a lookup looks only into the past (k ≤ 0): `token@+1` is the answer itself.',
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue;
      // The loss rule judges the target; here only whether the model predicts the next token.
      const predictsNext = unit.decl.body.some((s) => s.kind === 'loss' && s.expr.kind === 'call' && s.expr.args.some((a) => a.kind === 'name' && !a.primed && a.name === 'next'));
      const targets = new Set(lossTargets(unit.decl.body));
      const inRange = (offset: { value: number; span: Span }): boolean => {
        if (Number.isSafeInteger(offset.value) && Math.abs(offset.value) <= MAX_TOKEN_OFFSET) return true;
        ctx.report(error(this.name, offset.span, `an offset of ${offset.value} steps is beyond the ${MAX_TOKEN_OFFSET} a model may look away`, `use an offset between -${MAX_TOKEN_OFFSET} and ${MAX_TOKEN_OFFSET}`));
        return false;
      };
      forEachExpr(unit, (e) => {
        if (e.kind === 'name' && e.offset) {
          // `token@k` alone: a position to predict (skip-gram's context words); rules/context-targets.ts judges where.
          if (!targets.has(e)) ctx.report(error(this.name, e.span, `token@${e.offset.value} stands alone only as a target of cross_entropy`, `look it up in an embedding: E[token@${e.offset.value}]`));
          else inRange(e.offset);
          return;
        }
        if (e.kind !== 'index' || !e.offset) return;
        const { value, span } = e.offset;
        const table = e.target.kind === 'name' ? e.target.name : 'E';
        if (e.index.kind !== 'name' || e.index.name !== 'token') {
          // Any other name is the embedding rule's to report; `next` is the answer, offset or not.
          if (e.index.kind === 'name' && e.index.name === 'next') ctx.report(error(this.name, e.index.span, `only \`token\` can be offset, not 'next'`, `write ${table}[token@-1] for the previous token`));
          return;
        }
        if (!inRange(e.offset)) return;
        if (value > 0 && predictsNext) {
          const which = value === 1 ? 'the token to predict' : `${value - 1} token${value === 2 ? '' : 's'} past the one to predict`;
          ctx.report(
            error(
              this.name,
              span,
              `${table}[token@+${value}] reads ${which}; a model whose loss predicts next may look at the past only`,
              `look back instead (${table}[token@-${value}]), or predict \`token\` (a CBOW objective) instead of \`next\``,
            ),
          );
        }
      });
    }
  },
};
