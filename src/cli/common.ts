// What the model commands share: load and check a file, report problems the way `check`
// does, and pick the model to work on.
import { analyze, renderDiagnostics } from '../frontend.ts';
import type { IRModel } from '../ir/types.ts';

import { DataError } from '../runtime/data/errors.ts';
import { CompileError, WeightsError } from '../runtime/model.ts';
import { CheckpointError } from '../runtime/train/checkpoint.ts';
import { OptimizerError } from '../runtime/optim/optimizers.ts';
import { ScheduleError } from '../runtime/optim/schedule.ts';
import { SafetensorsError } from '../runtime/safetensors.ts';

/** A problem the user can fix; the CLI prints its message (no stack trace) and exits 1. */
export class UserError extends Error {}

/**
 * Whether an error thrown by the library is the user's to fix (bad data, model, checkpoint,
 * settings or arguments) rather than a bug in rnnc: main.ts reports these like UserError.
 */
export function isUserError(e: unknown): e is Error {
  return [UserError, DataError, CompileError, WeightsError, CheckpointError, OptimizerError, ScheduleError, SafetensorsError, RangeError].some((c) => e instanceof c);
}

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
