import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { forEachExpr } from '../context.ts';
import { snippet, typed } from '../describe.ts';
import { matmulShape } from '../infer.ts';
import { tiedParam } from './weight-tying.ts';

export const matmulShapes: Rule = {
  name: 'matmul-shape',
  invariant: 'Both sides of `@` fit: a matrix [m, n] on the left and [n] or [n, k] on the right.',
  run(ctx) {
    for (const unit of ctx.units) {
      forEachExpr(unit, (e) => {
        if (e.kind !== 'binary' || e.op !== '@') return;
        const l = ctx.typeOf(unit, e.left);
        const r = ctx.typeOf(unit, e.right);
        if (l.kind !== 'tensor' || r.kind !== 'tensor' || matmulShape(l.shape, r.shape, ctx.dimEq(unit))) return;
        if (l.shape.length !== 2) {
          ctx.report(error(this.name, e.span, `the left side of @ must be a matrix, but ${typed(ctx, unit, e.left)} is not`, l.shape.length === 1 ? 'for an element-wise product use *' : undefined));
          return;
        }
        if (r.shape.length !== 1 && r.shape.length !== 2) {
          ctx.report(error(this.name, e.span, `the right side of @ must be a vector or a matrix, but ${snippet(ctx, e.right.span)} is a scalar`, 'to scale by a number use *'));
          return;
        }
        // A mismatch on a tied weight gets the tying diagnostic instead.
        if (tiedParam(unit, e.left)) return;
        ctx.report(
          error(
            this.name,
            e.span,
            `cannot multiply ${typed(ctx, unit, e.left)} by ${typed(ctx, unit, e.right)}: ${ctx.showDim(unit, l.shape[1])} ≠ ${ctx.showDim(unit, r.shape[0])}`,
            `the matrix's second dim must equal the ${r.shape.length === 1 ? "vector's length" : "other matrix's first dim"}`,
          ),
        );
      });
    }
  },
};
