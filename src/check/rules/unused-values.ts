import type { Rule } from '../rule.ts';
import { warning } from '../../util/diagnostic.ts';
import { forEachExpr } from '../context.ts';

export const unusedValues: Rule = {
  name: 'unused-value',
  invariant: 'Every value a cell or model computes is read by another statement (a warning: an unread value is dead code, and an unread layer still runs forward and backward at every training step).',
  run(ctx) {
    for (const unit of ctx.units) {
      // A model without a loss reads nothing; the loss rule says so once.
      if (unit.kind === 'model' && !unit.decl.body.some((s) => s.kind === 'loss')) continue;
      const read = new Set<string>();
      forEachExpr(unit, (e) => {
        if (e.kind === 'name') read.add(e.name);
        if (e.kind === 'call') read.add(e.callee.name); // `f(x)` of a binding f is another rule's error, not an unread f
      });
      for (const s of unit.decl.body) {
        if (s.kind !== 'let' || read.has(s.name.name)) continue;
        if (unit.symbols.get(s.name.name)?.stmt !== s) continue; // a duplicate: reported elsewhere
        const layer = s.expr.kind === 'call' && ctx.cells.has(s.expr.callee.name);
        ctx.report(
          warning(
            this.name,
            s.name.span,
            `${layer ? 'layer' : s.gate ? 'gate' : 'value'} '${s.name.name}' is never read`,
            unit.kind === 'cell' ? 'remove it, or use it in a state update' : `remove it, or read it in the loss or a later statement${layer ? ' (its states are carried, so training runs it forward and backward at every step)' : ''}`,
          ),
        );
      }
    }
  },
};
