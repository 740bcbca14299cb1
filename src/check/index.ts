// Runs every semantic check over a loaded program. Each rule lives in its own file under
// rules/ with its invariant in one sentence; they all read one shared CheckContext.
import type { CallExpr } from '../syntax/ast.ts';
import type { LoadedProgram } from '../syntax/load.ts';
import { hasErrors, sortDiagnostics, type Diagnostic } from '../util/diagnostic.ts';
import { boundDims, buildUnit, type CheckContext, type Unit } from './context.ts';
import { makeTypeOf } from './infer.ts';
import { annotate, type AnnotatedModel } from './annotate.ts';
import { bindLayer, type LayerBinding } from './layers.ts';
import { asNumber, equal, format, substitute, variable, type Poly } from './poly.ts';
import type { Rule } from './rule.ts';
import { builtinArguments } from './rules/builtin-arguments.ts';
import { causality } from './rules/causality.ts';
import { definitionOrder } from './rules/definition-order.ts';
import { dimValues } from './rules/dim-values.ts';
import { duplicateDefinitions } from './rules/duplicate-definitions.ts';
import { elementwiseShapes } from './rules/elementwise-shapes.ts';
import { embeddingLookup } from './rules/embedding-lookup.ts';
import { layerArguments } from './rules/layer-arguments.ts';
import { lossRule } from './rules/loss.ts';
import { adaptiveSoftmax } from './rules/adaptive-softmax.ts';
import { matmulShapes } from './rules/matmul-shapes.ts';
import { numberLiterals } from './rules/number-literals.ts';
import { paramInits } from './rules/param-inits.ts';
import { stateUpdates } from './rules/state-updates.ts';
import { tokenOffsets } from './rules/token-offsets.ts';
import { contextTargets } from './rules/context-targets.ts';
import { statementPlacement } from './rules/statement-placement.ts';
import { undeclaredDims } from './rules/undeclared-dims.ts';
import { unknownNames } from './rules/unknown-names.ts';
import { unusedParams } from './rules/unused-params.ts';
import { unusedValues } from './rules/unused-values.ts';
import { weightTying } from './rules/weight-tying.ts';
import { weightDrop } from './rules/weight-drop.ts';
import { penaltyData } from './rules/penalty-data.ts';

export const RULES: readonly Rule[] = [
  duplicateDefinitions,
  unknownNames,
  definitionOrder,
  statementPlacement,
  undeclaredDims,
  dimValues,
  numberLiterals,
  paramInits,
  weightDrop,
  embeddingLookup,
  builtinArguments,
  matmulShapes,
  elementwiseShapes,
  weightTying,
  layerArguments,
  stateUpdates,
  lossRule,
  adaptiveSoftmax,
  causality,
  penaltyData,
  tokenOffsets,
  contextTargets,
  unusedParams,
  unusedValues,
];

export interface CheckResult {
  context: CheckContext;
  /** Loader, syntax and semantic diagnostics, in source order. */
  diagnostics: Diagnostic[];
  /** Every model, typed and with its layers bound: what elaboration reads (empty when there are errors). */
  models: AnnotatedModel[];
}

export type { AnnotatedModel } from './annotate.ts';

export function buildContext(program: LoadedProgram, overrides: ReadonlyMap<string, number> = new Map(), report: (d: Diagnostic) => void = () => {}): CheckContext {
  const units: Unit[] = [];
  const cells = new Map<string, Unit>();
  for (const file of program.files) {
    for (const item of file.items) {
      if (item.kind === 'use') continue;
      const unit = buildUnit(item, file.path, overrides);
      units.push(unit);
      if (item.kind === 'cell' && !cells.has(unit.name)) cells.set(unit.name, unit);
    }
  }
  const layers = new WeakMap<CallExpr, LayerBinding | null>();
  const bound = new Map<Unit, Map<string, number>>();
  const values = (unit: Unit): Map<string, number> => {
    let v = bound.get(unit);
    if (!v) bound.set(unit, (v = boundDims(unit)));
    return v;
  };
  const ctx: CheckContext = {
    program,
    units,
    cells,
    overrides,
    report,
    typeOf: makeTypeOf(() => ctx),
    dimPoly: (_unit, name) => variable(name),
    dimEq: (unit) => {
      const v = values(unit);
      return (a: Poly, b: Poly) => equal(a, b) || equal(substitute(a, v), substitute(b, v));
    },
    showDim: (unit, p) => {
      const s = substitute(p, values(unit));
      const n = asNumber(s);
      return n !== null && asNumber(p) === null ? `${format(p)} = ${n}` : format(p);
    },
    layerOf: (unit, call) => {
      if (layers.has(call)) return layers.get(call)!;
      const b = unit.kind === 'model' ? bindLayer(ctx, unit, call) : null;
      layers.set(call, b);
      return b;
    },
  };
  return ctx;
}

/** Checks every unit of a loaded program; all problems are returned, none thrown. */
export function check(program: LoadedProgram, overrides: ReadonlyMap<string, number> = new Map()): CheckResult {
  const diagnostics: Diagnostic[] = [...program.diagnostics];
  const seen = new Set<string>();
  const ctx = buildContext(program, overrides, (d) => {
    // One problem found by two paths (e.g. a layer reached twice) is reported once.
    const key = `${d.code}|${d.span?.file}|${d.span?.start}|${d.span?.end}|${d.message}`;
    if (seen.has(key)) return;
    seen.add(key);
    diagnostics.push(d);
  });
  for (const rule of RULES) rule.run(ctx);
  const models = hasErrors(diagnostics) ? [] : ctx.units.filter((u) => u.kind === 'model').map((u) => annotate(ctx, u));
  return { context: ctx, diagnostics: sortDiagnostics(diagnostics), models };
}
