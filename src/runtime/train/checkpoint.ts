// Checkpoint directories: everything needed to evaluate, sample, or resume a run exactly.
//
//   model.safetensors      parameters, float32, keyed by IR name (h1.W_i …); once nt-asgd
//                          averages, the averaged weights (what eval and sample should use)
//   optimizer.safetensors  optimizer buffers keyed `buffer/param` (exp_avg/h1.W_i …) and the
//                          recurrent states carried into the next window, `carried/h1.h`;
//                          nt-asgd: `ax/…` and the raw training weights `raw/…` once it
//                          averages, and the step averaging began after (metadata average_from)
//   vocab.json             the vocabulary (binds dim vocab)
//   config.json            the model's source text, dims, hyper-parameters, data settings,
//                          trainer state (step, epoch, schedule, curve), and the SHA-256 of
//                          each file above, so that a file of another save is refused
//   curve.svg              train and valid loss against tokens seen
//   best/                  the checkpoint with the lowest validation loss so far (same files)
// The directory is replaced as one unit (checkpoint-swap.ts): a crash never mixes two saves.
// Weights that are NaN or infinite are never saved.
import { join } from 'node:path';
import { encodeSafetensors, decodeSafetensors, SafetensorsError, type Tensor } from '../safetensors.ts';
import { Vocab } from '../data/vocab.ts';
import { LanguageModel, loadIR } from '../model.ts';
import type { OptimizerKind, OptimizerState } from '../optim/optimizers.ts';
import type { Trainer } from './trainer.ts';
import { curveSvg } from '../curve.ts';
import { CheckpointError, NonFiniteWeightsError } from './checkpoint-error.ts';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, readConfig, readMember, sha256, type CheckpointConfig, type DataConfig, type ValidationProtocol } from './checkpoint-config.ts';
import { commitCheckpoint, findCheckpoint } from './checkpoint-swap.ts';

export { CheckpointError, NonFiniteWeightsError } from './checkpoint-error.ts';
export { CHECKPOINT_FORMAT, type CheckpointConfig, type DataConfig, type ValidationProtocol } from './checkpoint-config.ts';
export { BEST_DIR } from './checkpoint-swap.ts';

export interface SaveInput {
  model: LanguageModel;
  trainer?: Trainer | null;
  data?: DataConfig | null;
  initSeed: number;
  /** The uniform(-a, a) that replaced the model's inits, if one did. */
  initScale?: number | null;
  version: string;
  /** DIR/best: this save is the best so far ('self'), keep the one there ('keep', default), or none. */
  best?: 'self' | 'keep' | 'none';
  /** How the run validates, recorded for rnnc eval. */
  validation?: ValidationProtocol | null;
}

/** The optimizer buffers and carried states of a trainer, as one safetensors file; `raw`: the training weights when the model holds averaged ones. */
function optimizerBytes(model: LanguageModel, trainer: Trainer, raw: Float32Array | null): Uint8Array {
  const opt = trainer.optimizer.state();
  const tensors: [string, Tensor][] = [];
  for (const [buf, arena] of Object.entries({ ...opt.tensors, ...(raw ? { raw } : {}) })) {
    for (const slot of model.layout.params) tensors.push([`${buf}/${slot.name}`, { dtype: 'F32', shape: slot.shape, data: arena.slice(slot.offset, slot.offset + slot.size) }]);
  }
  const B = trainer.options.batch;
  model.layout.states.forEach((st, k) => {
    tensors.push([`carried/${st.name}`, { dtype: 'F32', shape: [B, ...st.shape], data: trainer.carried()[k].slice() }]);
  });
  const from = opt.averageFrom ?? null;
  return encodeSafetensors(tensors, { kind: opt.kind, step: String(opt.step), ...(from !== null ? { average_from: String(from) } : {}) });
}

/**
 * Writes (or replaces) a checkpoint directory as one unit. Refuses weights that are NaN or
 * infinite (NonFiniteWeightsError) and reports file-system failures (full disk, permissions,
 * a path that is a file) as one-line CheckpointErrors; either way the previous checkpoint stays.
 */
export function saveCheckpoint(dir: string, input: SaveInput): void {
  // Once averaging (nt-asgd, --average-at): the averaged weights are the model's while it is saved (the raw ones go to the optimizer file).
  if (input.trainer) input.trainer.withEvalWeights((raw) => save(dir, input, raw));
  else save(dir, input, null);
}

function save(dir: string, input: SaveInput, raw: Float32Array | null): void {
  const { model, trainer } = input;
  const bad = model.nonFiniteParam();
  if (bad) throw new NonFiniteWeightsError(`not saving a checkpoint: tensor '${bad.name}' holds ${bad.value} at index ${bad.index}`, bad.name);
  const step = trainer ? trainer.state.step : null;
  const files: [string, Uint8Array | string][] = [];
  files.push(['model.safetensors', encodeSafetensors(model.weightTensors(), { model: model.name, ...(step !== null ? { step: String(step) } : {}) })]);
  if (model.vocab) files.push(['vocab.json', JSON.stringify(model.vocab.toJSON()) + '\n']);
  if (trainer) {
    files.push(['optimizer.safetensors', optimizerBytes(model, trainer, raw)]);
    const curve = trainer.state.curve;
    const series = [
      { name: 'train', points: curve.filter((p) => p.train !== undefined).map((p) => ({ x: p.tokens, y: p.train! })) },
      { name: 'valid', points: curve.filter((p) => p.valid !== undefined).map((p) => ({ x: p.tokens, y: p.valid! })) },
    ];
    files.push(['curve.svg', curveSvg(series, { title: `${model.name}: loss (nats/token)`, xLabel: 'tokens seen', yLabel: 'loss' })]);
  }
  const digests: Record<string, string> = {};
  for (const [name, data] of files) if (name !== 'curve.svg') digests[name] = sha256(data);
  const dims: Record<string, number> = {};
  for (const [k, v] of Object.entries(model.ir.dims)) if (typeof v === 'number') dims[k] = v;
  const config: CheckpointConfig = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    rnnc: input.version,
    saved: new Date().toISOString(),
    step,
    files: digests,
    model: { file: model.file, name: model.name, dims, sources: model.sources },
    data: input.data ?? null,
    initSeed: input.initSeed,
    initScale: input.initScale ?? null,
    train: trainer ? trainer.options : null,
    trainer: trainer ? trainer.state : null,
    validation: input.validation ?? null,
  };
  files.push(['config.json', JSON.stringify(config, null, 2) + '\n']);
  commitCheckpoint(dir, files, { best: input.best ?? 'keep' });
}

