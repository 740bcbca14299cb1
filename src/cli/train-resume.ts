// `rnnc train --resume DIR`: the checkpoint fixes the data, model and hyper-parameters. An
// option given again with the run's own value is accepted; a different value is refused,
// naming each option, the value given and the run's. A checkpoint of the PyTorch export's
// train.py continues too (resumeTorch, below).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { CheckpointConfig, DataConfig, LoadedCheckpoint } from '../runtime/train/checkpoint.ts';
import { readMember } from '../runtime/train/checkpoint-config.ts';
import { Trainer, resolveTrainOptions, type TrainOptions } from '../runtime/train/trainer.ts';
import { isOptimizerKind, stateNames, type OptimizerKind } from '../runtime/optim/optimizers.ts';
import { decodeSafetensors, SafetensorsError } from '../runtime/safetensors.ts';
import { readCorpus, splitText } from '../runtime/data/corpus.ts';
import { UserError } from './common.ts';
import type { ScheduleSpec } from '../runtime/optim/schedule.ts';

/** The options --resume cannot change, with the value the run has for each. */
function runValues(c: CheckpointConfig, bundled: string): Record<string, unknown> {
  const d = c.data;
  const t = c.train;
  const sched = t?.schedule;
  return {
    data: d ? (d.train ?? bundled) : undefined,
    valid: d?.valid ?? undefined,
    split: d?.split ?? undefined,
    level: d?.kind,
    minCount: d?.minCount,
    maxVocab: d?.maxVocab ?? undefined,
    batch: t?.batch,
    bptt: t?.bptt,
    optimizer: t?.optimizer,
    lr: t?.lr,
    clip: t?.clip,
    weightDecay: t?.weightDecay,
    momentum: t?.hyper.momentum,
    nonmono: t ? (t.nonmono ?? 5) : undefined, // older checkpoints: the default
    lossScale: t?.lossScale,
    matmul: t ? (t.matmul ?? 'float32') : undefined, // older checkpoints: float32
    bf16After: t ? (t.bf16After ?? 0) : undefined, // older checkpoints: bf16 from the start
    shiftWindows: t ? (t.shiftWindows ?? false) : undefined, // older checkpoints: the same windows every epoch
    averageWindow: t ? (t.averageWindow ?? null) : undefined, // older checkpoints: the plain mean
    lrSchedule: sched?.kind,
    lrDecay: sched && sched.kind !== 'constant' ? (sched.kind === 'cosine' ? sched.final : sched.factor) : undefined,
    decayAfter: sched?.kind === 'decay' ? sched.after : undefined,
    seed: t?.seed,
    initScale: c.initScale ?? undefined,
  };
}

const flag = (k: string) => '--' + k.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase());
const show = (v: unknown) => (v === undefined ? 'none recorded' : typeof v === 'string' ? v : JSON.stringify(v));

/** "--batch 8 (the run has 4)" for each option given on the command line with another value than the run's. */
export function changedOptions(o: Record<string, unknown>, cmd: Command, config: CheckpointConfig, bundled: string): string[] {
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const run = runValues(config, bundled);
  const changes: string[] = [];
  for (const [k, has] of Object.entries(run)) {
    if (!given(k)) continue;
    const value = k === 'data' || k === 'valid' ? resolve(String(o[k])) : o[k];
    if (value !== has) changes.push(`${flag(k)} ${show(o[k])} (the run has ${show(has)})`);
  }
  if (given('dims')) {
    for (const [k, v] of o.dims as Map<string, number>) {
      const has = config.model.dims[k];
      if (v !== has) changes.push(`--dims ${k}=${v} (the run has ${has === undefined ? `no dim ${k}` : `${k}=${has}`})`);
    }
  }
  return changes;
}

// ---- Checkpoints written by the PyTorch export's train.py ----
// train.py records its run in config.json's "torch" section and its optimizer buffers (under
// PyTorch's buffer names, which are rnnc's) and carried states in torch-trainer.safetensors:
// from these the run continues in rnnc at the window where train.py stopped.

/** The file of optimizer buffers and carried states train.py writes beside model.safetensors. */
export const TORCH_TRAINER_FILE = 'torch-trainer.safetensors';

/** config.json's "torch" section: train.py's settings and where it stopped. */
export interface TorchRun {
  data: string;
  valid: string | null;
  kind: 'char' | 'word';
  batch: number;
  bptt: number;
  optimizer: OptimizerKind;
  lr: number;
  clip: number;
  weight_decay: number;
  momentum: number | null;
  loss_scale: 'mean' | 'sum';
  seed: number;
  eval_batch: number;
  step: number;
  optimizer_step: number;
  windows_per_epoch: number;
  seconds: number;
  ranks: number;
  dtype: string;
  /** Absent in checkpoints of older exports: constant, no split. */
  lr_schedule?: 'constant' | 'decay' | 'plateau' | 'cosine';
  /** plateau and cosine: the schedule's state where the run stopped (rnnc's ScheduleState). */
  schedule?: { epoch: number; lr: number; best: number | null; bad: number; progress?: number } | null;
  lr_decay?: number;
  decay_after?: number;
  split?: number | null;
  /** nt-asgd (absent in older exports): the trigger's interval and log; any optimizer: the step averaging began after. */
  nonmono?: number;
  nonmono_logs?: (number | null)[] | null;
  average_from?: number | null;
  /** --average-at of the run (absent in older exports). */
  average_at?: number | null;
  eval_every?: number;
}

