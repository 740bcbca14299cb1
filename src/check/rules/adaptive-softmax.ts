import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { typed } from '../describe.ts';
import { constant, variable } from '../poly.ts';

const EXAMPLE = 'loss adaptive_cross_entropy(E @ h + b, C @ h + c, next, 2000, 6000)';

export const adaptiveSoftmax: Rule = {
  name: 'adaptive-softmax',
  invariant:
    'adaptive_cross_entropy(W @ h + b, clusters, next, c_1, …, c_K) reads a param W: [vocab, d] (and a param b: [vocab], if any) times a vector, cluster logits of shape [K], and cutoffs that are integers increasing from 1 and below vocab where the file binds it.',
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'model') continue; // a cell's loss is the placement rule's
      for (const s of unit.decl.body) {
        const e = s.kind === 'loss' ? s.expr : null;
        if (e?.kind !== 'call' || e.callee.name !== 'adaptive_cross_entropy' || e.args.length < 4) continue; // builtin-arguments reports the arity
        const [logits, clusters, target, ...cutoffs] = e.args;
        // The training code computes only the rows of W it needs: it must see W, h and b apart.
        const product = logits.kind === 'binary' && logits.op === '+' ? logits.left : logits;
        const bias = logits.kind === 'binary' && logits.op === '+' ? logits.right : null;
        const isParam = (x: Expr | null): boolean => x?.kind === 'name' && !x.primed && unit.symbols.get(x.name)?.kind === 'param';
        if (!(product.kind === 'binary' && product.op === '@' && isParam(product.left)) || (bias && !isParam(bias))) {
          ctx.report(error(this.name, logits.span, 'the word logits of adaptive_cross_entropy must be W @ h + b: a param matrix times a vector, plus a param bias (or none)', `the training code computes only the rows of W the targets need; e.g. ${EXAMPLE}`));
        } else {
          const ty = ctx.typeOf(unit, logits);
          if (ty.kind === 'tensor' && unit.dims.has('vocab') && !(ty.shape.length === 1 && ctx.dimEq(unit)(ty.shape[0], variable('vocab')))) {
            ctx.report(error(this.name, logits.span, `the word logits of adaptive_cross_entropy must have shape [vocab], but ${typed(ctx, unit, logits)}`, 'project to the vocabulary, e.g. E @ h + b with param E: [vocab, d], b: [vocab]'));
          }
        }
        if (target.kind !== 'name' || target.primed || target.name !== 'next' || target.offset) {
          ctx.report(error(this.name, target.span, 'the target of adaptive_cross_entropy must be `next`', 'it is a language model\'s output layer: ' + EXAMPLE));
        }
        let prev = 0;
        let ok = true;
        for (const c of cutoffs) {
          if (c.kind !== 'number' || !Number.isInteger(c.value) || c.value <= prev) {
            ctx.report(error(this.name, c.span, `the cutoffs of adaptive_cross_entropy must be integer literals, increasing from 1${prev ? ` (this one must exceed ${prev})` : ''}`, 'each ends a cluster of the frequency-sorted vocabulary: the head is [0, c_1), the clusters [c_1, c_2) … [c_K, vocab)'));
            ok = false;
            break;
          }
          prev = c.value;
        }
        // Only a vocab the file itself binds: one bound from the data is checked when the graph is built
        // (training checks the model with a stand-in vocab before it reads any data).
        const declared = unit.decl.body.find((d) => d.kind === 'dim' && d.name.name === 'vocab');
        const vocab = declared?.kind === 'dim' ? declared.value : null;
        if (ok && vocab != null && prev >= vocab) {
          ctx.report(error(this.name, cutoffs[cutoffs.length - 1].span, `the last cutoff (${prev}) must be below vocab (${vocab}): the last cluster would be empty`, 'cut the vocabulary where the words get rare, e.g. 2000 of 10000'));
        }
        const ct = ctx.typeOf(unit, clusters);
        if (ct.kind === 'tensor' && !(ct.shape.length === 1 && ctx.dimEq(unit)(ct.shape[0], constant(cutoffs.length)))) {
          ctx.report(error(this.name, clusters.span, `the cluster logits of adaptive_cross_entropy need one entry per tail cluster (${cutoffs.length}, one per cutoff), but ${typed(ctx, unit, clusters)}`, `e.g. C @ h + c with param C: [${cutoffs.length}, d], c: [${cutoffs.length}]`));
        }
      }
    }
  },
};