export interface LoadedCheckpoint {
  /** The directory read (an interrupted save's set-aside previous checkpoint, see warnings). */
  dir: string;
  config: CheckpointConfig;
  model: LanguageModel;
  /** The optimizer buffers and carried states, when the checkpoint has them and they were asked for. */
  optimizer: OptimizerState | null;
  carried: Float32Array[] | null;
  /** nt-asgd while averaging: the raw training weights (the model holds the averaged ones); else null. */
  trainWeights: Float32Array | null;
  /** Things the user should know (an older checkpoint without digests, a recovered save). */
  warnings: string[];
}

function decode(bytes: Uint8Array, what: string) {
  try {
    return decodeSafetensors(bytes, what);
  } catch (e) {
    throw new CheckpointError(e instanceof SafetensorsError ? e.message : String(e));
  }
}

/**
 * Reads a checkpoint: the model (compiled from the sources it stores), weights, vocabulary,
 * and (unless `optimizer: false`, as eval and sample ask) the optimizer state. Every file is
 * checked against the digests in config.json; NaN or infinite weights are refused.
 */
export function loadCheckpoint(dir: string, options: { optimizer?: boolean } = {}): LoadedCheckpoint {
  const found = findCheckpoint(dir);
  const warnings = found.note ? [found.note] : [];
  const path = found.path;
  const config = readConfig(path, dir);
  if (!config.files) warnings.push(`${dir}: written by rnnc ${config.rnnc} without file digests, so its files cannot be checked to belong together; a save with this rnnc adds them`);
  const vocabBytes = readMember(path, dir, config, 'vocab.json');
  let vocab: Vocab | null = null;
  if (vocabBytes) {
    let json: unknown;
    try {
      json = JSON.parse(vocabBytes.toString('utf8'));
    } catch (e) {
      throw new CheckpointError(`${join(dir, 'vocab.json')}: not valid JSON (${(e as Error).message})`);
    }
    vocab = Vocab.fromJSON(json, join(dir, 'vocab.json'));
  }
  let model: LanguageModel;
  try {
    const { ir, sources } = loadIR(config.model.file, { dims: config.model.dims, model: config.model.name, sources: config.model.sources, vocab: vocab ?? undefined });
    model = new LanguageModel(ir, { file: config.model.file, sources, vocab });
  } catch (e) {
    throw new CheckpointError(`${dir}: its model does not compile any more:\n${(e as Error).message}`);
  }
  const weightsPath = join(dir, 'model.safetensors');
  const weights = readMember(path, dir, config, 'model.safetensors');
  if (!weights) throw new CheckpointError(`${dir}: model.safetensors is missing`);
  try {
    model.loadWeights(decode(weights, weightsPath).tensors, 'model.safetensors');
  } catch (e) {
    throw new CheckpointError(`${dir}: ${(e as Error).message}`);
  }
  let optimizer: OptimizerState | null = null;
  let carried: Float32Array[] | null = null;
  let trainWeights: Float32Array | null = null;
  const optPath = join(dir, 'optimizer.safetensors');
  const optBytes = options.optimizer !== false && config.train && config.trainer ? readMember(path, dir, config, 'optimizer.safetensors') : null;
  if (optBytes && config.train && config.trainer) {
    const file = decode(optBytes, optPath);
    if (Number(file.metadata.step) !== config.trainer.step) throw new CheckpointError(`${optPath}: holds the optimizer of step ${file.metadata.step}, but config.json is at step ${config.trainer.step}; the files are of different saves`);
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
    trainWeights = buffers.get('raw') ?? null;
    buffers.delete('raw');
    const from = file.metadata.average_from;
    if (from !== undefined && Number(from) < Number(file.metadata.step ?? 0) && !trainWeights) throw new CheckpointError(`${optPath}: averages the weights (nt-asgd or --average-at) but holds no raw training weights 'raw/…' to resume from`);
    optimizer = { kind: file.metadata.kind as OptimizerKind, step: Number(file.metadata.step ?? 0), tensors: Object.fromEntries(buffers), ...(from !== undefined ? { averageFrom: Number(from) } : {}) };
    const B = config.train.batch;
    carried = model.layout.states.map((st) => {
      const t = file.tensors.get(`carried/${st.name}`);
      if (!t || t.data.length !== B * st.size) throw new CheckpointError(`${optPath}: no carried state '${st.name}' of ${B} × ${st.size} values`);
      return Float32Array.from(t.data);
    });
  }
  return { dir: path, config, model, optimizer, carried, trainWeights, warnings };
}
