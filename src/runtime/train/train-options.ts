// Options of the training loop (Trainer), their defaults and their checks.
import { DEFAULT_LR, type OptimizerHyper, type OptimizerKind } from '../optim/optimizers.ts';
import { DEFAULT_NONMONO } from '../optim/nt-asgd.ts';
import type { ScheduleSpec } from '../optim/schedule.ts';
import type { MatmulPrecision } from './matmul.ts';

export interface TrainOptions {
  /** Parallel streams (default 32). */
  batch?: number;
  /** Window length, the truncation of BPTT (default 64). */
  bptt?: number;
  optimizer?: OptimizerKind;
  /** Learning rate (default: 2e-3 for adam, else the optimizer's PyTorch default). */
  lr?: number;
  /** Global-norm clipping threshold; 0 turns it off (default 5). */
  clip?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
  /** Extra optimizer settings (momentum, betas, eps…). */
  hyper?: OptimizerHyper;
  /**
   * 'mean' (default): differentiate the mean cross-entropy per token. 'sum': the sum over the
   * T steps of the batch mean (T × mean), as TensorFlow's ptb_word_lm and Zaremba et al. do,
   * so their `--lr 1 --clip 5` mean what they meant there.
   */
  lossScale?: 'mean' | 'sum';
  schedule?: ScheduleSpec;
  /**
   * Budgets; training stops at the first one reached (default: 1 epoch when none is given).
   * Steps and epochs count from the start of the run, minutes from the start of this call.
   */
  epochs?: number | null;
  steps?: number | null;
  minutes?: number | null;
  /** Validate every this many steps too (0: only at epoch ends). */
  evalEvery?: number;
  /** Stop after this many validations without improvement (0: never). */
  patience?: number;
  /** Streams used to evaluate the validation text (default 16). */
  evalBatch?: number;
  /** Seed of the dropout masks (initialisation is the model's own `init(seed)`). */
  seed?: number;
  /** nt-asgd: start averaging when validation is worse than the best before the last this many (default 5). */
  nonmono?: number;
  /**
   * Start averaging the weights once this fraction of the budget is spent (0…1; the budget
   * that ends first by the progress measure): for nt-asgd, if validation has not triggered it
   * before (an hour's run is too short for validation to stop improving; the average still
   * pays); for the other optimizers, tail averaging. Validation and checkpoints use the average.
   */
  averageAt?: number | null;
  /** The training windows' matrix products: float32 (default), or bf16 inputs with float32 sums (matmul.ts). */
  matmul?: MatmulPrecision;
  /**
   * With matmul bf16: the first this many epochs (a fraction counts steps of an epoch) multiply
   * in float32, the rest in bf16 — bfloat16's rounding costs most while the model learns fastest
   * (matmul.ts). 0 (default): bf16 from the first step.
   */
  bf16After?: number;
  /**
   * Each epoch, start every window a number of steps in [0, bptt) later, drawn from (seed, epoch),
   * so truncated BPTT cuts the text at other places each epoch (batches.ts); an epoch then has
   * ⌊(L − bptt) / bptt⌋ windows, at most one fewer. Default false: the same windows every epoch.
   */
  shiftWindows?: boolean;
  /**
   * With averaging (averageAt, nt-asgd): after this many epochs of it, each step's weights
   * count 1/W (W the window in steps) instead of 1/k — an exponential moving average that
   * follows the still-improving weights, where the plain mean weighs the oldest alike. null
   * (default): the plain mean of every step since the switch.
   */
  averageWindow?: number | null;
}

export type ResolvedTrainOptions = Required<Omit<TrainOptions, 'hyper' | 'epochs' | 'steps' | 'minutes' | 'averageAt'>> & {
  averageAt: number | null;
  hyper: OptimizerHyper;
  epochs: number | null;
  steps: number | null;
  minutes: number | null;
};

