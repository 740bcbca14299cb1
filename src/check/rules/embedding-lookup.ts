import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { forEachExpr } from '../context.ts';
import { typed } from '../describe.ts';
import { variable } from '../poly.ts';

export const embeddingLookup: Rule = {
  name: 'embedding',
  invariant: 'Indexing is only `E[token]` with E a param of shape [vocab, d], and `token`/`next` are used only there and as the loss target.',
  run(ctx) {
    for (const unit of ctx.units) {
      const allowed = new Set<Expr>();
      for (const s of unit.decl.body) {
        if (s.kind === 'loss' && s.expr.kind === 'call' && s.expr.callee.name === 'cross_entropy' && s.expr.args[1]) allowed.add(s.expr.args[1]);
      }
      forEachExpr(unit, (e) => {
        if (e.kind !== 'index') return;
        allowed.add(e.index);
        const target = e.target;
        const isParam = target.kind === 'name' && !target.primed && unit.symbols.get(target.name)?.kind === 'param';
        if (!isParam) {
          ctx.report(error(this.name, e.span, `only a param can be indexed (an embedding table), not '${typed(ctx, unit, target)}'`));
          return;
        }
        const idx = e.index;
        if (!(idx.kind === 'name' && !idx.primed && (idx.name === 'token' || idx.name === 'next') && unit.kind === 'model')) {
          ctx.report(error(this.name, idx.span, `an embedding is indexed by the current token: ${target.name}[token]`, unit.kind === 'cell' ? 'look tokens up in the model and pass the vector to the layer' : undefined));
          return;
        }
        if (idx.name === 'next') {
          ctx.report(error(this.name, idx.span, `embedding 'next' would feed the answer to the model`, `write ${target.name}[token]`));
          return;
        }
        const t = ctx.typeOf(unit, target);
        if (t.kind !== 'tensor') return;
        if (t.shape.length !== 2) {
          ctx.report(error(this.name, e.span, `an embedding table is a matrix [vocab, d], but ${typed(ctx, unit, target)}`));
        } else if (unit.dims.has('vocab') && !ctx.dimEq(unit)(t.shape[0], variable('vocab'))) {
          ctx.report(error(this.name, e.span, `an embedding table has one row per token, shape [vocab, d], but ${typed(ctx, unit, target)}`, `declare it as param ${target.name}: [vocab, ${ctx.showDim(unit, t.shape[1])}]`));
        }
      });
      forEachExpr(unit, (e) => {
        if (e.kind !== 'name' || e.primed || allowed.has(e)) return;
        if (unit.symbols.get(e.name)?.kind !== 'data') return;
        ctx.report(error(this.name, e.span, `'${e.name}' is a token index, not a vector`, e.name === 'token' ? 'look it up in an embedding: E[token]' : '`next` may only be the target of the loss'));
      });
    }
  },
};
