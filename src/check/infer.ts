// Shape inference: the type of every expression, computed bottom-up. It never reports;
// where operands do not fit it answers `unknown`, and the rule that owns that condition
// reports it once, so one mistake gives one diagnostic.
import type { Expr, Stmt } from '../syntax/ast.ts';
import { BUILTINS } from './builtins.ts';
import { subExprs, UNKNOWN, type CheckContext, type Ty, type Unit } from './context.ts';
import { add, constant, variable, type Poly } from './poly.ts';
import { dimTermPoly, shapeDimNames, shapePolys } from './dim-terms.ts';

/** Dim equality in a unit: equal once the unit's bound dims are substituted. */
export type DimEq = (a: Poly, b: Poly) => boolean;

export const SCALAR: Ty = { kind: 'tensor', shape: [] };

export function shapeOfDecl(ctx: CheckContext, unit: Unit, dims: Extract<Stmt, { kind: 'param' }>['shape']['dims']): Poly[] {
  return dims.map((d) => dimTermPoly(d, (n) => ctx.dimPoly(unit, n)));
}

/** The shape two element-wise operands give, or null if they do not broadcast. */
export function broadcast(a: readonly Poly[], b: readonly Poly[], eq: DimEq): readonly Poly[] | null {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return a.length === b.length && a.every((d, i) => eq(d, b[i])) ? a : null;
}

/** [m, n] @ [n] → [m] and [m, n] @ [n, k] → [m, k]; null when they do not fit. */
export function matmulShape(a: readonly Poly[], b: readonly Poly[], eq: DimEq): readonly Poly[] | null {
  if (a.length !== 2 || (b.length !== 1 && b.length !== 2)) return null;
  if (!eq(a[1], b[0])) return null;
  return b.length === 1 ? [a[0]] : [a[0], b[1]];
}

