import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { walkExpr } from '../context.ts';
import { DROPOUTS } from '../builtins.ts';

export const penaltyData: Rule = {
  name: 'penalty-data',
  invariant: 'The value `ar` penalises depends on the tokens (through a token, a layer or a dropout mask): a penalty on params alone is the same at every step and for every stream (`tar` already needs a layer\'s output).',
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue;
      for (const s of unit.decl.body) {
        if (s.kind !== 'loss' || s.expr.kind !== 'call' || s.expr.callee.name !== 'ar' || s.expr.args.length === 0) continue;
        const value = s.expr.args[0];
        // Follow bindings back from the penalised value; a worklist, so long chains need no recursion.
        const seen = new Set<Expr>();
        const work: Expr[] = [value];
        let data = false;
        for (let k = 0; k < work.length && !data; k++) {
          if (seen.has(work[k])) continue;
          seen.add(work[k]);
          walkExpr(work[k], (x) => {
            if (x.kind === 'name' && (x.name === 'token' || x.name === 'next')) data = true;
            else if (x.kind === 'call' && (ctx.cells.has(x.callee.name) || DROPOUTS.has(x.callee.name))) data = true;
            else if (x.kind === 'name' && !x.primed) {
              const sym = unit.symbols.get(x.name);
              if (sym?.kind === 'let' && sym.stmt?.kind === 'let') work.push(sym.stmt.expr);
            }
          });
        }
        if (data) continue;
        ctx.report(
          error(
            this.name,
            value.span,
            'ar penalises a value that no token reaches (it is computed from params alone, the same at every step), so there is nothing to regularise per step',
            "apply ar to a layer's output, e.g. ar(h, 2); to shrink params, train with --weight-decay",
          ),
        );
      }
    }
  },
};
