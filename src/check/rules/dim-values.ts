import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { boundDims, forEachExpr } from '../context.ts';
import { dimTermPoly } from '../dim-terms.ts';
import { asNumber, compose, substitute } from '../poly.ts';
import { snippet } from '../describe.ts';
import type { CellDecl, DimTerm, ModelDecl, ShapeExpr } from '../../syntax/ast.ts';

function unitShapes(decl: CellDecl | ModelDecl): ShapeExpr[] {
  return [
    ...(decl.kind === 'cell' ? [...decl.inputs, ...decl.states].map((p) => p.shape) : []),
    ...decl.body.flatMap((s) => (s.kind === 'param' ? [s.shape] : [])),
  ];
}

/** The `+ - *` terms of the shapes (`n - 1`, `2 * hidden`), outermost only. */
function arithTerms(shapes: Iterable<ShapeExpr>): Extract<DimTerm, { kind: 'dimArith' }>[] {
  const out: Extract<DimTerm, { kind: 'dimArith' }>[] = [];
  for (const sh of shapes) for (const d of sh.dims) if (d.kind === 'dimArith') out.push(d);
  return out;
}

export const dimValues: Rule = {
  name: 'dim-value',
  invariant: 'Every dim value, declared, written in a shape, or computed by + - * in a shape (once its dims are bound), is a positive integer.',
  run(ctx) {
    for (const unit of ctx.units) {
      for (const s of unit.decl.body) {
        if (s.kind === 'dim' && s.value !== null && s.value < 1) {
          ctx.report(error(this.name, s.valueSpan ?? s.span, `dim '${s.name.name}' must be at least 1, not ${s.value}`));
        }
      }
      const shapes = new Set(unitShapes(unit.decl));
      for (const sh of shapes) {
        for (const d of sh.dims) if (d.kind === 'dimNumber' && d.value < 1) ctx.report(error(this.name, d.span, `a dim must be at least 1, not ${d.value}`));
      }
      // `embed - 10`, `n - n`: a size that is a number below 1 once the unit's bound dims are in.
      const values = boundDims(unit);
      for (const d of arithTerms(shapes)) {
        const n = asNumber(substitute(dimTermPoly(d), values));
        if (n !== null && n < 1) ctx.report(error(this.name, d.span, `a dim must be at least 1, but ${snippet(ctx, d.span)} = ${n}`));
      }
      if (unit.kind !== 'model') continue;
      // A layer binds its cell's dims: `Shrink(x, n = 1)` makes the cell's `n - 1` zero.
      forEachExpr(unit, (e) => {
        if (e.kind !== 'call') return;
        const layer = ctx.layerOf(unit, e);
        if (!layer || layer.problems.length) return;
        const cell = layer.cell.decl as CellDecl;
        const seen = new Set<string>();
        for (const d of arithTerms(new Set(unitShapes(cell)))) {
          // One report per size, however many of the cell's shapes write it.
          if (seen.has(d.name)) continue;
          seen.add(d.name);
          const n = asNumber(substitute(compose(dimTermPoly(d), layer.dims), values));
          if (n !== null && n < 1) {
            ctx.report(error(this.name, e.span, `layer ${cell.name.name} makes the cell's size ${snippet(ctx, d.span)} = ${n}, but a dim must be at least 1`));
          }
        }
      });
    }
  },
};
