// The front end as one call: load a file and its imports, run every check, and elaborate
// the file's models to IR when there are no errors. Never throws on bad input.
import type { CellDecl } from './syntax/ast.ts';
import { normalize } from 'node:path';
import { load, readFromDisk, type LoadedProgram, type ReadFile } from './syntax/load.ts';
import { buildContext, check, type AnnotatedModel } from './check/index.ts';
import type { CheckContext } from './check/context.ts';
import { format, formatShape, shapeSize, add, constant, type Poly } from './check/poly.ts';
import { distinctDimNames, shapePolys } from './check/dim-terms.ts';
import { elaborate } from './ir/elaborate.ts';
import type { IRModel } from './ir/types.ts';
import { error, hasErrors, renderDiagnostic, type Diagnostic } from './util/diagnostic.ts';
import type { SourceFile } from './util/source.ts';

export interface AnalyzeOptions {
  /** Dim values that bind or override a model's `dim` declarations (e.g. vocab = 65). */
  dims?: ReadonlyMap<string, number> | Record<string, number>;
  readFile?: ReadFile;
}

export interface CellSummary {
  name: string;
  file: string;
  signature: string;
  dims: string[];
  params: { name: string; shape: string }[];
  /** Parameter count as a polynomial in the cell's dims, e.g. `4*hidden*in + 4*hidden^2 …`. */
  paramCount: string;
}

export interface Analysis {
  root: string;
  diagnostics: Diagnostic[];
  ok: boolean;
  /** The root file's models, elaborated (empty when there are errors). */
  models: IRModel[];
  /** The root file's cells. */
  cells: CellSummary[];
  sources: Map<string, SourceFile>;
  context: CheckContext;
}

function toMap(d: AnalyzeOptions['dims']): ReadonlyMap<string, number> {
  if (!d) return new Map();
  return d instanceof Map ? d : new Map(Object.entries(d));
}

function summarizeCell(cell: CellDecl, file: string): CellSummary {
  const port = (p: CellDecl['inputs'][number]): string => `${p.name.name}: ${formatShape(shapePolys(p.shape))}`;
  const params = cell.body.flatMap((s) => (s.kind === 'param' ? [s] : []));
  let total: Poly = constant(0);
  for (const p of params) total = add(total, shapeSize(shapePolys(p.shape)));
  const dims = distinctDimNames([...cell.inputs, ...cell.states].map((p) => p.shape).concat(params.map((p) => p.shape)));
  return {
    name: cell.name.name,
    file,
    signature: `cell ${cell.name.name}(${cell.inputs.map(port).join(', ')}) -> (${cell.states.map(port).join(', ')})`,
    dims,
    params: params.map((p) => ({ name: p.name.name, shape: formatShape(shapePolys(p.shape)) })),
    paramCount: format(total),
  };
}

export function analyze(path: string, options: AnalyzeOptions = {}): Analysis {
  let program: LoadedProgram = { root: normalize(path), files: [], sources: new Map(), diagnostics: [] };
  let context = buildContext(program);
  let diagnostics: Diagnostic[] = [];
  let models: IRModel[] = [];
  let cells: CellSummary[] = [];
  // A last-resort net: a bug in a pass becomes one diagnostic, never an exception.
  try {
    program = load(path, options.readFile ?? readFromDisk);
    let annotated: AnnotatedModel[];
    ({ context, diagnostics, models: annotated } = check(program, toMap(options.dims)));
    const rootUnits = context.units.filter((u) => u.file === program.root);
    cells = rootUnits.filter((u) => u.kind === 'cell').map((u) => summarizeCell(u.decl as CellDecl, u.file));
    if (!hasErrors(diagnostics)) models = annotated.filter((m) => m.model.file === program.root).map(elaborate);
  } catch (e) {
    models = [];
    const why = e instanceof Error ? e.message : String(e);
    diagnostics = [...diagnostics, error('internal', null, `${program.root}: the front end failed on this file (${why})`, 'please report this with the file')];
  }
  return { root: program.root, diagnostics, ok: !hasErrors(diagnostics), models, cells, sources: program.sources, context };
}

/** All diagnostics of an analysis, rendered with source lines and carets. */
export function renderDiagnostics(a: Pick<Analysis, 'diagnostics' | 'sources'>): string[] {
  return a.diagnostics.map((d) => renderDiagnostic(d, a.sources));
}
