import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';

export const weightDrop: Rule = {
  name: 'weight-drop',
  invariant: 'A `weight_drop p` rate is in [0, 1) and applies to a param with at least one dim.',
  run(ctx) {
    for (const unit of ctx.units) {
      const done = new Set<object>();
      for (const s of unit.decl.body) {
        if (s.kind !== 'param' || !s.weightDrop || done.has(s.weightDrop)) continue;
        done.add(s.weightDrop); // a group `param A, B: [n, n] weight_drop p` shares one rate
        const { p, span } = s.weightDrop;
        if (!(p >= 0 && p < 1)) ctx.report(error(this.name, span, `the weight_drop rate must be in [0, 1), not ${p}`, 'p is the probability of zeroing a weight for a window, e.g. weight_drop 0.5'));
        else if (s.shape.dims.length === 0) ctx.report(error(this.name, span, `weight_drop applies to a vector or matrix param, but ${s.name.name} is a scalar`, 'drop the weights of a matrix, e.g. the recurrent U: [hidden, hidden]'));
      }
    }
  },
};
