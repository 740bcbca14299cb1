import type { Rule } from '../rule.ts';
import type { CallExpr, Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { walkExpr } from '../context.ts';

/** The bindings from a reversed layer to the loss, shared between branches (no copying). */
type Path = { name: string; rest: Path } | null;

function names(p: Path): string[] {
  const out: string[] = [];
  for (let q = p; q; q = q.rest) out.push(q.name);
  return out;
}

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
        // A worklist, not recursion: a chain of thousands of bindings is followed in a loop.
        const visited = new Set<Expr>();
        const reversed: { call: CallExpr; path: Path }[] = [];
        const work: { e: Expr; path: Path }[] = [{ e: s.expr, path: null }];
        for (let k = 0; k < work.length; k++) {
          const { e, path } = work[k];
          if (visited.has(e)) continue;
          visited.add(e);
          walkExpr(e, (x) => {
            if (x.kind === 'call' && x.reverse && ctx.cells.has(x.callee.name)) reversed.push({ call: x, path });
            if (x.kind === 'name' && !x.primed) {
              const sym = unit.symbols.get(x.name);
              if (sym?.kind === 'let' && sym.stmt?.kind === 'let') work.push({ e: sym.stmt.expr, path: { name: x.name, rest: path } });
            }
          });
        }
        for (const { call, path: p } of reversed) {
          const path = names(p);
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
