// The public API of rnnc. Everything here is plain data in, plain data out.
export { analyze, renderDiagnostics } from './frontend.ts';
export type { Analysis, AnalyzeOptions, CellSummary } from './frontend.ts';
export { load, readFromDisk } from './syntax/load.ts';
export type { LoadedProgram, ReadFile } from './syntax/load.ts';
export { parse } from './syntax/parse.ts';
export type * from './syntax/ast.ts';
export { check, RULES } from './check/index.ts';
export { elaborate } from './ir/elaborate.ts';
export type { IRModel, IRParam, IRLayer, IRState, IRStmt, IRExpr, IRInit, IRShape, IRDim } from './ir/types.ts';
export { formatIR, formatSummary, irToJSON } from './ir/print.ts';
export { renderDiagnostic, hasErrors } from './util/diagnostic.ts';
export type { Diagnostic, Severity } from './util/diagnostic.ts';
