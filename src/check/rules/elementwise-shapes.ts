import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { forEachExpr } from '../context.ts';
import { typed } from '../describe.ts';
import { broadcast } from '../infer.ts';

const VERB = { '+': 'add', '-': 'subtract', '*': 'multiply', '/': 'divide' } as const;
const JOIN = { '+': 'and', '-': 'from', '*': 'by', '/': 'by' } as const;

export const elementwiseShapes: Rule = {
  name: 'elementwise-shape',
  invariant: 'The operands of + - * / have the same shape, or one of them is a scalar.',
  run(ctx) {
    for (const unit of ctx.units) {
      forEachExpr(unit, (e) => {
        if (e.kind !== 'binary' || e.op === '@') return;
        const l = ctx.typeOf(unit, e.left);
        const r = ctx.typeOf(unit, e.right);
        if (l.kind !== 'tensor' || r.kind !== 'tensor' || broadcast(l.shape, r.shape, ctx.dimEq(unit))) return;
        const [a, b] = e.op === '-' ? [e.right, e.left] : [e.left, e.right];
        ctx.report(
          error(
            this.name,
            e.span,
            `cannot ${VERB[e.op]} ${typed(ctx, unit, a)} ${JOIN[e.op]} ${typed(ctx, unit, b)}: element-wise operands need equal shapes`,
            e.op === '*' && l.shape.length + r.shape.length === 3 ? 'for a matrix-vector product use @' : undefined,
          ),
        );
      });
    }
  },
};
