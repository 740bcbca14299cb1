import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';

export const dimValues: Rule = {
  name: 'dim-value',
  invariant: 'Every dim value, declared or written in a shape, is a positive integer.',
  run(ctx) {
    for (const unit of ctx.units) {
      for (const s of unit.decl.body) {
        if (s.kind === 'dim' && s.value !== null && s.value < 1) {
          ctx.report(error(this.name, s.valueSpan ?? s.span, `dim '${s.name.name}' must be at least 1, not ${s.value}`));
        }
      }
      const shapes = [
        ...(unit.decl.kind === 'cell' ? [...unit.decl.inputs, ...unit.decl.states].map((p) => p.shape) : []),
        ...unit.decl.body.flatMap((s) => (s.kind === 'param' ? [s.shape] : [])),
      ];
      for (const sh of new Set(shapes)) {
        for (const d of sh.dims) if (d.kind === 'dimNumber' && d.value < 1) ctx.report(error(this.name, d.span, `a dim must be at least 1, not ${d.value}`));
      }
    }
  },
};
