import type { Rule } from '../rule.ts';
import { forEachExpr } from '../context.ts';

export const layerArguments: Rule = {
  name: 'layer-arguments',
  invariant: "A layer call passes one argument per cell input, each of the input's shape, and binds every other dim of the cell by name, and nothing else.",
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue;
      forEachExpr(unit, (e) => {
        if (e.kind !== 'call') return;
        const layer = ctx.layerOf(unit, e);
        if (layer) for (const p of layer.problems) ctx.report(p);
      });
    }
  },
};
