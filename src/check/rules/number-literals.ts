import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { forEachExpr } from '../context.ts';
import { snippet } from '../describe.ts';

export const numberLiterals: Rule = {
  name: 'number',
  invariant: 'Every number literal, in an expression or an init, is a finite number (1e400 would be read as Infinity).',
  run(ctx) {
    const tooLarge = (text: string): string => `the number ${text} is out of range: it would be read as Infinity`;
    for (const unit of ctx.units) {
      forEachExpr(unit, (e) => {
        if (e.kind === 'number' && !Number.isFinite(e.value)) ctx.report(error(this.name, e.span, tooLarge(snippet(ctx, e.span))));
      });
      for (const s of unit.decl.body) {
        if (s.kind !== 'param' || !s.init || s.init.args.every(Number.isFinite)) continue;
        // One report per init; a group of params shares it.
        if (unit.decl.body.find((o) => o.kind === 'param' && o.init === s.init) !== s) continue;
        ctx.report(error(this.name, s.init.span, tooLarge(`in ${snippet(ctx, s.init.span)}`)));
      }
    }
  },
};
