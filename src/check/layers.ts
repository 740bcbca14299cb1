// Binding a layer instantiation `Cell(args…, dim = value…)` to its cell: input dims are
// inferred from the arguments' shapes, the rest come from named arguments.
import type { CallExpr, Expr } from '../syntax/ast.ts';
import { error, type Diagnostic } from '../util/diagnostic.ts';
import { add, constant, formatShape, mul, type Poly } from './poly.ts';
import { walkExpr, type CheckContext, type LayerBinding, type Unit } from './context.ts';
import { suggest } from './suggest.ts';
import { cellDimNames, dimTermNames, dimTermPoly, shapePolys } from './dim-terms.ts';
import { snippet } from './describe.ts';
import type { CellDecl } from '../syntax/ast.ts';

export type { LayerBinding } from './context.ts';
export { cellDimNames } from './dim-terms.ts';

/** A named argument's value as a dim: integers, model dims, and + - * of those. */
export function evalDimExpr(ctx: CheckContext, unit: Unit, e: Expr): Poly | null {
  switch (e.kind) {
    case 'number':
      return Number.isInteger(e.value) ? constant(e.value) : null;
    case 'name': {
      const sym = unit.symbols.get(e.name);
      return !e.primed && sym?.kind === 'dim' ? ctx.dimPoly(unit, e.name) : null;
    }
    case 'binary': {
      const l = evalDimExpr(ctx, unit, e.left);
      const r = evalDimExpr(ctx, unit, e.right);
      if (!l || !r) return null;
      if (e.op === '+') return add(l, r);
      if (e.op === '-') return add(l, mul(constant(-1), r));
      if (e.op === '*') return mul(l, r);
      return null;
    }
    default:
      return null;
  }
}

export function bindLayer(ctx: CheckContext, unit: Unit, call: CallExpr): LayerBinding | null {
  const cellUnit = ctx.cells.get(call.callee.name);
  if (!cellUnit) return null;
  const cell = cellUnit.decl as CellDecl;
  const problems: Diagnostic[] = [];
  const dims = new Map<string, Poly>();
  const dimNames = cellDimNames(cell);
  const fromNamed = new Set<string>();
  // Dims the call tried to bind (with a bad value, or misspelled): not reported again as missing.
  const attempted = new Set<string>();

  for (const arg of call.named) {
    const name = arg.name.name;
    if (!dimNames.includes(name)) {
      const input = cell.inputs.findIndex((p) => p.name.name === name);
      const close = input < 0 ? suggest(name, dimNames) : null;
      if (close) attempted.add(close);
      problems.push(
        error(
          'layer-arguments',
          arg.name.span,
          `'${name}' is not a dim of cell ${cell.name.name} (its dims: ${dimNames.join(', ') || 'none'})`,
          input >= 0
            ? `'${name}' is an input of ${cell.name.name}: pass it by position, as argument ${input + 1}`
            : close
              ? `did you mean '${close}'?`
              : undefined,
        ),
      );
      continue;
    }
    if (fromNamed.has(name)) {
      problems.push(error('layer-arguments', arg.span, `dim '${name}' is given twice`));
      continue;
    }
    const value = evalDimExpr(ctx, unit, arg.value);
    if (!value) {
      attempted.add(name);
      // An unknown name in the value is reported by unknown-names; that is the one mistake.
      let unknown = false;
      walkExpr(arg.value, (x) => {
        if (x.kind === 'name' && !unit.symbols.has(x.name)) unknown = true;
      });
      if (unknown) continue;
      problems.push(error('layer-arguments', arg.value.span, `the value of dim '${name}' must be a positive integer or a dim of ${unit.name}`, `write e.g. ${name} = 256`));
      continue;
    }
    fromNamed.add(name);
    dims.set(name, value);
  }

  if (call.args.length !== cell.inputs.length) {
    const want = cell.inputs.map((p) => `${p.name.name}: ${formatShape(shapePolys(p.shape))}`).join(', ');
    problems.push(error('layer-arguments', call.span, `cell ${cell.name.name} takes ${cell.inputs.length} input${cell.inputs.length === 1 ? '' : 's'} (${want}), but ${call.args.length} ${call.args.length === 1 ? 'was' : 'were'} given`));
  } else {
    // Plain dim names are bound from the arguments first; sizes like `2 * n` are checked after
    // every argument has been seen, so `(x: [2 * n], y: [n])` checks x against y's n.
    const deferred: (() => void)[] = [];
    call.args.forEach((arg, i) => {
      const port = cell.inputs[i];
      const ty = ctx.typeOf(unit, arg);
      if (ty.kind !== 'tensor') return;
      const wantRank = port.shape.dims.length;
      if (ty.shape.length !== wantRank) {
        problems.push(error('layer-arguments', arg.span, `input '${port.name.name}' of ${cell.name.name} has ${wantRank} dim${wantRank === 1 ? '' : 's'}, but ${snippet(ctx, arg.span)} has shape ${formatShape(ty.shape)}`));
        return;
      }
      port.shape.dims.forEach((d, k) => {
        const actual = ty.shape[k];
        const mismatch = (expected: Poly, which: string): void => {
          const shown = `[${ty.shape.map((p) => ctx.showDim(unit, p)).join(', ')}]`;
          problems.push(
            error(
              'layer-arguments',
              arg.span,
              `input '${port.name.name}' of ${cell.name.name} needs size ${ctx.showDim(unit, expected)} in dim ${k + 1}${which}, but ${snippet(ctx, arg.span)} has shape ${shown}`,
            ),
          );
        };
        if (d.kind === 'dimArith') {
          // Checked once its names are bound; an unbound name is reported as missing below.
          deferred.push(() => {
            if (!dimTermNames(d).every((x) => dims.has(x.name))) return;
            const expected = dimTermPoly(d, (n) => dims.get(n)!);
            if (!ctx.dimEq(unit)(expected, actual)) mismatch(expected, ` (the cell's ${snippet(ctx, d.span)})`);
          });
          return;
        }
        const expected = d.kind === 'dimName' ? dims.get(d.name) : constant(d.value);
        if (expected === undefined && d.kind === 'dimName') {
          dims.set(d.name, actual);
        } else if (expected && !ctx.dimEq(unit)(expected, actual)) {
          mismatch(expected, d.kind === 'dimName' ? ` (the cell's dim '${d.name}')` : '');
        }
      });
    });
    for (const check of deferred) check();
  }

  const missing = dimNames.filter((n) => !dims.has(n) && !attempted.has(n) && !cell.inputs.some((p) => p.shape.dims.some((d) => d.kind === 'dimName' && d.name === n)));
  if (missing.length) {
    problems.push(
      error(
        'layer-arguments',
        call.span,
        `layer ${cell.name.name} needs a value for dim${missing.length === 1 ? '' : 's'} ${missing.map((m) => `'${m}'`).join(', ')}`,
        `bind ${missing.length === 1 ? 'it' : 'them'} by name: ${cell.name.name}(${call.args.map(() => '…').join(', ')}${call.args.length ? ', ' : ''}${missing.map((m) => `${m} = …`).join(', ')})`,
      ),
    );
  }
  return { cell: cellUnit, dims, problems };
}
