import type { Rule } from '../rule.ts';
import { warning } from '../../util/diagnostic.ts';
import { paramUses } from './weight-tying.ts';

export const unusedParams: Rule = {
  name: 'unused-param',
  invariant: 'Every declared param is used (a warning: an unused param is dead weight in the arena and in checkpoints).',
  run(ctx) {
    for (const unit of ctx.units) {
      for (const s of unit.decl.body) {
        if (s.kind !== 'param') continue;
        if (unit.symbols.get(s.name.name)?.stmt !== s) continue; // a duplicate: reported elsewhere
        if (paramUses(unit, s.name.name).length === 0) {
          ctx.report(warning(this.name, s.name.span, `param '${s.name.name}' is never used`, 'remove it, or use it in an expression'));
        }
      }
    }
  },
};