/** The "torch" section of a checkpoint's config, checked; null when there is none. */
export function torchRun(config: CheckpointConfig, dir: string): TorchRun | null {
  const r = (config as { torch?: Partial<TorchRun> }).torch;
  if (r === undefined || r === null) return null;
  const bad = (what: string): never => {
    throw new UserError(`${join(dir, 'config.json')}: the "torch" section written by train.py is malformed (${what})`);
  };
  if (typeof r !== 'object') bad('not an object');
  for (const k of ['batch', 'bptt', 'step', 'optimizer_step', 'windows_per_epoch', 'eval_batch', 'seed'] as const) {
    if (!Number.isSafeInteger(r[k]) || (r[k] as number) < 0) bad(`"${k}" must be an integer ≥ 0`);
  }
  for (const k of ['lr', 'clip', 'weight_decay', 'seconds'] as const) if (typeof r[k] !== 'number') bad(`"${k}" must be a number`);
  if (typeof r.data !== 'string') bad('"data" must be a path');
  if (r.kind !== 'char' && r.kind !== 'word') bad('"kind" must be char or word');
  if (!isOptimizerKind(String(r.optimizer))) bad(`unknown optimizer ${JSON.stringify(r.optimizer)}`);
  if (r.loss_scale !== 'mean' && r.loss_scale !== 'sum') bad('"loss_scale" must be mean or sum');
  return r as TorchRun;
}

export interface TorchResume {
  trainer: Trainer;
  data: DataConfig;
  /** What to tell the user about the continuation. */
  message: string;
  /** Where checkpoints go without --out: beside train.py's, which rnnc does not overwrite (it holds train.py's files). */
  defaultOut: string;
}

/**
 * A Trainer that continues the run train.py recorded: its data, windows and hyper-parameters,
 * its optimizer buffers and step count, and the states it carried into its next window.
 * Options given on the command line must agree with the run's (as for rnnc's own checkpoints);
 * budgets, --eval-every and --patience may be given anew.
 */
/** The schedule train.py ran, as rnnc's spec (its defaults where the record has none). */
function torchSchedule(run: TorchRun): ScheduleSpec {
  switch (run.lr_schedule) {
    case 'decay':
      return { kind: 'decay', factor: run.lr_decay ?? 0.5, after: run.decay_after ?? 4 };
    case 'plateau':
      return { kind: 'plateau', factor: run.lr_decay ?? 0.25, patience: 0 };
    case 'cosine':
      return { kind: 'cosine', final: run.lr_decay ?? 0.1 };
    default:
      return { kind: 'constant' };
  }
}

