// `rnnc export CKPT|MODEL.rnn --format torch -o DIR|model.py`: the format handler the export
// command dispatches to. Writes model.py (the nn.Module), its weights as a .safetensors keyed
// by rnnc's names beside it, and train.py (DDP training that writes an rnnc checkpoint).
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { exportTorch, TorchExportError } from '../export/torch/index.ts';
import { TRAIN_PY } from '../export/torch/train-script.ts';
import type { LanguageModel } from '../runtime/model.ts';
import { encodeSafetensors, type Tensor } from '../runtime/safetensors.ts';
import { saveCheckpoint } from '../runtime/train/checkpoint.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { UserError } from './common.ts';
import { exportRefused } from './export-refusal.ts';
import { VERSION } from './version.ts';

/** Writes the PyTorch export of a loaded model; `out` is a directory (model.py inside) or a .py file. Returns the lines to print. */
export function writeTorch(model: LanguageModel, out: string, options: { initScale?: number | null } = {}): string[] {
  const initScale = options.initScale ?? null;
  const isFile = out.endsWith('.py') && !(existsSync(out) && statSync(out).isDirectory());
  const dir = isFile ? dirname(out) : out;
  if (!isFile) mkdirSync(dir, { recursive: true });
  else if (!existsSync(dir)) throw new UserError(`${out}: cannot write (no such directory)`);
  const py = isFile ? out : join(dir, 'model.py');
  const weightsFile = `${basename(py).replace(/\.py$/, '')}.safetensors`;
  let code: string;
  try {
    code = exportTorch({ ir: model.ir, sources: model.sources }, { weightsFile, producerVersion: VERSION, initScale });
  } catch (e) {
    if (!(e instanceof TorchExportError)) throw e;
    throw exportRefused(model, e.diagnostic, 'PyTorch');
  }
  const weights = model.layout.params.map((s): [string, Tensor] => [s.name, { dtype: 'F32', shape: s.shape, data: model.weights().get(s.name)! }]);
  writeFileAtomic(py, code);
  writeFileAtomic(join(dir, weightsFile), encodeSafetensors(weights, { model: model.name }));
  const written = [join(dir, weightsFile)];
  // An rnnc checkpoint of these weights: train.py writes its checkpoints from this one (config.json, vocab.json).
  const template = join(dir, 'rnnc-checkpoint');
  saveCheckpoint(template, { model, initSeed: 0, initScale, version: VERSION, best: 'none' });
  written.push(template);
  const train = join(dir, isFile ? `train_${basename(py)}` : 'train.py');
  writeFileAtomic(train, TRAIN_PY.replace('__MODEL_MODULE__', basename(py).replace(/\.py$/, '')));
  written.push(train);
  return [`wrote ${py} (${model.name}, ${model.paramCount.toLocaleString('en-US')} parameters as nn.Parameters under rnnc's names), ${written.join(', ')}`];
}
