// What the model commands share: load and check a file, report problems the way `check`
// does, and pick the model to work on.
import { analyze, renderDiagnostics } from '../frontend.ts';
import type { IRModel } from '../ir/types.ts';

/** A problem the user can fix; the CLI prints its message (no stack trace) and exits 1. */
export class UserError extends Error {}

export function loadModel(file: string, dims: Map<string, number>, modelName?: string): IRModel {
  const a = analyze(file, { dims });
  const rendered = renderDiagnostics(a);
  for (const text of rendered) console.error(text + '\n');
  if (!a.ok) throw new UserError(`${file} has errors; see above`);
  if (a.models.length === 0) throw new UserError(`${file} defines no model (only cells: ${a.cells.map((c) => c.name).join(', ') || 'none'})`);
  if (modelName) {
    const m = a.models.find((x) => x.name === modelName);
    if (!m) throw new UserError(`${file} has no model ${modelName} (it has ${a.models.map((x) => x.name).join(', ')})`);
    return m;
  }
  if (a.models.length > 1) throw new UserError(`${file} defines several models (${a.models.map((x) => x.name).join(', ')}); pick one with --model`);
  return a.models[0];
}

/** Unbound dims of a model, for a message that says how to bind them. */
export function unboundDims(m: IRModel): string[] {
  return Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k);
}
