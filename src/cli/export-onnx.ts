// `rnnc export CKPT|MODEL.rnn --format onnx -o model.onnx`: the format handler the export
// command dispatches to. A checkpoint brings its weights; a model file is initialised from
// its `init` annotations with --seed (and needs --dims vocab=N).
import { statSync } from 'node:fs';
import { exportOnnx, onnxNames, OnnxExportError } from '../export/onnx/index.ts';
import { compile, CompileError, type LanguageModel } from '../runtime/model.ts';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { UserError } from './common.ts';
import { exportRefused } from './export-refusal.ts';
import { VERSION } from './version.ts';
import { HISTORY_STATE } from '../codegen/history.ts';

export interface OnnxCliOptions {
  /** Where to write the .onnx file (required: the format is binary). */
  out?: string;
  /** Dims of a model file (`vocab` must be bound). */
  dims?: ReadonlyMap<string, number>;
  /** Initialisation seed of a model file (default 0). */
  seed?: number;
  /** Which model of a file with several. */
  model?: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The model to export: a checkpoint's, or a model file's freshly initialised. */
function loadTarget(target: string, o: OnnxCliOptions): LanguageModel {
  if (isDirectory(target)) return loadCheckpoint(target, { optimizer: false }).model;
  try {
    return compile(target, { dims: new Map(o.dims ?? []), model: o.model }).init(o.seed ?? 0);
  } catch (e) {
    // The library says "give vocab=N in dims"; on the command line that is --dims.
    if (e instanceof CompileError && /unbound/.test(e.message)) throw new UserError(e.message.replace(/give (.*) in dims/, (_, list: string) => `pass --dims ${list.replace(/, /g, ',')}`));
    throw e;
  }
}

/** Writes the ONNX export of `target` to o.out; returns the lines to print. */
export function runExportOnnx(target: string, o: OnnxCliOptions): string[] {
  if (!o.out) throw new UserError('--format onnx writes a binary file: give it with -o FILE.onnx');
  return writeOnnx(loadTarget(target, o), o.out);
}

/** Writes the ONNX export of a loaded model (as `rnnc export` loads it) to `out`; returns the lines to print. */
export function writeOnnx(model: LanguageModel, out: string): string[] {
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx({ ir: model.ir, weights: model.weights() }, { producerVersion: VERSION });
  } catch (e) {
    if (!(e instanceof OnnxExportError)) throw e;
    throw exportRefused(model, e.diagnostic, 'ONNX');
  }
  writeFileAtomic(out, bytes);
  const shape = (s: readonly (number | string)[]) => `[${s.join(', ')}]`;
  const states = model.layout.states;
  // The token history (offset lookups) is the one int64 state: ids + 1, 0 before a stream's start.
  const type = (s: { name: string }) => (s.name === HISTORY_STATE ? ' int64' : '');
  return [
    `wrote ${out} (${bytes.length} bytes): model ${model.name}, ${model.paramCount} parameters as initializers`,
    `  inputs:  ${onnxNames.tokens} ${shape(['T', 'B'])} int64${states.map((s) => `, ${onnxNames.stateIn(s.name)} ${shape(['B', ...s.shape])}${type(s)}`).join('')}`,
    `  outputs: ${onnxNames.logProbs} ${shape(['T', 'B', model.layout.vocab])}${states.map((s) => `, ${onnxNames.stateOut(s.name)} ${shape(['B', ...s.shape])}${type(s)}`).join('')}`,
  ];
}