export function makeTypeOf(ctx: () => CheckContext): (unit: Unit, e: Expr) => Ty {
  const memo = new WeakMap<Expr, Ty>();
  const inProgress = new Set<Expr>();

  // What an expression's type is computed from: its operands and, for a binding's name, the
  // bound expression (so a chain of thousands of bindings is a dependency chain, not recursion).
  const dependencies = (unit: Unit, e: Expr): Expr[] => {
    // A call's named arguments bind dims, not values: they are no operands of its type.
    if (e.kind === 'call') return e.args;
    if (e.kind !== 'name') return subExprs(e);
    const sym = e.primed ? undefined : unit.symbols.get(e.name);
    return sym?.kind === 'let' && sym.stmt?.kind === 'let' ? [sym.stmt.expr] : [];
  };

  // Types the dependencies first, deepest first, with an explicit stack; `compute` then finds
  // every operand memoised. A binding that refers to itself (directly or not) meets itself in
  // progress and gets no type; definition-order reports it.
  const typeOf = (unit: Unit, e: Expr): Ty => {
    const hit = memo.get(e);
    if (hit) return hit;
    if (inProgress.has(e)) return UNKNOWN;
    const stack: { e: Expr; expanded: boolean }[] = [{ e, expanded: false }];
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (!top.expanded && memo.has(top.e)) {
        stack.pop();
        continue;
      }
      if (!top.expanded) {
        top.expanded = true;
        inProgress.add(top.e);
        for (const d of dependencies(unit, top.e)) if (!memo.has(d) && !inProgress.has(d)) stack.push({ e: d, expanded: false });
        continue;
      }
      stack.pop();
      const ty = compute(unit, top.e);
      inProgress.delete(top.e);
      memo.set(top.e, ty);
    }
    return memo.get(e)!;
  };

  const tensor = (shape: readonly Poly[]): Ty => ({ kind: 'tensor', shape });

  const compute = (unit: Unit, e: Expr): Ty => {
    const c = ctx();
    switch (e.kind) {
      case 'number':
        return SCALAR;
      case 'name': {
        const sym = unit.symbols.get(e.name);
        if (!sym) return UNKNOWN;
        if (e.primed) return sym.kind === 'state' && sym.port ? tensor(shapeOfDecl(c, unit, sym.port.shape.dims)) : UNKNOWN;
        switch (sym.kind) {
          case 'param': {
            if (sym.stmt?.kind !== 'param') return UNKNOWN;
            // A model param over an undeclared dim has no size; unbound-dim reports it, once.
            if (unit.kind === 'model' && shapeDimNames([sym.stmt.shape]).some((d) => !unit.dims.has(d.name))) return UNKNOWN;
            return tensor(shapeOfDecl(c, unit, sym.stmt.shape.dims));
          }
          case 'input':
          case 'state':
            return sym.port ? tensor(shapeOfDecl(c, unit, sym.port.shape.dims)) : UNKNOWN;
          case 'let':
            return sym.stmt?.kind === 'let' ? typeOf(unit, sym.stmt.expr) : UNKNOWN;
          case 'data':
            return { kind: 'index' };
          case 'dim':
            return UNKNOWN;
        }
        return UNKNOWN;
      }
      case 'binary': {
        const l = typeOf(unit, e.left);
        const r = typeOf(unit, e.right);
        if (l.kind !== 'tensor' || r.kind !== 'tensor') return UNKNOWN;
        const eq = c.dimEq(unit);
        const s = e.op === '@' ? matmulShape(l.shape, r.shape, eq) : broadcast(l.shape, r.shape, eq);
        return s ? tensor(s) : UNKNOWN;
      }
      case 'neg': {
        const t = typeOf(unit, e.operand);
        return t.kind === 'tensor' ? t : UNKNOWN;
      }
      case 'transpose': {
        const t = typeOf(unit, e.operand);
        return t.kind === 'tensor' && t.shape.length === 2 ? tensor([t.shape[1], t.shape[0]]) : UNKNOWN;
      }
      case 'index': {
        // Only `E[token]` with E: [vocab, d] is an embedding; any other indexing is reported
        // by rules/embedding-lookup.ts, and its result is left unknown so nothing else cascades.
        const t = typeOf(unit, e.target);
        const isTable = e.target.kind === 'name' && !e.target.primed && unit.symbols.get(e.target.name)?.kind === 'param';
        const isToken = e.index.kind === 'name' && !e.index.primed && e.index.name === 'token' && typeOf(unit, e.index).kind === 'index';
        if (t.kind !== 'tensor' || t.shape.length !== 2 || !isTable || !isToken) return UNKNOWN;
        if (unit.dims.has('vocab') && !c.dimEq(unit)(t.shape[0], variable('vocab'))) return UNKNOWN;
        return tensor([t.shape[1]]);
      }
      case 'call': {
        const layer = c.layerOf(unit, e);
        if (layer) {
          if (layer.problems.length) return UNKNOWN;
          const first = (layer.cell.decl as Extract<typeof layer.cell.decl, { kind: 'cell' }>).states[0];
          // A dim left unbound (its argument was reported by another rule) leaves the shape unknown.
          if (shapeDimNames([first.shape]).some((d) => !layer.dims.has(d.name))) return UNKNOWN;
          return tensor(shapePolys(first.shape, (n) => layer.dims.get(n)!));
        }
        const b = BUILTINS.get(e.callee.name);
        if (!b || e.args.length < b.minArgs || e.args.length > b.maxArgs || e.named.length) return UNKNOWN;
        const args = e.args.map((a) => typeOf(unit, a));
        if (b.elementwise) {
          const x = args[0];
          if (x.kind !== 'tensor') return UNKNOWN;
          return b.literalArgs.every((k) => k >= e.args.length || e.args[k].kind === 'number') ? x : UNKNOWN;
        }
        if (b.name === 'concat') {
          let total: Poly = constant(0);
          for (const a of args) {
            if (a.kind !== 'tensor' || a.shape.length !== 1) return UNKNOWN;
            total = add(total, a.shape[0]);
          }
          return tensor([total]);
        }
        if (b.name === 'transpose') {
          const x = args[0];
          return x.kind === 'tensor' && x.shape.length === 2 ? tensor([x.shape[1], x.shape[0]]) : UNKNOWN;
        }
        if (b.name === 'cross_entropy' || b.name === 'adaptive_cross_entropy' || b.name === 'ar' || b.name === 'tar') return SCALAR;
        return UNKNOWN;
      }
    }
  };
  return typeOf;
}
