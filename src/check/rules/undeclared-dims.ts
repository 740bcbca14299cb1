import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { suggest } from '../suggest.ts';
import { shapeDimNames } from '../dim-terms.ts';

export const undeclaredDims: Rule = {
  name: 'unbound-dim',
  invariant: "Every dim named in a model's param shapes is declared in that model with `dim`.",
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue;
      for (const s of unit.decl.body) {
        if (s.kind !== 'param') continue;
        for (const d of shapeDimNames([s.shape])) {
          if (unit.dims.has(d.name)) continue;
          const close = suggest(d.name, unit.dims.keys());
          ctx.report(
            error(this.name, d.span, `dim '${d.name}' is not declared in model ${unit.name}`, close ? `did you mean '${close}'?` : `declare it: dim ${d.name} = …${d.name === 'vocab' ? ' (or just `dim vocab` to bind it from the data)' : ''}`),
          );
        }
      }
    }
  },
};
