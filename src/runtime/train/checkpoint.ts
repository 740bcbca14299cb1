// Checkpoint directories: everything needed to evaluate, sample, or resume a run exactly.
//
//   model.safetensors      parameters, float32, keyed by IR name (h1.W_i …)
//   optimizer.safetensors  optimizer buffers keyed `buffer/param` (exp_avg/h1.W_i …) and the
//                          recurrent states carried into the next window, `carried/h1.h`
//   vocab.json             the vocabulary (binds dim vocab)
//   config.json            the model's source text, dims, hyper-parameters, data settings,
//                          trainer state (step, epoch, schedule, curve); written last
//   curve.svg              train and valid loss against tokens seen
// Each file is written atomically (temporary file + rename).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.ts';
import { encodeSafetensors, readSafetensors, SafetensorsError, type Tensor } from '../safetensors.ts';
import { Vocab, readVocab } from '../data/vocab.ts';
import { LanguageModel, loadIR } from '../model.ts';
import type { OptimizerKind, OptimizerState } from '../optim/optimizers.ts';
import type { ResolvedTrainOptions, Trainer, TrainerState } from './trainer.ts';
import { curveSvg } from '../curve.ts';

export const CHECKPOINT_FORMAT = 'rnnc-checkpoint';

/** How the training text was read, so a resumed run reads the same tokens. */
export interface DataConfig {
  kind: 'char' | 'word';
  train: string | null;
  valid: string | null;
  split: number | null;
  minCount: number;
  maxVocab: number | null;
}

export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: 1;
  rnnc: string;
  saved: string;
  model: { file: string; name: string; dims: Record<string, number>; sources: Record<string, string> };
  data: DataConfig | null;
  initSeed: number;
  train: ResolvedTrainOptions | null;
  trainer: TrainerState | null;
}

export class CheckpointError extends Error {}

export interface SaveInput {
  model: LanguageModel;
  trainer?: Trainer | null;
  data?: DataConfig | null;
  initSeed: number;
  version: string;
}

