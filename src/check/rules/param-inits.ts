import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { INITS } from '../builtins.ts';
import { suggest } from '../suggest.ts';

export const paramInits: Rule = {
  name: 'init',
  invariant: 'Every `init` names a known initialiser with the arguments it takes, and orthogonal and xavier apply only to matrices.',
  run(ctx) {
    for (const unit of ctx.units) {
      const done = new Set<object>();
      for (const s of unit.decl.body) {
        if (s.kind !== 'param' || !s.init || done.has(s.init)) continue;
        done.add(s.init); // a group `param A, B: [n] init x` shares one init
        const init = s.init;
        const known = INITS.get(init.name);
        if (!known) {
          const close = suggest(init.name, INITS.keys());
          ctx.report(error(this.name, init.span, `unknown initialiser '${init.name}'`, close ? `did you mean '${close}'?` : `known: ${[...INITS.values()].map((i) => i.signature).join(', ')}`));
          continue;
        }
        if (init.args.length !== known.args) {
          const takes = known.args === 0 ? 'takes no arguments' : `takes ${known.args} argument${known.args === 1 ? '' : 's'}`;
          ctx.report(error(this.name, init.span, `init ${init.name} ${takes}, but ${init.args.length} ${init.args.length === 1 ? 'was' : 'were'} given`, `write init ${known.signature}`));
          continue;
        }
        if ((init.name === 'uniform' || init.name === 'normal') && !(init.args[0] > 0)) {
          ctx.report(error(this.name, init.span, `the ${init.name === 'uniform' ? 'range' : 'standard deviation'} of init ${init.name} must be positive, not ${init.args[0]}`));
        }
        if ((init.name === 'orthogonal' || init.name === 'xavier' || init.name === 'glorot') && s.shape.dims.length !== 2) {
          const group = unit.decl.body.flatMap((p) => (p.kind === 'param' && p.init === init ? [`'${p.name.name}'`] : []));
          const rank = s.shape.dims.length;
          ctx.report(
            error(
              this.name,
              init.span,
              `init ${init.name} needs a matrix, but ${group.join(', ')} ${group.length === 1 ? 'has' : 'have'} ${rank} dim${rank === 1 ? '' : 's'}`,
              'use zeros, ones, constant(c), uniform(a) or normal(std) for vectors',
            ),
          );
        }
      }
    }
  },
};
