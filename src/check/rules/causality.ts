import type { Rule } from '../rule.ts';
import type { CallExpr, Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { walkExpr } from '../context.ts';

export const causality: Rule = {
  name: 'causality',
  invariant: 'No reversed layer feeds a loss that predicts `next`: a reversed layer has read the future tokens, including the one to predict.',
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue;
      for (const s of unit.decl.body) {
        if (s.kind !== 'loss' || s.expr.kind !== 'call') continue;
        const predictsNext = s.expr.args.some((a) => a.kind === 'name' && a.name === 'next');
        if (!predictsNext) continue;
        // Walk the data flow from the loss back through bindings.
        const visited = new Set<Expr>();
        const reversed: CallExpr[] = [];
        const visit = (e: Expr): void => {
          if (visited.has(e)) return;
          visited.add(e);
          walkExpr(e, (x) => {
            if (x.kind === 'call' && x.reverse && ctx.cells.has(x.callee.name)) reversed.push(x);
            if (x.kind === 'name' && !x.primed) {
              const sym = unit.symbols.get(x.name);
              if (sym?.kind === 'let' && sym.stmt?.kind === 'let') visit(sym.stmt.expr);
            }
          });
        };
        visit(s.expr);
        for (const r of reversed) {
          ctx.report(
            error(
              this.name,
              r.span,
              `a reversed layer reads the sequence from its end, so it sees the future; it cannot feed a loss on next`,
              'remove `reverse`, or predict `token` (an encoder objective) instead of `next`',
            ),
          );
        }
      }
    }
  },
};
