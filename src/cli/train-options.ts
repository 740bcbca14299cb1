// The options of `rnnc train`: their table (flags, help, parsers, defaults) and their
// translation into TrainOptions, apart from the command's action so each stays short.
import type { Command } from 'commander';
import type { TrainOptions } from '../runtime/train/trainer.ts';
import { isOptimizerKind, OPTIMIZER_KINDS } from '../runtime/optim/optimizers.ts';
import type { ScheduleSpec } from '../runtime/optim/schedule.ts';
import { UserError } from './common.ts';
import { parseDims, parseFraction as fraction, parseNonNegative as nonNegative, parseNumber, parsePositiveInt, parseSeed } from './options.ts';

export interface Opts {
  data?: string;
  valid?: string;
  split?: number;
  level: string;
  minCount: number;
  maxVocab?: number;
  dims?: Map<string, number>;
  model?: string;
  batch: number;
  bptt: number;
  optimizer: string;
  lr?: number;
  clip: number;
  weightDecay: number;
  momentum?: number;
  nonmono: number;
  averageAt?: number;
  lossScale: string;
  matmul: string;
  bf16After: number;
  shiftWindows?: boolean;
  averageWindow?: number;
  lrSchedule: string;
  lrDecay?: number;
  decayAfter: number;
  epochs?: number;
  steps?: number;
  minutes?: number;
  evalEvery: number;
  patience: number;
  seed: number;
  initScale?: number;
  out?: string;
  resume?: string;
  json?: boolean;
  logEvery: number;
  sample: number;
  temperature: number;
  test?: string;
}

const positive = parseNumber('expected a number > 0', (n) => n > 0);
const unitInterval = parseNumber('expected a fraction between 0 and 1', (n) => n >= 0 && n <= 1);
const nonNegativeInt = parseNumber('expected an integer ≥ 0', (n) => Number.isInteger(n) && n >= 0);

function schedule(o: Opts): ScheduleSpec {
  switch (o.lrSchedule) {
    case 'constant':
      return { kind: 'constant' };
    case 'decay':
      return { kind: 'decay', factor: o.lrDecay ?? 0.5, after: o.decayAfter };
    case 'plateau':
      return { kind: 'plateau', factor: o.lrDecay ?? 0.25, patience: 0 };
    case 'cosine':
      return { kind: 'cosine', final: o.lrDecay ?? 0.1 };
    default:
      throw new UserError(`--lr-schedule must be constant, decay, plateau or cosine, not "${o.lrSchedule}"`);
  }
}

export function trainOptions(o: Opts): TrainOptions {
  if (!isOptimizerKind(o.optimizer)) throw new UserError(`--optimizer must be one of ${OPTIMIZER_KINDS.join(', ')}, not "${o.optimizer}"`);
  if (o.lossScale !== 'mean' && o.lossScale !== 'sum') throw new UserError(`--loss-scale must be mean or sum, not "${o.lossScale}"`);
  if (o.matmul !== 'float32' && o.matmul !== 'bf16') throw new UserError(`--matmul must be float32 or bf16, not "${o.matmul}"`);
  if (o.bf16After > 0 && o.matmul !== 'bf16') throw new UserError(`--bf16-after ${o.bf16After} says when bf16 products begin; add --matmul bf16`);
  if (o.averageWindow !== undefined && o.averageAt === undefined && o.optimizer !== 'nt-asgd') throw new UserError(`--average-window ${o.averageWindow} weighs the averaged steps; add --average-at (or use --optimizer nt-asgd)`);
  const budgets = o.epochs === undefined && o.steps === undefined && o.minutes === undefined;
  return {
    batch: o.batch,
    bptt: o.bptt,
    optimizer: o.optimizer,
    lr: o.lr,
    clip: o.clip,
    weightDecay: o.weightDecay,
    hyper: o.momentum !== undefined ? { momentum: o.momentum } : {},
    lossScale: o.lossScale,
    matmul: o.matmul,
    bf16After: o.bf16After,
    shiftWindows: o.shiftWindows ?? false,
    averageWindow: o.averageWindow ?? null,
    schedule: schedule(o),
    epochs: o.epochs,
    steps: o.steps,
    // No budget given: a few minutes, enough to see the model learn.
    minutes: budgets ? 5 : o.minutes,
    evalEvery: o.evalEvery,
    patience: o.patience,
    seed: o.seed,
    nonmono: o.nonmono,
    averageAt: o.averageAt,
  };
}

