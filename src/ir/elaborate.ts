// Elaboration: a checked model (the checker's annotations: types and layer bindings, as data)
// → IR. Each layer's cell body is inlined under the layer's name, and every shape is made
// concrete where dims are bound.
import type { CallExpr, CellDecl, Expr, ModelDecl, Span, Stmt } from '../syntax/ast.ts';
import type { AnnotatedModel } from '../check/annotate.ts';
import { boundDims, type Unit } from '../check/context.ts';
import { BUILTINS, DEFAULT_LEAKY_SLOPE, PENALTIES } from '../check/builtins.ts';
import { cellDimNames, shapePolys } from '../check/dim-terms.ts';
import { add, asNumber, compose, constant, format, shapeSize, substitute, type Poly } from '../check/poly.ts';
import type { IRDim, IRExpr, IRInit, IRLayer, IRModel, IRParam, IRShape, IRState, IRStmt } from './types.ts';

/** Thrown only when elaboration is asked for a model that did not pass the checks. */
export class ElaborationError extends Error {}

function dimOut(p: Poly): IRDim {
  const n = asNumber(p);
  return n !== null ? n : format(p);
}

function initOf(s: Extract<Stmt, { kind: 'param' }>): IRInit {
  if (!s.init) return s.shape.dims.length >= 2 ? { name: 'xavier', args: [], implicit: true } : { name: 'zeros', args: [], implicit: true };
  const name = s.init.name === 'glorot' ? 'xavier' : s.init.name;
  return { name: name as IRInit['name'], args: [...s.init.args] };
}

/** Scope of one unit instance: how its names map to IR names and its dims to model dims. */
interface Scope {
  unit: Unit;
  prefix: string; // '' for the model, 'h1.' for layer h1
  layer: string | null;
  /** Cell dim → model polynomial (identity for the model itself). */
  dims: Map<string, Poly>;
  /** Cell input name → the IR expression passed in. */
  inputs: Map<string, IRExpr>;
}

