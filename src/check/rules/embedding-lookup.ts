import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { forEachExpr, walkExpr } from '../context.ts';
import { targetArgs } from '../builtins.ts';
import { typed } from '../describe.ts';
import { format, variable } from '../poly.ts';

export const embeddingLookup: Rule = {
  name: 'embedding',
  invariant: 'Indexing is only `E[token]` with E a param of shape [vocab, d], and `token`/`next` are used only there and as the loss target.',
  run(ctx) {
    for (const unit of ctx.units) {
      const allowed = new Set<Expr>();
      // The target of cross_entropy, whatever it is, is the loss rule's to judge (and a
      // cross_entropy outside the loss is the placement rule's).
      forEachExpr(unit, (e) => {
        if (e.kind === 'call') for (const t of targetArgs(e.callee.name, e.args)) walkExpr(t, (x) => allowed.add(x));
      });
      forEachExpr(unit, (e) => {
        if (e.kind !== 'index') return;
        allowed.add(e.index);
        const target = e.target;
        if (unit.kind === 'cell') {
          ctx.report(error(this.name, e.span, `a cell cannot index: embedding lookups (E[token]) belong in the model`, 'look tokens up in the model and pass the vector to the layer'));
          return;
        }
        const isParam = target.kind === 'name' && !target.primed && unit.symbols.get(target.name)?.kind === 'param';
        if (!isParam) {
          ctx.report(error(this.name, e.span, `only an embedding table (a param) can be indexed, not ${typed(ctx, unit, target)}`));
          return;
        }
        const idx = e.index;
        if (!(idx.kind === 'name' && !idx.primed && (idx.name === 'token' || idx.name === 'next'))) {
          ctx.report(error(this.name, idx.span, `an embedding is indexed by the current token: ${target.name}[token]`));
          return;
        }
        if (idx.name === 'next' && !e.offset) {
          ctx.report(error(this.name, idx.span, `embedding 'next' would feed the answer to the model`, `write ${target.name}[token]`));
          return;
        }
        const t = ctx.typeOf(unit, target);
        if (t.kind !== 'tensor') return;
        if (t.shape.length !== 2) {
          ctx.report(error(this.name, e.span, `an embedding table is a matrix [vocab, d], but ${typed(ctx, unit, target)}`));
        } else if (unit.dims.has('vocab') && !ctx.dimEq(unit)(t.shape[0], variable('vocab'))) {
          const eq = ctx.dimEq(unit);
          const transposed = eq(t.shape[1], variable('vocab'));
          const width = transposed ? t.shape[0] : t.shape[1];
          ctx.report(
            error(
              this.name,
              e.span,
              `an embedding table has one row per token, shape [vocab, d], but ${typed(ctx, unit, target)}`,
              `${transposed ? 'it is transposed: ' : ''}declare it as param ${target.name}: [vocab, ${format(width)}]`,
            ),
          );
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
