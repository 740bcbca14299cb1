// An export refused at a place in the model: the diagnostic is printed as `rnnc check` prints
// it (file:line:col: error: …, the line, a caret, the hint), then one summary line, so the
// output does not read `error: file:line:col: error: …`.
import type { LanguageModel } from '../runtime/model.ts';
import { renderDiagnostic, type Diagnostic } from '../util/diagnostic.ts';
import { makeSource } from '../util/source.ts';
import { UserError } from './common.ts';

/** Prints the diagnostic; returns the error to throw (its line follows the diagnostic). */
export function exportRefused(model: LanguageModel, diagnostic: Diagnostic, target: string): UserError {
  const sources = new Map(Object.entries(model.sources).map(([p, text]) => [p, makeSource(p, text)]));
  console.error(renderDiagnostic(diagnostic, sources) + '\n');
  return new UserError(`${model.name} (${model.file}) cannot be exported to ${target}; see above`);
}
