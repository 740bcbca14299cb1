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
        // Walk the data flow from the loss back through bindings, remembering the path.
        const visited = new Set<Expr>();
        const reversed: { call: CallExpr; path: string[] }[] = [];
        const visit = (e: Expr, path: string[]): void => {
          if (visited.has(e)) return;
          visited.add(e);
          walkExpr(e, (x) => {
            if (x.kind === 'call' && x.reverse && ctx.cells.has(x.callee.name)) reversed.push({ call: x, path });
            if (x.kind === 'name' && !x.primed) {
              const sym = unit.symbols.get(x.name);
              if (sym?.kind === 'let' && sym.stmt?.kind === 'let') visit(sym.stmt.expr, [x.name, ...path]);
            }
          });
        };
        visit(s.expr, []);
        for (const { call, path } of reversed) {
          // path[0] is the binding of the reversed layer itself; the rest lead to the loss.
          const via = path.slice(1);
          const through = via.length ? ` (through ${via.join(' -> ')})` : '';
          ctx.report(
            error(
              this.name,
              call.span,
              `reverse ${call.callee.name} reads the sequence from its end, so it has already seen the token to predict; it cannot feed the loss on next${through}`,
              'remove `reverse`, or predict `token` (an encoder objective) instead of `next`',
            ),
          );
        }
      }
    }
  },
};