export function resumeTorch(ck: LoadedCheckpoint, run: TorchRun, o: Record<string, unknown>, cmd: Command, bundled: string): TorchResume {
  const dir = String(o.resume);
  const model = ck.model;
  if (!model.vocab) throw new UserError(`${dir}: has no vocab.json, so its training text cannot be read`);
  const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
  const budgets = given('epochs') || given('steps') || given('minutes');
  const options: TrainOptions = {
    batch: run.batch,
    bptt: run.bptt,
    optimizer: run.optimizer,
    lr: run.lr,
    clip: run.clip,
    weightDecay: run.weight_decay,
    hyper: run.momentum !== null && run.momentum !== undefined ? { momentum: run.momentum } : {},
    lossScale: run.loss_scale,
    schedule: torchSchedule(run),
    // No budget given: a few more minutes, as rnnc train without one.
    epochs: budgets ? (o.epochs as number | undefined) : undefined,
    steps: budgets ? (o.steps as number | undefined) : undefined,
    minutes: budgets ? (o.minutes as number | undefined) : 5,
    evalBatch: run.eval_batch,
    seed: run.seed,
    evalEvery: given('evalEvery') ? (o.evalEvery as number) : (run.eval_every ?? 0),
    nonmono: run.nonmono ?? 5,
    averageAt: given('averageAt') ? (o.averageAt as number) : (run.average_at ?? null), // like a budget, it may be set anew
    ...(given('patience') ? { patience: o.patience as number } : {}),
  };
  const split = run.valid ? null : (run.split ?? null);
  const data: DataConfig = { kind: run.kind, train: run.data, valid: run.valid, split, minCount: 1, maxVocab: null };
  const resolved = resolveTrainOptions(options);
  const asConfig = { ...ck.config, data, train: resolved, initScale: ck.config.initScale ?? null } as CheckpointConfig;
  const changed = changedOptions(o, cmd, asConfig, bundled);
  if (changed.length) throw new UserError(`--resume continues the run train.py recorded; these options differ from it: ${changed.join(', ')}`);
  // The texts as train.py read them: tokenised with the checkpoint's vocabulary.
  const text = readCorpus(run.data, 'training text');
  const parts = split !== null ? splitText(text, split) : { train: text, valid: run.valid ? readCorpus(run.valid, 'validation text') : null };
  const train = model.encode(parts.train, run.data);
  const valid = parts.valid !== null ? model.encode(parts.valid, run.valid ?? `${run.data} (validation split)`) : null;
  const trainer = new Trainer(model, { train, valid }, options);
  const count = trainer.batches.count;
  if (count !== run.windows_per_epoch) throw new UserError(`${run.data} now gives ${count} windows per epoch (batch ${run.batch}, bptt ${run.bptt}); train.py had ${run.windows_per_epoch}: the text changed since the run`);

  const bytes = readMember(ck.dir, dir, ck.config, TORCH_TRAINER_FILE);
  if (!bytes) throw new UserError(`${dir}: ${TORCH_TRAINER_FILE} is missing, so the optimizer state and carried states of the run are not there`);
  let file;
  try {
    file = decodeSafetensors(bytes, join(dir, TORCH_TRAINER_FILE));
  } catch (e) {
    throw new UserError(e instanceof SafetensorsError ? e.message : String(e));
  }
  const where = join(dir, TORCH_TRAINER_FILE);
  const buffers: Record<string, Float32Array> = {};
  for (const [key, t] of file.tensors) {
    const slash = key.indexOf('/');
    const buf = key.slice(0, slash);
    if (buf === 'carried') continue;
    const slot = model.layout.params.find((p) => p.name === key.slice(slash + 1));
    if (!slot || t.data.length !== slot.size) throw new UserError(`${where}: tensor '${key}' does not fit model ${model.name}`);
    (buffers[buf] ??= new Float32Array(model.layout.totalParams)).set(t.data, slot.offset);
  }
  // Once averaging (nt-asgd, or --average-at with any optimizer): the average ax is a buffer beside the optimizer's, the raw weights are trained on.
  const averageFrom = run.average_from ?? null;
  const trainWeights = buffers.raw ?? null;
  delete buffers.raw;
  const averaged = averageFrom !== null && averageFrom < run.optimizer_step; // switched with a step since: the average exists
  if (averaged && !trainWeights) throw new UserError(`${where}: averages the weights but holds no raw training weights 'raw/…'`);
  const want = [...stateNames(run.optimizer, options.hyper), ...(averaged ? ['ax'] : [])];
  const got = Object.keys(buffers).sort();
  if (got.join() !== [...want].sort().join()) throw new UserError(`${where}: ${run.optimizer} keeps the buffers [${want.join(', ')}], the file has [${got.join(', ')}]`);
  const carried = model.layout.states.map((st) => {
    const t = file.tensors.get(`carried/${st.name}`);
    if (!t || t.data.length !== run.batch * st.size) throw new UserError(`${where}: no carried state '${st.name}' of ${run.batch} × ${st.size} values`);
    return Float32Array.from(t.data);
  });
  const state = structuredClone(trainer.state);
  Object.assign(state, { step: run.step, epoch: Math.floor(run.step / count), epochStep: run.step % count, tokens: run.step * run.batch * run.bptt, seconds: run.seconds });
  state.schedule.epoch = state.epoch;
  state.schedule.lr = trainer.schedule.lrFor(state.epoch + 1);
  if (run.lr_schedule === 'plateau') {
    const sc = run.schedule;
    if (!sc || !(typeof sc.lr === 'number' && sc.lr > 0) || !(sc.best === null || typeof sc.best === 'number') || !Number.isInteger(sc.bad)) throw new UserError(`${join(dir, 'config.json')}: the run uses --lr-schedule plateau but records no valid "schedule" state`);
    Object.assign(state.schedule, { lr: sc.lr, best: sc.best, bad: sc.bad });
  }
  if (run.lr_schedule === 'cosine') {
    const p = run.schedule?.progress;
    if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new UserError(`${join(dir, 'config.json')}: the run uses --lr-schedule cosine but records no valid "schedule" progress`);
    Object.assign(state.schedule, { lr: trainer.schedule.lrAt(p), progress: p });
  }
  if (run.optimizer === 'nt-asgd') state.nonmono = { logs: (run.nonmono_logs ?? []).map((v) => (v === null ? NaN : v)) };
  trainer.restore(state, { kind: run.optimizer, step: run.optimizer_step, tensors: buffers, averageFrom }, carried, trainWeights);
  const message =
    `resuming ${model.name} from ${dir}, written by the PyTorch export's train.py (${run.ranks} rank(s), ${run.dtype}) at step ${run.step} (epoch ${state.epoch + 1}, window ${state.epochStep + 1} of ${count}): ` +
    `its ${run.optimizer} state (${want.length ? want.join(', ') : 'no buffers'}, step ${run.optimizer_step}) and carried states continue in rnnc (float32)`;
  let out = `${dir.replace(/\/+$/, '')}-rnnc`;
  for (let i = 2; existsSync(out); i++) out = `${dir.replace(/\/+$/, '')}-rnnc-${i}`;
  return { trainer, data, message, defaultOut: out };
}
