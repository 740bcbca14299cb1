// The shared, read-only view of a loaded program that every check rule works from:
// units (cells and models) with their symbol tables and dims, plus shape inference.
import type { CallExpr, CellDecl, Expr, ModelDecl, Port, Span, Stmt } from '../syntax/ast.ts';
import type { LoadedProgram } from '../syntax/load.ts';
import type { Diagnostic } from '../util/diagnostic.ts';
import type { Poly } from './poly.ts';
import { shapeDimNames } from './dim-terms.ts';

export type SymKind = 'param' | 'input' | 'state' | 'let' | 'dim' | 'data';

export interface Sym {
  kind: SymKind;
  name: string;
  span: Span;
  /** Index of the defining statement in the body; -1 for ports, params, dims, data. */
  order: number;
  stmt?: Stmt;
  port?: Port;
}

export interface DimInfo {
  name: string;
  /** The bound value (from the declaration or a --dims override), or null while unbound. */
  value: number | null;
  span: Span | null;
}

export interface Unit {
  kind: 'cell' | 'model';
  decl: CellDecl | ModelDecl;
  name: string;
  file: string;
  /** First definition of each name; later duplicates are reported, not stored. */
  symbols: Map<string, Sym>;
  /** Models: declared dims. Cells: every dim name their ports and params mention. */
  dims: Map<string, DimInfo>;
  /** Cells: the first update statement of each state. */
  updates: Map<string, Extract<Stmt, { kind: 'update' }>>;
}

export type Ty =
  | { kind: 'tensor'; shape: readonly Poly[] }
  /** `token` and `next`: integer indices into the vocabulary. */
  | { kind: 'index' }
  /** A type that could not be computed; a rule has reported (or will report) why. */
  | { kind: 'unknown' };

export const UNKNOWN: Ty = { kind: 'unknown' };

export interface CheckContext {
  program: LoadedProgram;
  units: Unit[];
  cells: Map<string, Unit>;
  overrides: ReadonlyMap<string, number>;
  report(d: Diagnostic): void;
  /** Shape of an expression within a unit (memoised; never reports). */
  typeOf(unit: Unit, e: Expr): Ty;
  /** The polynomial a dim name stands for within a unit: always the symbol itself. */
  dimPoly(unit: Unit, name: string): Poly;
  /** Dim equality within a unit, after substituting the unit's bound dims. */
  dimEq(unit: Unit): (a: Poly, b: Poly) => boolean;
  /** A dim for messages: `embed` or, when bound, `embed = 64`. */
  showDim(unit: Unit, p: Poly): string;
  /** The parsed layer binding of a call whose callee is a cell (memoised). */
  layerOf(unit: Unit, call: CallExpr): LayerBinding | null;
}

/** A layer instantiation bound to its cell (made by layers.ts; declared here so the context needs no import of it). */
export interface LayerBinding {
  cell: Unit;
  /** Cell dim name → its value in the calling model. */
  dims: Map<string, Poly>;
  /** Why the call does not fit the cell (reported by rules/layer-arguments.ts). */
  problems: Diagnostic[];
}

/** Data names a model's expressions may read: the current token and the one to predict. */
export const DATA_NAMES = ['token', 'next'] as const;

function unitDimNames(ports: Port[], body: Stmt[]): { name: string; span: Span }[] {
  return shapeDimNames([...ports.map((p) => p.shape), ...body.flatMap((s) => (s.kind === 'param' ? [s.shape] : []))]);
}

/** Builds a unit's symbol table; the first definition of a name wins. */
export function buildUnit(decl: CellDecl | ModelDecl, file: string, overrides: ReadonlyMap<string, number>): Unit {
  const unit: Unit = { kind: decl.kind, decl, name: decl.name.name, file, symbols: new Map(), dims: new Map(), updates: new Map() };
  const define = (sym: Sym): void => {
    if (!unit.symbols.has(sym.name)) unit.symbols.set(sym.name, sym);
  };
  if (decl.kind === 'cell') {
    for (const p of decl.inputs) define({ kind: 'input', name: p.name.name, span: p.name.span, order: -1, port: p });
    for (const p of decl.states) define({ kind: 'state', name: p.name.name, span: p.name.span, order: -1, port: p });
    for (const d of unitDimNames([...decl.inputs, ...decl.states], decl.body)) {
      if (!unit.dims.has(d.name)) unit.dims.set(d.name, { name: d.name, value: null, span: d.span });
    }
  } else {
    for (const n of DATA_NAMES) define({ kind: 'data', name: n, span: decl.name.span, order: -1 });
  }
  decl.body.forEach((s, i) => {
    switch (s.kind) {
      case 'param':
        define({ kind: 'param', name: s.name.name, span: s.name.span, order: -1, stmt: s });
        break;
      case 'let':
        define({ kind: 'let', name: s.name.name, span: s.name.span, order: i, stmt: s });
        break;
      case 'dim':
        if (decl.kind === 'model' && !unit.dims.has(s.name.name)) {
          const value = overrides.get(s.name.name) ?? s.value;
          unit.dims.set(s.name.name, { name: s.name.name, value, span: s.name.span });
        }
        define({ kind: 'dim', name: s.name.name, span: s.name.span, order: -1, stmt: s });
        break;
      case 'update':
        if (!unit.updates.has(s.state.name)) unit.updates.set(s.state.name, s);
        break;
      case 'loss':
        break;
    }
  });
  return unit;
}

/** The bound dims of a unit (models only; a cell's dims are bound per layer). */
export function boundDims(unit: Unit): Map<string, number> {
  const out = new Map<string, number>();
  if (unit.kind === 'model') for (const d of unit.dims.values()) if (d.value !== null) out.set(d.name, d.value);
  return out;
}

/** Calls every callback on each sub-expression, parents before children, left to right. */
export function walkExpr(e: Expr, f: (e: Expr) => void): void {
  // An explicit stack: the walk's depth is not bounded by JavaScript's.
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    f(x);
    const kids = subExprs(x);
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
  }
}

/** The direct sub-expressions of an expression, in source order. */
export function subExprs(e: Expr): Expr[] {
  switch (e.kind) {
    case 'binary':
      return [e.left, e.right];
    case 'neg':
    case 'transpose':
      return [e.operand];
    case 'index':
      return [e.target, e.index];
    case 'call':
      return [...e.args, ...e.named.map((a) => a.value)];
    default:
      return [];
  }
}

/** The top-level expressions of a statement, if any. */
export function stmtExpr(s: Stmt): Expr | null {
  return s.kind === 'let' || s.kind === 'update' || s.kind === 'loss' ? s.expr : null;
}

/** Calls `f` on every expression of every statement of the unit, with the statement index. */
export function forEachExpr(unit: Unit, f: (e: Expr, stmtIndex: number) => void): void {
  unit.decl.body.forEach((s, i) => {
    const top = stmtExpr(s);
    if (top) walkExpr(top, (e) => f(e, i));
  });
}

/** True when a call's named arguments are dim bindings (a layer), not expressions. */
export function isLayerCall(ctx: CheckContext, call: CallExpr): boolean {
  return ctx.cells.has(call.callee.name);
}
