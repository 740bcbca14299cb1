import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { lineCol } from '../../util/source.ts';
import { typed } from '../describe.ts';
import { PENALTIES } from '../builtins.ts';
import { variable } from '../poly.ts';
import { shapeDimNames } from '../dim-terms.ts';

export const lossRule: Rule = {
  name: 'loss',
  invariant: 'A model has exactly one loss `cross_entropy(logits, next)` (or `token`, or targets `token@k`), whose logits have shape [vocab], or an `adaptive_cross_entropy` (rules/adaptive-softmax.ts); any other loss statement is a training penalty, ar(h, α) or tar(h, β).',
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue;
      // Penalties (ar, tar) are extra loss statements; the rest must be the one cross-entropy.
      const losses = unit.decl.body.filter((s) => s.kind === 'loss' && !(s.expr.kind === 'call' && PENALTIES.has(s.expr.callee.name)));
      if (losses.length === 0) {
        ctx.report(error(this.name, unit.decl.name.span, `model ${unit.name} has no loss`, 'add one, e.g. loss cross_entropy(V @ h + b, next)'));
      }
      const src = ctx.program.sources.get(unit.file);
      losses.slice(1).forEach((s) => {
        const line = src ? lineCol(src, losses[0].span.start).line : 0;
        ctx.report(error(this.name, s.span, `model ${unit.name} already has a loss (line ${line})`, 'a model trains on one loss'));
      });
      // A param over an undeclared vocab is already reported by unbound-dim, at the param.
      const paramsUseVocab = unit.decl.body.some((s) => s.kind === 'param' && shapeDimNames([s.shape]).some((d) => d.name === 'vocab'));
      if (!unit.dims.has('vocab') && !paramsUseVocab) {
        ctx.report(error(this.name, unit.decl.name.span, `model ${unit.name} declares no dim 'vocab'`, 'add `dim vocab`: it is bound to the vocabulary size of the data'));
      }
      for (const s of losses) {
        if (s.kind !== 'loss') continue;
        const e = s.expr;
        if (e.kind === 'call' && e.callee.name === 'adaptive_cross_entropy') continue; // rules/adaptive-softmax.ts judges it
        if (e.kind !== 'call' || e.callee.name !== 'cross_entropy') {
          ctx.report(error(this.name, e.span, 'the loss must be cross_entropy(logits, next)', 'write: loss cross_entropy(V @ h + b, next)'));
          continue;
        }
        if (e.args.length < 2) continue; // builtin-arguments reports the arity
        const [logits, ...targets] = e.args;
        // token@k is judged by the token-offset rule (which names may be offset, and where).
        for (const target of targets) {
          if (target.kind !== 'name' || target.primed || (target.name !== 'next' && target.name !== 'token')) {
            ctx.report(error(this.name, target.span, 'the target of cross_entropy must be `next` (language modelling), `token` or `token@k`', 'write: loss cross_entropy(logits, next)'));
          }
        }
        const ty = ctx.typeOf(unit, logits);
        if (ty.kind === 'tensor' && unit.dims.has('vocab')) {
          const ok = ty.shape.length === 1 && ctx.dimEq(unit)(ty.shape[0], variable('vocab'));
          if (!ok) {
            ctx.report(error(this.name, logits.span, `the logits of cross_entropy must have shape [vocab], but ${typed(ctx, unit, logits)}`, 'project to the vocabulary first, e.g. V @ h + b with param V: [vocab, …], b: [vocab]'));
          }
        }
      }
    }
  },
};
