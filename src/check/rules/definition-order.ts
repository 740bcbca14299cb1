import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { lineCol } from '../../util/source.ts';
import { forEachExpr } from '../context.ts';

export const definitionOrder: Rule = {
  name: 'definition-order',
  invariant: "Every binding and every next state `s'` is used only in statements after the one that defines it.",
  run(ctx) {
    for (const unit of ctx.units) {
      const lineOf = (offset: number): number => {
        const src = ctx.program.sources.get(unit.file);
        return src ? lineCol(src, offset).line : 0;
      };
      forEachExpr(unit, (e, i) => {
        if (e.kind !== 'name') return;
        const sym = unit.symbols.get(e.name);
        if (!sym) return;
        if (e.primed && sym.kind === 'state') {
          const upd = unit.updates.get(e.name);
          const at = upd ? unit.decl.body.indexOf(upd) : -1;
          if (upd && at >= i) {
            const self = at === i;
            ctx.report(
              error(
                this.name,
                e.span,
                self ? `${e.name}' is defined in terms of itself` : `${e.name}' is used before its update on line ${lineOf(upd.span.start)}`,
                `use ${e.name} (the previous state), or move this statement after the update`,
              ),
            );
          }
          return;
        }
        if (!e.primed && sym.kind === 'let' && sym.order >= i) {
          const self = sym.order === i;
          ctx.report(
            error(
              this.name,
              e.span,
              self ? `'${e.name}' is defined in terms of itself` : `'${e.name}' is used before it is defined on line ${lineOf(sym.span.start)}`,
              self
                ? unit.kind === 'cell'
                  ? `a recurrence needs a state: declare it in the cell's -> (…) list and update it with ${e.name}' = …`
                  : 'a recurrence needs a state: write it in a cell and instantiate the cell as a layer'
                : 'move its definition above this statement',
            ),
          );
        }
      });
    }
  },
};
