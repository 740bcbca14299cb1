import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { BUILTINS, DROPOUTS, PENALTIES } from '../builtins.ts';
import { forEachExpr } from '../context.ts';
import { snippet, typed } from '../describe.ts';

export const builtinArguments: Rule = {
  name: 'builtin-arguments',
  invariant: 'Every builtin gets the number and kind of arguments its signature names: vectors to concat, a matrix to transpose, number literals for rates and slopes.',
  run(ctx) {
    for (const unit of ctx.units) {
      forEachExpr(unit, (e) => {
        if (e.kind === 'transpose') {
          const t = ctx.typeOf(unit, e.operand);
          if (t.kind === 'tensor' && t.shape.length !== 2) ctx.report(error(this.name, e.span, `only a matrix can be transposed, but ${typed(ctx, unit, e.operand)} is not`));
          return;
        }
        if (e.kind !== 'call') return;
        const b = BUILTINS.get(e.callee.name);
        if (!b) return;
        if (e.named.length) {
          // Builtins take their arguments by position only (`leaky_relu(x, 0.1)`, not `slope = 0.1`).
          const all = [...e.args.map((a) => snippet(ctx, a.span)), ...e.named.map((a) => snippet(ctx, a.value.span))];
          const fits = all.length >= b.minArgs && all.length <= b.maxArgs;
          ctx.report(
            error(
              this.name,
              e.named[0].span,
              `${b.name} takes its arguments by position, not by name`,
              fits ? `write ${b.name}(${all.join(', ')})` : `its signature is ${b.signature}`,
            ),
          );
          return;
        }
        const n = e.args.length;
        if (n < b.minArgs || n > b.maxArgs) {
          const want = b.minArgs === b.maxArgs ? `${b.minArgs}` : b.maxArgs === Infinity ? `at least ${b.minArgs}` : `${b.minArgs} or ${b.maxArgs}`;
          ctx.report(error(this.name, e.span, `${b.name} takes ${want} argument${want === '1' ? '' : 's'}, but ${n} ${n === 1 ? 'was' : 'were'} given`, `its signature is ${b.signature}`));
          return;
        }
        for (const k of b.literalArgs) {
          const a = e.args[k];
          if (!a) continue;
          if (a.kind !== 'number') {
            ctx.report(error(this.name, a.span, `the ${DROPOUTS.has(b.name) ? 'rate' : PENALTIES.has(b.name) ? 'weight' : 'slope'} of ${b.name} must be a number literal`, `its signature is ${b.signature}`));
          } else if (PENALTIES.has(b.name) && !(a.value >= 0)) {
            ctx.report(error(this.name, a.span, `the weight of ${b.name} must be a non-negative number, not ${a.value}`, `e.g. ${b.name === 'ar' ? 'ar(h, 2)' : 'tar(h, 1)'}`));
          } else if (DROPOUTS.has(b.name) && !(a.value >= 0 && a.value < 1)) {
            ctx.report(error(this.name, a.span, `the dropout rate must be in [0, 1), not ${a.value}`, `p is the probability of zeroing a unit, e.g. ${b.name === 'embedding_dropout' ? 'embedding_dropout(E[token], 0.1)' : `${b.name}(h, 0.5)`}`));
          }
        }
        // A token index passed where a vector belongs is reported by rules/embedding-lookup.ts.
        const first = ctx.typeOf(unit, e.args[0]);
        if (b.name === 'transpose' && first.kind === 'tensor' && first.shape.length !== 2) {
          ctx.report(error(this.name, e.args[0].span, `only a matrix can be transposed, but ${typed(ctx, unit, e.args[0])} is not`));
        }
        if (b.name === 'embedding_dropout' && e.args[0].kind !== 'index') {
          ctx.report(error(this.name, e.args[0].span, `embedding_dropout drops rows of an embedding table, so its argument must be a lookup E[token], not ${snippet(ctx, e.args[0].span)}`, 'for other values use dropout(x, p) or locked_dropout(x, p)'));
        }
        // The row masks are drawn for the window's own tokens; a lagged lookup reads rows of the history too.
        if (b.name === 'embedding_dropout' && e.args[0].kind === 'index' && e.args[0].offset) {
          ctx.report(error(this.name, e.args[0].offset.span, `embedding_dropout of a lagged lookup (${snippet(ctx, e.args[0].span)}) is not supported yet`, 'drop rows of E[token] only, or use locked_dropout on the lagged embedding'));
        }
        if (PENALTIES.has(b.name) && first.kind === 'tensor' && first.shape.length !== 1) {
          ctx.report(error(this.name, e.args[0].span, `${b.name} penalises the activations of a vector, but ${typed(ctx, unit, e.args[0])}`));
        }
        if (b.name === 'tar') {
          // tar compares a layer's output with its previous value: the layer's first state.
          const a = e.args[0];
          const sym = a.kind === 'name' && !a.primed ? unit.symbols.get(a.name) : undefined;
          const top = sym?.kind === 'let' && sym.stmt?.kind === 'let' ? sym.stmt.expr : null;
          if (!(top && top.kind === 'call' && ctx.cells.has(top.callee.name) && !top.reverse)) {
            ctx.report(error(this.name, a.span, `tar needs the output of a forward layer, so that its value at the previous step exists, but ${snippet(ctx, a.span)} is not one`, 'name a layer: h = LSTM(x, hidden = 256), then loss tar(h, 1)'));
          }
        }
        if (b.name === 'concat') {
          for (const a of e.args) {
            const t = ctx.typeOf(unit, a);
            if (t.kind === 'tensor' && t.shape.length !== 1) ctx.report(error(this.name, a.span, `concat joins vectors, but ${typed(ctx, unit, a)} is not a vector`));
          }
        }
      });
    }
  },
};
