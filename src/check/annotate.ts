// The checker's result for elaboration, as data: every expression of a model (and of the cells
// its layers instantiate) with its inferred type, and every layer call with its binding. The
// elaborator reads these maps and never calls back into the checker.
import type { CallExpr, Expr } from '../syntax/ast.ts';
import { forEachExpr, type CheckContext, type LayerBinding, type Ty, type Unit } from './context.ts';

export interface AnnotatedModel {
  /** The model unit: its declaration, symbols and bound dims. */
  model: Unit;
  /** The type of each expression of the model and of its layers' cells (in the cell's own dims). */
  types: ReadonlyMap<Expr, Ty>;
  /** Each call of a cell in the model (a layer) and what it binds; null where it does not fit. */
  layers: ReadonlyMap<CallExpr, LayerBinding | null>;
}

/** Annotates one model of a checked context (total: `unknown` types where a rule has reported). */
export function annotate(ctx: CheckContext, model: Unit): AnnotatedModel {
  const types = new Map<Expr, Ty>();
  const layers = new Map<CallExpr, LayerBinding | null>();
  const cells = new Set<Unit>();
  const typeAll = (unit: Unit) => forEachExpr(unit, (e) => void types.set(e, ctx.typeOf(unit, e)));
  typeAll(model);
  if (model.kind === 'model') {
    for (const s of model.decl.body) {
      if (s.kind !== 'let' || s.expr.kind !== 'call' || !ctx.cells.has(s.expr.callee.name)) continue;
      const binding = ctx.layerOf(model, s.expr);
      layers.set(s.expr, binding);
      if (binding) cells.add(binding.cell);
    }
  }
  for (const cell of cells) typeAll(cell);
  return { model, types, layers };
}

