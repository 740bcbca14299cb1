// Reading the sizes written in shapes (`[hidden, in]`, `[2 * hidden]`) as polynomials
// over dim names, and listing the dim names they mention.
import type { CellDecl, DimTerm, ShapeExpr, Span } from '../syntax/ast.ts';
import { add, constant, mul, variable, type Poly } from './poly.ts';

/** The polynomial a dim term stands for; `name` maps a dim name (default: itself). */
export function dimTermPoly(d: DimTerm, name: (n: string) => Poly = variable): Poly {
  switch (d.kind) {
    case 'dimNumber':
      return constant(d.value);
    case 'dimName':
      return name(d.name);
    case 'dimArith': {
      const l = dimTermPoly(d.left, name);
      const r = dimTermPoly(d.right, name);
      if (d.op === '+') return add(l, r);
      if (d.op === '-') return add(l, mul(constant(-1), r));
      return mul(l, r);
    }
  }
}

/** A shape's sizes as polynomials over dim names. */
export function shapePolys(shape: ShapeExpr, name: (n: string) => Poly = variable): Poly[] {
  return shape.dims.map((d) => dimTermPoly(d, name));
}

/** Every dim name a term mentions, left to right, with repeats. */
export function dimTermNames(d: DimTerm): { name: string; span: Span }[] {
  if (d.kind === 'dimName') return [{ name: d.name, span: d.span }];
  if (d.kind === 'dimArith') return [...dimTermNames(d.left), ...dimTermNames(d.right)];
  return [];
}

/** Every dim name the shapes mention, with repeats, in order. */
export function shapeDimNames(shapes: Iterable<ShapeExpr>): { name: string; span: Span }[] {
  const out: { name: string; span: Span }[] = [];
  for (const sh of shapes) for (const d of sh.dims) out.push(...dimTermNames(d));
  return out;
}

/** The distinct dim names the shapes mention, in order of first appearance. */
export function distinctDimNames(shapes: Iterable<ShapeExpr>): string[] {
  return [...new Set(shapeDimNames(shapes).map((d) => d.name))];
}

/** Every dim name a cell's ports and params mention, in order of first mention. */
export function cellDimNames(cell: CellDecl): string[] {
  const names: string[] = [];
  const shapes = [...cell.inputs.map((p) => p.shape), ...cell.states.map((p) => p.shape), ...cell.body.flatMap((s) => (s.kind === 'param' ? [s.shape] : []))];
  // A name used only inside arithmetic (`x: [2 * n]`) is a dim of the cell too.
  for (const sh of shapes) for (const d of sh.dims) for (const { name } of dimTermNames(d)) if (!names.includes(name)) names.push(name);
  return names;
}
