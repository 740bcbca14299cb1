import type { Rule } from '../rule.ts';
import type { CellDecl } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { lineCol } from '../../util/source.ts';
import { formatShape } from '../poly.ts';
import { shapeOfDecl } from '../infer.ts';
import { suggest } from '../suggest.ts';

export const stateUpdates: Rule = {
  name: 'state-update',
  invariant: "Each state of a cell is updated exactly once, by `s' = expr` with an expression of the state's shape.",
  run(ctx) {
    for (const unit of ctx.units) {
      if (unit.kind !== 'cell') continue;
      const cell = unit.decl as CellDecl;
      const states = cell.states.map((p) => p.name.name);
      const seen = new Set<string>();
      for (const s of cell.body) {
        if (s.kind !== 'update') continue;
        const name = s.state.name;
        if (!states.includes(name)) {
          const close = suggest(name, states);
          ctx.report(error(this.name, s.state.span, `'${name}' is not a state of cell ${unit.name} (its states: ${states.join(', ')})`, close ? `did you mean '${close}'?` : `declare it in the -> (…) list to make it a state`));
          continue;
        }
        if (seen.has(name)) {
          const first = unit.updates.get(name)!;
          const src = ctx.program.sources.get(unit.file);
          const line = src ? lineCol(src, first.span.start).line : 0;
          ctx.report(error(this.name, s.span, `state '${name}' is updated twice (first on line ${line})`, 'each state gets exactly one update per step'));
          continue;
        }
        seen.add(name);
        const port = cell.states.find((p) => p.name.name === name)!;
        const want = shapeOfDecl(ctx, unit, port.shape.dims);
        const got = ctx.typeOf(unit, s.expr);
        if (got.kind === 'tensor' && !(got.shape.length === want.length && got.shape.every((d, i) => ctx.dimEq(unit)(d, want[i])))) {
          const scalar = got.shape.length === 0;
          const what = scalar ? 'is a scalar' : `has shape ${formatShape(got.shape)}`;
          ctx.report(
            error(this.name, s.expr.span, `the update of state '${name}' ${what}, but '${name}' is ${formatShape(want)}`, scalar ? "a number is not broadcast to a state's shape" : undefined),
          );
        }
      }
      for (const p of cell.states) {
        // A state that repeats an earlier port's name is a duplicate-definition, not a missing update.
        if (unit.symbols.get(p.name.name)?.port !== p) continue;
        if (!seen.has(p.name.name)) {
          ctx.report(error(this.name, p.name.span, `state '${p.name.name}' of cell ${unit.name} is never updated`, `add an update to the cell body: ${p.name.name}' = …`));
        }
      }
    }
  },
};