/** Adds `rnnc train`'s options to its command. */
export function addTrainOptions(cmd: Command): Command {
  return cmd
    .option('--data <file>', 'training text (UTF-8); default: the bundled tiny Shakespeare')
    .option('--valid <file>', 'validation text (default: the last 10% of --data, see --split)')
    .option('--split <fraction>', 'train on the first fraction of --data, validate on the rest (default 0.9 without --valid)', fraction)
    .option('--level <char|word>', 'tokenisation: characters, or whitespace-separated words with <eos> at each line end', 'char')
    .option('--min-count <n>', 'word level: words seen fewer times become <unk>', parsePositiveInt, 1)
    .option('--max-vocab <n>', 'word level: keep at most n tokens (the most frequent), <eos> and <unk> included', parsePositiveInt)
    .option('--dims <name=value,...>', 'bind or override model dims (vocab comes from the data)', parseDims)
    .option('--model <name>', 'which model, when the file has several')
    .option('--batch <n>', 'parallel streams', parsePositiveInt, 32)
    .option('--bptt <n>', 'window length: steps of truncated backpropagation through time', parsePositiveInt, 64)
    .option('--optimizer <name>', OPTIMIZER_KINDS.join(' | '), 'adam')
    .option('--lr <rate>', 'learning rate (default: 2e-3 for adam, else the optimizer\'s PyTorch default)', positive)
    .option('--clip <norm>', 'clip the global gradient norm to this (0: off)', nonNegative, 5)
    .option('--weight-decay <l2>', 'L2 weight decay', nonNegative, 0)
    .option('--momentum <mu>', 'momentum for momentum, nesterov and rmsprop', nonNegative)
    .option('--nonmono <n>', 'nt-asgd: average the weights from the first validation worse than the best before the last n', nonNegativeInt, 5)
    .option('--average-at <fraction>', 'average the weights from this fraction of the budget on (e.g. 0.7: the last 30 % of --minutes); nt-asgd: unless validation triggered it before', unitInterval)
    .option('--average-window <epochs>', 'with averaging: once it has averaged this many epochs, weigh the steps by an exponential moving average over about as many, which follows the improving weights (default: the mean of every step since the switch)', positive)
    .option('--loss-scale <mean|sum>', 'differentiate the per-token mean (mean), or the sum over the window\'s T steps of the batch mean (sum: TensorFlow\'s and Zaremba\'s convention)', 'mean')
    .option('--matmul <precision>', 'float32 | bf16: the training windows\' matrix products read inputs rounded to bfloat16 and sum in float32 (1.4–1.5× the chars per second measured on a Zen 4 CPU; AVX512-BF16 CPUs only; validation, eval and sampling stay float32)', 'float32')
    .option('--bf16-after <epochs>', 'with --matmul bf16: multiply in float32 for the first this many epochs (fractions count steps), then in bf16; bfloat16 rounding costs most early (README, "Training")', nonNegative, 0)
    .option('--shift-windows', 'start each epoch\'s windows a random number of steps in [0, bptt) later (from --seed and the epoch), so truncated BPTT cuts the text at other places every epoch (one window fewer per epoch)')
    .option('--lr-schedule <kind>', 'constant | decay (×--lr-decay each epoch after --decay-after) | plateau (÷4 when validation does not improve) | cosine (every step, along a half cosine to --lr-decay × --lr at the budget\'s end)', 'constant')
    .option('--lr-decay <factor>', 'the factor of --lr-schedule decay (default 0.5) or plateau (default 0.25); cosine: the final rate as a fraction of --lr (default 0.1)', fraction)
    .option('--decay-after <epochs>', 'epochs at the initial rate before decay starts', nonNegativeInt, 4)
    .option('--epochs <n>', 'budget: epochs, counted from the start of the run', parsePositiveInt)
    .option('--steps <n>', 'budget: optimizer steps, counted from the start of the run', parsePositiveInt)
    .option('--minutes <m>', 'budget: minutes of training in this invocation (default 5 when no budget is given; with --resume, that many more)', positive)
    .option('--eval-every <steps>', 'also validate every this many steps (0: at epoch ends only)', nonNegativeInt, 0)
    .option('--patience <n>', 'early stopping: stop after n validations without improvement (0: off)', nonNegativeInt, 0)
    .option('--seed <n>', 'seed of initialisation, dropout and the final sample', parseSeed, 0)
    .option('--init-scale <a>', 'initialise every parameter uniform(-a, a), overriding the model\'s init annotations (Zaremba: 0.1)', positive)
    .option('--out <dir>', 'checkpoint directory (default: a new directory under runs/)')
    .option('--resume <dir>', 'continue a run from its checkpoint exactly where it stopped')
    .option('--test <file>', 'at the end, report the loss and perplexity of the best checkpoint on this text')
    .option('--json', 'progress as one JSON object per line')
    .option('--log-every <steps>', 'progress lines (not the bar) every this many steps (default 10, and at most one line per 2 s unless given)', parsePositiveInt, 10)
    .option('--sample <n>', 'tokens to sample at the end (0: none)', nonNegativeInt, 300)
    .option('--temperature <t>', 'temperature of that sample', positive, 0.8);
}
