// config.json of a checkpoint: its shape, its validation, and the SHA-256 digests that tie
// the other files of the set to it (a file from another save or another run is refused).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedTrainOptions, TrainerState } from './trainer.ts';
import { CheckpointError } from './checkpoint-error.ts';

export const CHECKPOINT_FORMAT = 'rnnc-checkpoint';
/** 2: config.json records the step and the digests of the files (1 had neither). */
export const CHECKPOINT_VERSION = 2;

/** How the training text was read, so a resumed run reads the same tokens. */
export interface DataConfig {
  kind: 'char' | 'word';
  train: string | null;
  valid: string | null;
  split: number | null;
  minCount: number;
  maxVocab: number | null;
}

/** How the validation losses of the run were measured (rnnc eval uses the same by default). */
export interface ValidationProtocol {
  /** Parallel streams. */
  batch: number;
  /** Steps per compiled window (speed only). */
  window: number;
}

export interface CheckpointConfig {
  format: typeof CHECKPOINT_FORMAT;
  version: 1 | 2;
  rnnc: string;
  saved: string;
  /** Optimizer steps the weights have had (null: weights saved without a trainer). Version 2. */
  step?: number | null;
  /** SHA-256 (hex) of each file of the set, by name. Version 2. */
  files?: Record<string, string>;
  model: { file: string; name: string; dims: Record<string, number>; sources: Record<string, string> };
  data: DataConfig | null;
  initSeed: number;
  /** --init-scale of the run's initialisation (null: the model's own inits; absent in older checkpoints). */
  initScale?: number | null;
  train: ResolvedTrainOptions | null;
  trainer: TrainerState | null;
  /** How the run validated (absent in checkpoints of older rnnc). */
  validation?: ValidationProtocol | null;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const isCount = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Reads and validates `dir/config.json`; `shown` is the directory as the user named it. */
export function readConfig(dir: string, shown = dir): CheckpointConfig {
  if (!existsSync(dir)) throw new CheckpointError(`${shown}: no such checkpoint directory`);
  if (!statSync(dir).isDirectory()) throw new CheckpointError(`${shown}: not a directory (a checkpoint is the directory rnnc train --out wrote)`);
  const path = join(dir, 'config.json');
  if (!existsSync(path)) throw new CheckpointError(`${shown}: no config.json, so not a complete rnnc checkpoint (an interrupted first save?)`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const c = json as Partial<CheckpointConfig>;
  if (c?.format !== CHECKPOINT_FORMAT || (c.version !== 1 && c.version !== 2)) {
    throw new CheckpointError(`${path}: not an rnnc checkpoint config this rnnc reads (format ${JSON.stringify(c?.format)}, version ${JSON.stringify(c?.version)})`);
  }
  if (!c.model || typeof c.model.file !== 'string' || typeof c.model.sources !== 'object' || c.model.sources === null) throw new CheckpointError(`${path}: the model section is missing or malformed`);
  if (c.version === 2) {
    if (c.step !== null && !isCount(c.step)) throw new CheckpointError(`${path}: "step" must be an integer ≥ 0, not ${JSON.stringify(c.step)}`);
    const files = c.files;
    if (typeof files !== 'object' || files === null || Object.values(files).some((d) => typeof d !== 'string' || !/^[0-9a-f]{64}$/.test(d)) || !('model.safetensors' in files)) {
      throw new CheckpointError(`${path}: "files" must give the SHA-256 of model.safetensors and the other files of the checkpoint`);
    }
  }
  const t = c.trainer;
  if (t !== null && t !== undefined) {
    if (typeof t !== 'object') throw new CheckpointError(`${path}: the trainer section is malformed`);
    for (const k of ['step', 'epoch', 'epochStep', 'tokens'] as const) {
      if (!isCount(t[k])) throw new CheckpointError(`${path}: trainer "${k}" must be an integer ≥ 0, not ${JSON.stringify(t[k])}`);
    }
    if (c.version === 2 && c.step !== t.step) throw new CheckpointError(`${path}: "step" is ${c.step} but the trainer's step is ${t.step}`);
  }
  return c as CheckpointConfig;
}

/**
 * The bytes of file `name` of the checkpoint in `dir`, checked against config.json's digest;
 * null when the file is absent. A version-1 config has no digests to check.
 */
export function readMember(dir: string, shown: string, config: CheckpointConfig, name: string): Buffer | null {
  const path = join(dir, name);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (config.files && name in config.files && name !== 'optimizer.safetensors') throw new CheckpointError(`${shown}: ${name} is missing (config.json lists it)`);
      return null;
    }
    throw new CheckpointError(`${join(shown, name)}: cannot read (${(e as Error).message})`);
  }
  if (config.files) {
    const want = config.files[name];
    if (want === undefined) throw new CheckpointError(`${shown}: ${name} is not part of this checkpoint (config.json does not list it); remove it or save the checkpoint again`);
    if (sha256(bytes) !== want) throw new CheckpointError(`${shown}: ${name} does not belong with the other files of this checkpoint (its SHA-256 differs from the one config.json records; copied from another save or run?)`);
  }
  return bytes;
}