export function elaborate(annotated: AnnotatedModel): IRModel {
  const { model, types, layers: bindings } = annotated;
  if (model.kind !== 'model') throw new ElaborationError(`${model.name} is not a model`);
  const decl = model.decl as ModelDecl;
  const values = boundDims(model);
  const concrete = (p: Poly, scope: Scope): Poly => substitute(compose(p, scope.dims), values);
  const shapeOf = (scope: Scope, e: Expr): IRShape => {
    const ty = types.get(e);
    if (!ty) throw new ElaborationError(`an expression of ${scope.unit.name} was not annotated by the checker`);
    if (ty.kind !== 'tensor') {
      if (ty.kind === 'index') return [];
      throw new ElaborationError(`no shape for an expression in ${scope.unit.name}; run the checks first`);
    }
    return ty.shape.map((d) => dimOut(concrete(d, scope)));
  };

  const params: IRParam[] = [];
  const layers: IRLayer[] = [];
  const states: IRState[] = [];
  const step: IRStmt[] = [];
  let total: Poly = constant(0);

  const declareParams = (scope: Scope, body: Stmt[]): void => {
    for (const s of body) {
      if (s.kind !== 'param') continue;
      const shape = shapePolys(s.shape).map((d) => concrete(d, scope));
      const size = shapeSize(shape);
      total = add(total, size);
      params.push({ name: scope.prefix + s.name.name, shape: shape.map(dimOut), size: dimOut(size), init: initOf(s), layer: scope.layer, ...(s.weightDrop && s.weightDrop.p > 0 ? { weightDrop: s.weightDrop.p } : {}), span: s.name.span });
    }
  };

  const lower = (scope: Scope, e: Expr): IRExpr => {
    const span = e.span;
    const shape = shapeOf(scope, e);
    switch (e.kind) {
      case 'number':
        return { op: 'const', value: e.value, shape, span };
      case 'name': {
        const sym = scope.unit.symbols.get(e.name);
        if (!sym) throw new ElaborationError(`unknown name ${e.name}`);
        if (e.primed) return { op: 'ref', name: `${scope.prefix}${e.name}'`, shape, span };
        switch (sym.kind) {
          case 'param':
            return { op: 'param', name: scope.prefix + e.name, shape, span };
          case 'state':
            return { op: 'state', name: scope.prefix + e.name, shape, span };
          case 'input':
            return scope.inputs.get(e.name)!;
          case 'let':
            return { op: 'ref', name: scope.prefix + e.name, shape, span };
          default:
            throw new ElaborationError(`'${e.name}' is not a value`);
        }
      }
      case 'binary': {
        const op = ({ '@': 'matmul', '+': 'add', '-': 'sub', '*': 'mul', '/': 'div' } as const)[e.op];
        return { op, args: [lower(scope, e.left), lower(scope, e.right)], shape, span };
      }
      case 'neg':
        return { op: 'neg', args: [lower(scope, e.operand)], shape, span };
      case 'transpose':
        return { op: 'transpose', args: [lower(scope, e.operand)], shape, span };
      case 'index': {
        if (e.target.kind !== 'name') throw new ElaborationError('only params can be indexed');
        const gather: IRExpr = { op: 'gather', table: scope.prefix + e.target.name, index: 'token', shape, span };
        // token@0 is token: only a nonzero offset is recorded.
        return e.offset?.value ? { ...gather, offset: e.offset.value } : gather;
      }
      case 'call': {
        const b = BUILTINS.get(e.callee.name);
        if (!b) throw new ElaborationError(`layer ${e.callee.name} must be bound to a name`);
        // The target of cross_entropy is data (next/token), not a value to lower.
        const args = (b.name === 'cross_entropy' ? e.args.slice(0, 1) : b.name === 'adaptive_cross_entropy' ? e.args.slice(0, 2) : e.args).map((a) => lower(scope, a));
        switch (b.name) {
          case 'leaky_relu':
            return { op: 'leaky_relu', args: [args[0]], slope: e.args[1]?.kind === 'number' ? e.args[1].value : DEFAULT_LEAKY_SLOPE, shape, span };
          case 'dropout':
            return { op: 'dropout', args: [args[0]], p: (e.args[1] as Extract<Expr, { kind: 'number' }>).value, shape, span };
          case 'locked_dropout':
          case 'embedding_dropout':
            return { op: 'dropout', args: [args[0]], p: (e.args[1] as Extract<Expr, { kind: 'number' }>).value, mode: b.name === 'locked_dropout' ? 'locked' : 'rows', shape, span };
          case 'concat':
            return { op: 'concat', args, shape, span };
          case 'cross_entropy': {
            const t = e.args[1];
            // A target `token@k`, or several targets: their offsets from the current token (next is +1).
            const at = (a: Expr): number => (a.kind === 'name' && a.name === 'token' ? (a.offset?.value ?? 0) : 1);
            if (e.args.length === 2 && !(t.kind === 'name' && t.offset?.value)) return { op: 'cross_entropy', args: [args[0]], target: t.kind === 'name' && t.name === 'token' ? 'token' : 'next', shape, span };
            return { op: 'cross_entropy', args: [args[0]], target: 'token', offsets: e.args.slice(1).map(at), shape, span };
          }
          case 'adaptive_cross_entropy':
            return { op: 'adaptive_cross_entropy', args: [args[0], args[1]], target: 'next', cutoffs: e.args.slice(3).map((a) => (a as Extract<Expr, { kind: 'number' }>).value), shape, span };
          default:
            return { op: b.name as 'sigmoid', args: [args[0]], shape, span };
        }
      }
    }
  };

  const instantiate = (name: string, nameSpan: Span, call: CallExpr, modelScope: Scope): void => {
    const binding = bindings.get(call);
    if (!binding || binding.problems.length) throw new ElaborationError(`layer ${name} does not fit its cell`);
    const cell = binding.cell.decl as CellDecl;
    const scope: Scope = { unit: binding.cell, prefix: `${name}.`, layer: name, dims: binding.dims, inputs: new Map() };
    cell.inputs.forEach((port, i) => {
      const arg = lower(modelScope, call.args[i]);
      // Simple operands are referenced directly; anything else is computed once, named.
      if (arg.op === 'ref' || arg.op === 'param' || arg.op === 'state') {
        scope.inputs.set(port.name.name, arg);
      } else {
        const stmtName = `${name}.${port.name.name}`;
        step.push({ name: stmtName, kind: 'input', layer: name, expr: arg, span: call.args[i].span });
        scope.inputs.set(port.name.name, { op: 'ref', name: stmtName, shape: arg.shape, span: call.args[i].span });
      }
    });
    const dims: Record<string, IRDim> = {};
    for (const k of cellDimNames(cell)) dims[k] = dimOut(substitute(binding.dims.get(k)!, values));
    layers.push({
      name,
      cell: cell.name.name,
      reverse: call.reverse,
      dims,
      params: cell.body.flatMap((s) => (s.kind === 'param' ? [`${name}.${s.name.name}`] : [])),
      states: cell.states.map((p) => `${name}.${p.name.name}`),
      span: nameSpan,
    });
    for (const p of cell.states) {
      const shape = shapePolys(p.shape).map((d) => dimOut(concrete(d, scope)));
      states.push({ name: `${name}.${p.name.name}`, layer: name, shape, span: p.name.span });
    }
    declareParams(scope, cell.body);
    for (const s of cell.body) {
      if (s.kind === 'let') step.push({ name: `${name}.${s.name.name}`, kind: s.gate ? 'gate' : 'let', layer: name, expr: lower(scope, s.expr), span: s.span });
      if (s.kind === 'update') step.push({ name: `${name}.${s.state.name}'`, kind: 'update', layer: name, expr: lower(scope, s.expr), span: s.span });
    }
    const first = cell.states[0];
    const out = `${name}.${first.name.name}'`;
    step.push({ name, kind: 'output', layer: name, expr: { op: 'ref', name: out, shape: states[states.length - cell.states.length].shape, span: call.span }, span: call.span });
  };

  /** `loss ar(h, α)` / `loss tar(h, β)`: a penalty statement, named loss.ar, loss.tar, loss.ar2, … */
  const penalty = (e: CallExpr, span: Stmt['span']): IRStmt => {
    const kind = e.callee.name as 'ar' | 'tar';
    const weight = (e.args[1] as Extract<Expr, { kind: 'number' }>).value;
    const x = lower(modelScope, e.args[0]);
    const shape: IRShape = [];
    let name = `loss.${kind}`;
    for (let k = 2; step.some((s) => s.name === name); k++) name = `loss.${kind}${k}`;
    if (kind === 'ar') return { name, kind: 'penalty', layer: null, expr: { op: 'ar', args: [x], weight, shape, span: e.span }, span };
    // The layer's output is its first state's new value; the state itself is the previous one.
    const out = step.find((s) => s.kind === 'output' && x.op === 'ref' && s.name === x.name);
    if (!out || out.expr.op !== 'ref') throw new ElaborationError(`tar of something other than a layer's output`);
    const prev: IRExpr = { op: 'state', name: out.expr.name.replace(/'$/, ''), shape: x.shape, span: e.args[0].span };
    return { name, kind: 'penalty', layer: null, expr: { op: 'tar', args: [x, prev], weight, shape, span: e.span }, span };
  };

  const modelScope: Scope = { unit: model, prefix: '', layer: null, dims: new Map(), inputs: new Map() };
  declareParams(modelScope, decl.body);
  // Params come first in the arena order of the source; layer params follow per layer.
  for (const s of decl.body) {
    if (s.kind === 'let') {
      if (s.expr.kind === 'call' && bindings.has(s.expr)) instantiate(s.name.name, s.name.span, s.expr, modelScope);
      else step.push({ name: s.name.name, kind: s.gate ? 'gate' : 'let', layer: null, expr: lower(modelScope, s.expr), span: s.span });
    } else if (s.kind === 'loss' && s.expr.kind === 'call' && PENALTIES.has(s.expr.callee.name)) {
      step.push(penalty(s.expr, s.span));
    } else if (s.kind === 'loss') {
      step.push({ name: 'loss', kind: 'loss', layer: null, expr: lower(modelScope, s.expr), span: s.span });
    }
  }

  const dims: Record<string, number | null> = {};
  for (const d of model.dims.values()) dims[d.name] = d.value;
  return { name: model.name, file: model.file, dims, params, totalParams: dimOut(total), layers, states, step };
}
