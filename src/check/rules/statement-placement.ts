import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { walkExpr } from '../context.ts';
import { BUILTINS, LOSSES, PENALTIES } from '../builtins.ts';

export const statementPlacement: Rule = {
  name: 'placement',
  invariant:
    'Cells hold only params, bindings and state updates; models hold only dims, params, bindings and one loss; layers are instantiated only as the whole right-hand side of a model binding; cross_entropy and adaptive_cross_entropy appear only as the loss.',
  run(ctx) {
    for (const unit of ctx.units) {
      const inCell = unit.kind === 'cell';
      unit.decl.body.forEach((s) => {
        if (inCell && s.kind === 'dim') ctx.report(error(this.name, s.span, 'dims cannot be declared in a cell', `a cell's dims are the names in its shapes; they are bound where a model instantiates the cell, e.g. ${unit.name}(x, ${s.name.name} = ${s.value ?? 128})`));
        if (inCell && s.kind === 'loss') ctx.report(error(this.name, s.span, 'a loss belongs in a model, not in a cell'));
        if (!inCell && s.kind === 'update') ctx.report(error(this.name, s.span, `a model has no states, so it cannot update ${s.state.name}'`, 'recurrences live in cells: write a cell with this state and instantiate it as a layer'));
        const top = s.kind === 'let' || s.kind === 'update' || s.kind === 'loss' ? s.expr : null;
        if (!top) return;
        const layerOk = !inCell && s.kind === 'let' && top.kind === 'call';
        const lossOk = s.kind === 'loss' && top.kind === 'call';
        walkExpr(top, (e: Expr) => {
          if (e.kind !== 'call') return;
          const isCell = ctx.cells.has(e.callee.name);
          if (isCell && inCell) {
            ctx.report(error(this.name, e.span, `cell ${unit.name} cannot instantiate the layer ${e.callee.name}`, 'compose layers in a model: h1 = A(x, …) then h2 = B(h1, …)'));
          } else if (isCell && !(layerOk && e === top)) {
            ctx.report(error(this.name, e.span, `a layer must be the whole right-hand side of a binding, so that its params can be named after it`, `bind it first: h = ${e.reverse ? 'reverse ' : ''}${e.callee.name}(…), then use h`));
          }
          // An unknown callee is reported by unknown-names; only a known builtin is "not a cell".
          if (!isCell && e.reverse && BUILTINS.has(e.callee.name)) ctx.report(error(this.name, e.span, `only layers can be reversed; '${e.callee.name}' is not a cell`));
          if (LOSSES.has(e.callee.name) && !(lossOk && e === top)) {
            ctx.report(error(this.name, e.span, `${e.callee.name} can only be used as the loss`, `write: loss ${e.callee.name === 'cross_entropy' ? 'cross_entropy(logits, next)' : 'adaptive_cross_entropy(E @ h + b, C @ h + c, next, 2000)'}`));
          }
          if (PENALTIES.has(e.callee.name) && !(lossOk && e === top && !inCell)) {
            ctx.report(error(this.name, e.span, `${e.callee.name} is a penalty added to the training loss, so it can only be the whole of a model's loss statement`, `write: loss ${e.callee.name}(h, ${e.callee.name === 'ar' ? 2 : 1})`));
          }
        });
      });
    }
  },
};