export function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions {
  const optimizer = o.optimizer ?? 'adam';
  const r: ResolvedTrainOptions = {
    batch: o.batch ?? 32,
    bptt: o.bptt ?? 64,
    optimizer,
    lr: o.lr ?? (optimizer === 'adam' ? 2e-3 : DEFAULT_LR[optimizer]),
    clip: o.clip ?? 5,
    weightDecay: o.weightDecay ?? 0,
    hyper: o.hyper ?? {},
    lossScale: o.lossScale ?? 'mean',
    schedule: o.schedule ?? { kind: 'constant' },
    epochs: o.epochs ?? null,
    steps: o.steps ?? null,
    minutes: o.minutes ?? null,
    evalEvery: o.evalEvery ?? 0,
    patience: o.patience ?? 0,
    evalBatch: o.evalBatch ?? 16,
    seed: o.seed ?? 0,
    nonmono: o.nonmono ?? DEFAULT_NONMONO,
    averageAt: o.averageAt ?? null,
    matmul: o.matmul ?? 'float32',
    bf16After: o.bf16After ?? 0,
    shiftWindows: o.shiftWindows ?? false,
    averageWindow: o.averageWindow ?? null,
  };
  if (r.epochs === null && r.steps === null && r.minutes === null) r.epochs = 1;
  const posInt = (v: number, what: string) => {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${what} must be a positive integer (got ${v})`);
  };
  posInt(r.batch, 'batch');
  posInt(r.bptt, 'bptt');
  posInt(r.evalBatch, 'eval batch');
  if (r.epochs !== null) posInt(r.epochs, 'epochs');
  if (r.steps !== null) posInt(r.steps, 'steps');
  if (r.minutes !== null && !(r.minutes > 0)) throw new RangeError(`minutes must be > 0 (got ${r.minutes})`);
  if (!(r.lr > 0 && Number.isFinite(r.lr))) throw new RangeError(`learning rate must be a positive number (got ${r.lr})`);
  if (!(r.clip >= 0 && Number.isFinite(r.clip))) throw new RangeError(`clip must be ≥ 0 (got ${r.clip})`);
  if (!(Number.isInteger(r.evalEvery) && r.evalEvery >= 0)) throw new RangeError(`eval-every must be an integer ≥ 0 (got ${r.evalEvery})`);
  if (!(Number.isInteger(r.patience) && r.patience >= 0)) throw new RangeError(`patience must be an integer ≥ 0 (got ${r.patience})`);
  if (!(Number.isInteger(r.nonmono) && r.nonmono >= 0)) throw new RangeError(`nonmono must be an integer ≥ 0 (got ${r.nonmono})`);
  if (r.matmul !== 'float32' && r.matmul !== 'bf16') throw new RangeError(`matmul must be float32 or bf16 (got ${String(r.matmul)})`);
  if (!(r.bf16After >= 0 && Number.isFinite(r.bf16After))) throw new RangeError(`bf16-after must be a number of epochs ≥ 0 (got ${r.bf16After})`);
  if (r.bf16After > 0 && r.matmul !== 'bf16') throw new RangeError(`bf16-after is when bf16 products begin; it needs matmul bf16 (this run multiplies in ${r.matmul})`);
  if (r.averageWindow !== null && !(r.averageWindow > 0 && Number.isFinite(r.averageWindow))) throw new RangeError(`average-window must be a number of epochs > 0 (got ${r.averageWindow})`);
  if (r.averageWindow !== null && r.averageAt === null && r.optimizer !== 'nt-asgd') throw new RangeError('average-window weighs the averaged steps; it needs averaging (average-at, or the nt-asgd optimizer)');
  if (typeof r.shiftWindows !== 'boolean') throw new RangeError(`shiftWindows must be true or false (got ${String(r.shiftWindows)})`);
  if (r.averageAt !== null && !(r.averageAt >= 0 && r.averageAt <= 1)) throw new RangeError(`average-at must be a fraction of the budget in [0, 1] (got ${r.averageAt})`);
  return r;
}