/** Writes (or overwrites) a checkpoint directory; config.json goes last. */
export function saveCheckpoint(dir: string, input: SaveInput): void {
  mkdirSync(dir, { recursive: true });
  const { model, trainer } = input;
  model.saveWeights(join(dir, 'model.safetensors'));
  if (model.vocab) writeFileAtomic(join(dir, 'vocab.json'), JSON.stringify(model.vocab.toJSON()) + '\n');
  if (trainer) {
    const opt = trainer.optimizer.state();
    const tensors: [string, Tensor][] = [];
    for (const [buf, arena] of Object.entries(opt.tensors)) {
      for (const slot of model.layout.params) tensors.push([`${buf}/${slot.name}`, { dtype: 'F32', shape: slot.shape, data: arena.slice(slot.offset, slot.offset + slot.size) }]);
    }
    const B = trainer.options.batch;
    model.layout.states.forEach((st, k) => {
      tensors.push([`carried/${st.name}`, { dtype: 'F32', shape: [B, ...st.shape], data: trainer.carried()[k].slice() }]);
    });
    writeFileAtomic(join(dir, 'optimizer.safetensors'), encodeSafetensors(tensors, { kind: opt.kind, step: String(opt.step) }));
    const curve = trainer.state.curve;
    const series = [
      { name: 'train', points: curve.filter((p) => p.train !== undefined).map((p) => ({ x: p.tokens, y: p.train! })) },
      { name: 'valid', points: curve.filter((p) => p.valid !== undefined).map((p) => ({ x: p.tokens, y: p.valid! })) },
    ];
    writeFileAtomic(join(dir, 'curve.svg'), curveSvg(series, { title: `${model.name}: loss (nats/token)`, xLabel: 'tokens seen', yLabel: 'loss' }));
  }
  const dims: Record<string, number> = {};
  for (const [k, v] of Object.entries(model.ir.dims)) if (typeof v === 'number') dims[k] = v;
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: 1,
    rnnc: input.version,
    saved: new Date().toISOString(),
    model: { file: model.file, name: model.name, dims, sources: model.sources },
    data: input.data ?? null,
    initSeed: input.initSeed,
    train: trainer ? trainer.options : null,
    trainer: trainer ? trainer.state : null,
  };
  writeFileAtomic(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

export interface LoadedCheckpoint {
  dir: string;
  config: CheckpointConfig;
  model: LanguageModel;
  /** The optimizer buffers and carried states, when the checkpoint has them. */
  optimizer: OptimizerState | null;
  carried: Float32Array[] | null;
}

function readConfig(dir: string): CheckpointConfig {
  if (!existsSync(dir)) throw new CheckpointError(`${dir}: no such checkpoint directory`);
  if (!statSync(dir).isDirectory()) throw new CheckpointError(`${dir}: not a directory (a checkpoint is the directory rnnc train --out wrote)`);
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new CheckpointError(`${dir}: no config.json, so not a complete rnnc checkpoint (an interrupted first save?)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const c = json as Partial<CheckpointConfig>;
  if (c?.format !== CHECKPOINT_FORMAT || c.version !== 1) throw new CheckpointError(`${path}: not an rnnc checkpoint config (format ${JSON.stringify(c?.format)}, version ${JSON.stringify(c?.version)})`);
  if (!c.model || typeof c.model.file !== 'string' || typeof c.model.sources !== 'object') throw new CheckpointError(`${path}: the model section is missing or malformed`);
  return c as CheckpointConfig;
}

/** Reads a checkpoint: the model (compiled from the sources it stores), weights, vocabulary, optimizer state. */
export function loadCheckpoint(dir: string): LoadedCheckpoint {
  const config = readConfig(dir);
  const vocabPath = join(dir, 'vocab.json');
  const vocab: Vocab | null = existsSync(vocabPath) ? readVocab(vocabPath) : null;
  let model: LanguageModel;
  try {
    const { ir, sources } = loadIR(config.model.file, { dims: config.model.dims, model: config.model.name, sources: config.model.sources, vocab: vocab ?? undefined });
    model = new LanguageModel(ir, { file: config.model.file, sources, vocab });
  } catch (e) {
    throw new CheckpointError(`${dir}: its model does not compile any more:\n${(e as Error).message}`);
  }
  try {
    model.loadWeights(join(dir, 'model.safetensors'));
  } catch (e) {
    throw new CheckpointError(`${dir}: ${(e as Error).message}`);
  }
  let optimizer: OptimizerState | null = null;
  let carried: Float32Array[] | null = null;
  const optPath = join(dir, 'optimizer.safetensors');
  if (config.train && existsSync(optPath)) {
    let file;
    try {
      file = readSafetensors(optPath);
    } catch (e) {
      throw new CheckpointError(e instanceof SafetensorsError ? e.message : String(e));
    }
    const buffers = new Map<string, Float32Array>();
    for (const [key, t] of file.tensors) {
      const slash = key.indexOf('/');
      const buf = key.slice(0, slash);
      const name = key.slice(slash + 1);
      if (buf === 'carried') continue;
      const slot = model.layout.params.find((p) => p.name === name);
      if (!slot || t.data.length !== slot.size) throw new CheckpointError(`${optPath}: tensor '${key}' does not fit model ${model.name}`);
      if (!buffers.has(buf)) buffers.set(buf, new Float32Array(model.layout.totalParams));
      buffers.get(buf)!.set(t.data, slot.offset);
    }
    optimizer = { kind: file.metadata.kind as OptimizerKind, step: Number(file.metadata.step ?? 0), tensors: Object.fromEntries(buffers) };
    const B = config.train.batch;
    carried = model.layout.states.map((st) => {
      const t = file.tensors.get(`carried/${st.name}`);
      if (!t || t.data.length !== B * st.size) throw new CheckpointError(`${optPath}: no carried state '${st.name}' of ${B} × ${st.size} values`);
      return Float32Array.from(t.data);
    });
  }
  return { dir, config, model, optimizer, carried };
}
