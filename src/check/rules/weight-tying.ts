import type { Rule } from '../rule.ts';
import type { Expr } from '../../syntax/ast.ts';
import { error } from '../../util/diagnostic.ts';
import { lineCol } from '../../util/source.ts';
import { type CheckContext, type Unit, forEachExpr } from '../context.ts';
import { operand, snippet, typed } from '../describe.ts';
import { matmulShape } from '../infer.ts';
import { format, variables } from '../poly.ts';

/** Every place a param is read in a unit. */
export function paramUses(unit: Unit, name: string): Expr[] {
  const uses: Expr[] = [];
  forEachExpr(unit, (e) => {
    if (e.kind === 'name' && !e.primed && e.name === name) uses.push(e);
  });
  return uses;
}

/** The tied param a matrix operand reads (`E` or `E^T`), if that param has more than one use. */
export function tiedParam(unit: Unit, e: Expr): string | null {
  // Reuse inside a cell is ordinary sharing; tying is a model-level idea (embedding = output).
  if (unit.kind !== 'model') return null;
  const base = e.kind === 'transpose' ? e.operand : e.kind === 'call' && e.callee.name === 'transpose' && e.args.length === 1 ? e.args[0] : e;
  if (base.kind !== 'name' || base.primed) return null;
  const sym = unit.symbols.get(base.name);
  if (sym?.kind !== 'param') return null;
  return paramUses(unit, base.name).length > 1 ? base.name : null;
}

function lineOf(ctx: CheckContext, use: Expr): number {
  const src = ctx.program.sources.get(use.span.file);
  return src ? lineCol(src, use.span.start).line : 0;
}

export const weightTying: Rule = {
  name: 'weight-tying',
  invariant: 'A param used in more than one place (a tied weight) has a shape that fits every use.',
  run(ctx) {
    for (const unit of ctx.units) {
      forEachExpr(unit, (e) => {
        if (e.kind !== 'binary' || e.op !== '@') return;
        const name = tiedParam(unit, e.left);
        if (!name) return;
        const l = ctx.typeOf(unit, e.left);
        const r = ctx.typeOf(unit, e.right);
        if (l.kind !== 'tensor' || r.kind !== 'tensor' || l.shape.length !== 2 || matmulShape(l.shape, r.shape, ctx.dimEq(unit))) return;
        // A scalar right side is not a fitting problem: matmul-shapes reports it.
        if (r.shape.length !== 1 && r.shape.length !== 2) return;
        const lines = [
          ...new Set(
            paramUses(unit, name)
              .filter((u) => !(u.span.start >= e.left.span.start && u.span.end <= e.left.span.end))
              .map((u) => lineOf(ctx, u)),
          ),
        ];
        const cols = l.shape[1];
        const len = r.shape[0];
        // Equating dims is advice only when both are plain dim names (embed = hidden).
        const plain = (p: typeof cols): boolean => variables(p).length === 1 && format(p) === variables(p)[0];
        const equate = plain(cols) && plain(len) ? `make the dims equal (${format(cols)} = ${format(len)}), or ` : '';
        // A shape can only hold dim names and integers: a computed dim is shown by its value.
        const inShape = (p: typeof cols): string => {
          if (plain(p)) return format(p);
          const shown = ctx.showDim(unit, p);
          const at = shown.lastIndexOf(' = ');
          return at >= 0 ? shown.slice(at + 3) : format(p);
        };
        ctx.report(
          error(
            this.name,
            e.span,
            `tied weight '${name}' (also used on line${lines.length === 1 ? '' : 's'} ${lines.join(', ')}) does not fit here: ${typed(ctx, unit, e.left)} cannot multiply ${typed(ctx, unit, e.right)} (${ctx.showDim(unit, cols)} ≠ ${ctx.showDim(unit, len)})`,
            `${equate}add a projection: param P: [${inShape(cols)}, ${inShape(len)}] and write ${snippet(ctx, e.left.span)} @ (P @ ${operand(ctx, e.right)})`,
          ),
        );
      });
    }
  },
};
