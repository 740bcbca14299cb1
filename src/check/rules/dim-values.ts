import type { Rule } from '../rule.ts';
import { error } from '../../util/diagnostic.ts';
import { boundDims, forEachExpr } from '../context.ts';
import { dimTermPoly } from '../dim-terms.ts';
import { asNumber, compose, substitute } from '../poly.ts';
import { snippet } from '../describe.ts';
import type { CellDecl, DimTerm, ModelDecl, ShapeExpr } from '../../syntax/ast.ts';
import { MAX_DIM } from '../../syntax/limits.ts';
import { groupDigits } from '../../util/group-digits.ts';

const LIMIT = `a dim may be at most ${groupDigits(MAX_DIM)} (2^31 - 1)`;
/** A computed size, as a message shows it: exact while it is a safe integer. */
const show = (n: number): string => (Number.isSafeInteger(n) ? String(n) : `about ${n.toExponential(3)}`);

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
  invariant: 'Every dim value, declared, written in a shape, bound by a layer, or computed by + - * in a shape (once its dims are bound), is an integer from 1 to 2^31 - 1.',
  run(ctx) {
    for (const unit of ctx.units) {
      for (const s of unit.decl.body) {
        if (s.kind === 'dim' && s.value !== null && s.value < 1) {
          ctx.report(error(this.name, s.valueSpan ?? s.span, `dim '${s.name.name}' must be at least 1, not ${s.value}`));
        }
        // The literal as written: 99999999999999999999 is no longer that number once read.
        if (s.kind === 'dim' && s.value !== null && s.value > MAX_DIM) {
          ctx.report(error(this.name, s.valueSpan ?? s.span, `dim '${s.name.name}' = ${snippet(ctx, s.valueSpan ?? s.span)} is too large: ${LIMIT}`));
        }
      }
      if (unit.kind === 'model') {
        for (const d of unit.dims.values()) {
          const given = ctx.overrides.get(d.name);
          if (given !== undefined && given > MAX_DIM) ctx.report(error(this.name, d.span, `--dims ${d.name}=${show(given)} is too large: ${LIMIT}`));
        }
      }
      const shapes = new Set(unitShapes(unit.decl));
      for (const sh of shapes) {
        for (const d of sh.dims) {
          if (d.kind === 'dimNumber' && d.value < 1) ctx.report(error(this.name, d.span, `a dim must be at least 1, not ${d.value}`));
          if (d.kind === 'dimNumber' && d.value > MAX_DIM) ctx.report(error(this.name, d.span, `the size ${snippet(ctx, d.span)} is too large: ${LIMIT}`));
        }
      }
      // `embed - 10`, `n - n`: a size that is a number below 1 once the unit's bound dims are in.
      const values = boundDims(unit);
      for (const d of arithTerms(shapes)) {
        const n = asNumber(substitute(dimTermPoly(d), values));
        if (n !== null && n < 1) ctx.report(error(this.name, d.span, `a dim must be at least 1, but ${snippet(ctx, d.span)} = ${show(n)}`));
        if (n !== null && n > MAX_DIM) ctx.report(error(this.name, d.span, `${snippet(ctx, d.span)} = ${show(n)} is too large: ${LIMIT}`));
      }
      if (unit.kind !== 'model') continue;
      // A layer binds its cell's dims: `Shrink(x, n = 1)` makes the cell's `n - 1` zero.
      forEachExpr(unit, (e) => {
        if (e.kind !== 'call') return;
        const layer = ctx.layerOf(unit, e);
        if (!layer || layer.problems.length) return;
        const cell = layer.cell.decl as CellDecl;
        for (const [name, p] of layer.dims) {
          const n = asNumber(substitute(p, values));
          if (n !== null && n > MAX_DIM) ctx.report(error(this.name, e.span, `layer ${cell.name.name} binds the cell's dim ${name} = ${show(n)}, which is too large: ${LIMIT}`));
        }
        const seen = new Set<string>();
        for (const d of arithTerms(new Set(unitShapes(cell)))) {
          // One report per size, however many of the cell's shapes write it.
          if (seen.has(d.name)) continue;
          seen.add(d.name);
          const n = asNumber(substitute(compose(dimTermPoly(d), layer.dims), values));
          if (n !== null && n > MAX_DIM) {
            ctx.report(error(this.name, e.span, `layer ${cell.name.name} makes the cell's size ${snippet(ctx, d.span)} = ${show(n)}, which is too large: ${LIMIT}`));
          }
          if (n !== null && n < 1) {
            ctx.report(error(this.name, e.span, `layer ${cell.name.name} makes the cell's size ${snippet(ctx, d.span)} = ${n}, but a dim must be at least 1`));
          }
        }
      });
    }
  },
};
