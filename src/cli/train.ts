// rnnc train MODEL — train a language model on a text corpus, with progress, validation,
// checkpoints, resumption, and a sample at the end. Thin over runtime/train.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { compile, LanguageModel, loadIR } from '../runtime/model.ts';
import { prepareData, type DataSettings } from '../runtime/data/prepare.ts';
import { Trainer, DivergedError, type TrainOptions } from '../runtime/train/trainer.ts';
import { fmtInt, fmtTime, planLine, Reporter } from './train-report.ts';
import { BEST_DIR, CheckpointError, loadCheckpoint, NonFiniteWeightsError, saveCheckpoint, type DataConfig } from '../runtime/train/checkpoint.ts';
import { readCorpus } from '../runtime/data/corpus.ts';
import type { EvalResult } from '../runtime/evaluate.ts';
import { changedOptions, resumeTorch, torchRun } from './train-resume.ts';
import { isOptimizerKind, OPTIMIZER_KINDS } from '../runtime/optim/optimizers.ts';
import type { ScheduleSpec } from '../runtime/optim/schedule.ts';
import type { IRInit } from '../ir/types.ts';
import { notNextToken } from '../ir/next-token.ts';
import { loadModel, UserError } from './common.ts';
import { parseDims, parsePositiveInt, parseSeed } from './options.ts';
import { VERSION } from './version.ts';
import { DEFAULT_RECIPE, defaultRecipe } from './default-recipe.ts';

/** The corpus bundled with rnnc: tiny Shakespeare (public domain). */
export const BUNDLED_CORPUS = fileURLToPath(new URL('../../data/tinyshakespeare/input.txt', import.meta.url));

interface Opts {
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

function parseNumber(what: string, check: (n: number) => boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${what}, got "${value}"`);
    return n;
  };
}
const positive = parseNumber('expected a number > 0', (n) => n > 0);
const nonNegative = parseNumber('expected a number ≥ 0', (n) => n >= 0);
const fraction = parseNumber('expected a fraction between 0 and 1', (n) => n > 0 && n < 1);
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

function trainOptions(o: Opts): TrainOptions {
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

/** A new directory under runs/ named after the model and the time. */
function defaultOut(name: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  let dir = join('runs', `${name.toLowerCase()}-${stamp}`);
  for (let i = 2; existsSync(dir); i++) dir = join('runs', `${name.toLowerCase()}-${stamp}-${i}`);
  return dir;
}

function dataSettings(o: Opts): DataSettings {
  if (o.level !== 'char' && o.level !== 'word') throw new UserError(`--level must be char or word, not "${o.level}"`);
  if (o.valid && o.split !== undefined) throw new UserError('give either --valid FILE or --split FRACTION, not both');
  return {
    kind: o.level,
    train: o.data ?? BUNDLED_CORPUS,
    valid: o.valid ?? null,
    split: o.valid ? null : (o.split ?? 0.9),
    minCount: o.minCount,
    maxVocab: o.maxVocab ?? null,
  };
}

/** The test text's loss under the best checkpoint (by validation), else the final weights, measured as validation is. */
function testBest(outDir: string, file: string, last: LanguageModel, protocol: { batch: number; window: number }, lastStep: number): { what: string; step: number; result: EvalResult } {
  const best = join(outDir, BEST_DIR);
  const ck = existsSync(best) ? loadCheckpoint(best, { optimizer: false }) : null;
  const model = ck?.model ?? last;
  const tokens = model.encode(readCorpus(file, 'test text'), file);
  if (tokens.length < 2) throw new UserError(`${file}: ${tokens.length} token; a test needs at least 2`);
  const result = model.evaluate(tokens, { batch: protocol.batch, window: protocol.window });
  return { what: ck ? 'best checkpoint' : 'final weights', step: ck?.config.step ?? lastStep, result };
}

async function action(file: string | undefined, o: Opts, cmd: Command): Promise<void> {
  const mode: 'bar' | 'lines' | 'json' = o.json ? 'json' : process.stderr.isTTY && !process.env.CI ? 'bar' : 'lines';
  // The unit is known once the data (or the checkpoint) is read; until then, from --level.
  let unit = o.level === 'word' ? 'token' : 'char';
  // Lines every --log-every steps when asked for; by default at most one per 2 s as well.
  const rep = new Reporter(mode, o.logEvery, unit, process.stderr, (line) => console.log(line), cmd.getOptionValueSource('logEvery') === 'cli' ? 0 : 2000);
  let model: LanguageModel;
  let trainer: Trainer;
  let data: DataConfig;
  let initSeed: number;
  let initScale: number | null = null;
  let outDir: string;

  if (o.resume) {
    // Resuming: the checkpoint fixes the model, data and hyper-parameters; budgets may be given anew.
    const ck = loadCheckpoint(o.resume);
    for (const w of ck.warnings) console.error(`note: ${w}`);
    const run = torchRun(ck.config, o.resume);
    if (run) {
      // Written by the PyTorch export's train.py: its settings, optimizer buffers and carried states.
      const r = resumeTorch(ck, run, o as unknown as Record<string, unknown>, cmd, BUNDLED_CORPUS);
      model = ck.model;
      trainer = r.trainer;
      data = r.data;
      initSeed = ck.config.initSeed;
      outDir = o.out ?? r.defaultOut;
      rep.say(`${r.message}; checkpoints go to ${outDir}`);
    } else {
      if (!ck.config.train || !ck.config.trainer || !ck.config.data) throw new UserError(`${o.resume}: holds weights only, no training state to resume`);
      if (!ck.optimizer) throw new UserError(`${o.resume}: optimizer.safetensors is missing, so the run cannot resume (eval and sample do not need it)`);
      const given = (k: string) => cmd.getOptionValueSource(k) === 'cli';
      const changed = changedOptions(o as unknown as Record<string, unknown>, cmd, ck.config, BUNDLED_CORPUS);
      if (changed.length) throw new UserError(`--resume continues the run as it was configured; these options differ from it: ${changed.join(', ')}`);
      if (file && resolve(file) !== resolve(ck.config.model.file)) rep.say(`note: resuming the model stored in ${o.resume} (from ${ck.config.model.file}); ${file} is not re-read`);
      model = ck.model;
      data = ck.config.data;
      const prepared = prepareData({ ...data, train: data.train ?? BUNDLED_CORPUS }, model.vocab ?? undefined);
      const t = ck.config.train;
      const budgets = given('epochs') || given('steps') || given('minutes');
      const opts: TrainOptions = { ...t, epochs: budgets ? o.epochs : (t.epochs ?? undefined), steps: budgets ? o.steps : (t.steps ?? undefined), minutes: budgets ? o.minutes : (t.minutes ?? undefined) };
      if (given('evalEvery')) opts.evalEvery = o.evalEvery;
      if (given('patience')) opts.patience = o.patience;
      if (given('averageAt')) opts.averageAt = o.averageAt; // like a budget, it may be set anew
      trainer = new Trainer(model, { train: prepared.train, valid: prepared.valid }, opts);
      trainer.restore(ck.config.trainer, ck.optimizer, ck.carried, ck.trainWeights);
      initSeed = ck.config.initSeed;
      initScale = ck.config.initScale ?? null;
      outDir = o.out ?? o.resume;
      rep.say(`resuming ${model.name} from ${o.resume} at step ${trainer.state.step} (epoch ${trainer.state.epoch + 1}); checkpoints go to ${outDir}`);
    }
  } else {
    if (!file) {
      const recipe = defaultRecipe(o as unknown as Record<string, unknown>, (k) => cmd.getOptionValueSource(k) === 'cli');
      file = recipe.file;
      rep.say(recipe.message);
    }
    if (cmd.getOptionValueSource('nonmono') === 'cli' && o.optimizer !== 'nt-asgd') throw new UserError(`--nonmono applies to --optimizer nt-asgd only (the optimizer is ${o.optimizer})`);
    const settings = dataSettings(o);
    // Check the model before reading data: a typo in the model should not wait for a corpus.
    // Diagnostics are printed as `check` prints them (each with its own location and "error:").
    const dims = new Map([...(o.dims ?? []), ['vocab', o.dims?.get('vocab') ?? 1]]);
    loadModel(file, dims, o.model);
    loadIR(file, { dims, model: o.model });
    const prepared = prepareData(settings);
    if (o.dims?.has('vocab') && o.dims.get('vocab') !== prepared.vocab.size) throw new UserError(`--dims vocab=${o.dims.get('vocab')} but the data has ${prepared.vocab.size} tokens; leave vocab out, it is bound from the data`);
    model = compile(file, { dims: o.dims, model: o.model, vocab: prepared.vocab });
    initSeed = o.seed;
    const override: IRInit | undefined = o.initScale !== undefined ? { name: 'uniform', args: [o.initScale] } : undefined;
    model.init(initSeed, override);
    initScale = o.initScale ?? null;
    trainer = new Trainer(model, { train: prepared.train, valid: prepared.valid }, trainOptions(o));
    data = { kind: settings.kind, train: o.data ? resolve(o.data) : null, valid: settings.valid ? resolve(settings.valid) : null, split: settings.split, minCount: settings.minCount, maxVocab: settings.maxVocab };
    outDir = o.out ?? defaultOut(model.name);
    const b = trainer.batches;
    const opt = trainer.options;
    rep.say(`training ${model.name} (${fmtInt(model.paramCount)} parameters) on ${o.data ?? 'tiny Shakespeare (bundled)'}: ${fmtInt(prepared.train.length)} ${settings.kind === 'char' ? 'characters' : 'tokens'}, vocabulary ${prepared.vocab.size}${prepared.valid ? `, ${fmtInt(prepared.valid.length)} for validation` : ''}`);
    rep.say(planLine(opt, b.count));
    rep.say(`checkpoints: ${outDir}`);
  }
  unit = rep.unit = model.vocab?.kind === 'word' ? 'token' : 'char';
  if (mode === 'json') rep.emit({ event: 'start', model: model.name, params: model.paramCount, out: outDir, step: trainer.state.step });

  // The step of the last checkpoint known complete in outDir, for the messages when a save fails.
  let savedStep: number | null = o.resume && resolve(outDir) === resolve(o.resume) ? trainer.state.step : null;
  const lastGood = () => (savedStep === null ? 'nothing was saved' : `the last good checkpoint, of step ${savedStep}, is in ${outDir}`);
  // A validation that set a new best makes the next save the best checkpoint too (DIR/best).
  let bestPending = false;
  const validation = { batch: trainer.options.evalBatch, window: trainer.options.bptt };
  const save = () => {
    try {
      saveCheckpoint(outDir, { model, trainer, data, initSeed, initScale, version: VERSION, best: bestPending ? 'self' : 'keep', validation });
      savedStep = trainer.state.step;
      bestPending = false;
    } catch (e) {
      if (e instanceof NonFiniteWeightsError) {
        throw new UserError(`training diverged: after step ${trainer.state.step} the weights are not finite (tensor '${e.param}'; lr ${trainer.schedule.lr}) and were not saved; ${lastGood()}. Try a lower --lr or --clip`);
      }
      if (e instanceof CheckpointError) throw new UserError(`${e.message}; ${lastGood()}`);
      throw e;
    }
  };
  save();

  // Ctrl-C: finish the step, save, exit 0. A second Ctrl-C quits at once (the last checkpoint stays).
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    rep.say('interrupted: saving a checkpoint (Ctrl-C again to quit without it)…');
  };
  process.on('SIGINT', onSigint);
  rep.start();
  let result;
  try {
    result = await trainer.run({
      onStep: (i) => rep.step(i),
      onValid: (v) => {
        bestPending ||= v.best;
        rep.valid(v);
      },
      onEpoch: (e, info) => rep.epoch(e, info),
      onAveraging: (step, why) => rep.averaging(step, why, trainer.options.nonmono, trainer.options.averageAt),
      onCheckpoint: save,
      shouldStop: () => interrupted,
    });
  } catch (e) {
    rep.stop();
    if (e instanceof DivergedError) throw new UserError(`${e.message}; ${lastGood()}`);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
  rep.stop();
  const s = result.state;
  const why = { epochs: 'epoch budget reached', steps: 'step budget reached', minutes: 'time budget reached', 'early-stopping': 'validation loss stopped improving', interrupted: 'interrupted' }[result.reason];
  let valid = result.lastValid;
  // The validation loss of the final weights (the last one measured may be older), recorded
  // in the curve and as the best when it is, before the final save.
  const lastValidStep = [...s.curve].reverse().find((p) => p.valid !== undefined)?.step;
  if (lastValidStep !== s.step) {
    valid = trainer.validate();
    if (valid) {
      s.curve.push({ tokens: s.tokens, step: s.step, valid: valid.loss });
      if (s.bestValid === null || valid.loss < s.bestValid) {
        s.bestValid = valid.loss;
        bestPending = true;
      }
    }
  }
  save();
  trainer.adoptEvalWeights(); // training is over: the test and the sample use the weights the checkpoint holds
  const test = o.test ? testBest(outDir, o.test, model, validation, s.step) : null;
  const epoch = s.epoch + (s.epochStep > 0 ? 1 : 0); // the epoch under way, as the progress lines count
  if (mode === 'json') {
    const t = test ? { best_step: test.step, test_loss: test.result.loss, test_ppl: test.result.perplexity, test_bits: test.result.bits } : {};
    rep.emit({ event: 'end', reason: result.reason, step: s.step, epoch, tokens: s.tokens, seconds: +s.seconds.toFixed(1), loss: result.lastLoss, ...(valid ? { valid_loss: valid.loss, valid_ppl: valid.perplexity, valid_bits: valid.bits } : {}), ...t, out: outDir });
  } else {
    console.log(`\nstopped after step ${s.step} (${why}); ${fmtInt(s.tokens)} tokens in ${fmtTime(s.seconds)}`);
    if (valid) console.log(`valid loss ${valid.loss.toFixed(4)} nats/${unit}, perplexity ${valid.perplexity.toFixed(2)}, ${valid.bits.toFixed(4)} bits/${unit} (${validation.batch} streams)`);
    if (test) {
      const r = test.result;
      console.log(`test (${test.what}, step ${test.step}) on ${o.test}: loss ${r.loss.toFixed(4)} nats/${unit}, perplexity ${r.perplexity.toFixed(2)}, ${r.bits.toFixed(4)} bits/${unit}`);
    }
    console.log(`checkpoint: ${outDir}${existsSync(join(outDir, BEST_DIR)) ? ` (best by validation: ${join(outDir, BEST_DIR)})` : ''}`);
  }
  // CBOW's and skip-gram's logits are no next-token distribution: no sample (rnnc sample refuses them too).
  const noSample = notNextToken(model.ir);
  if (o.sample > 0 && mode !== 'json' && model.vocab && noSample) console.log(`\nno sample: ${noSample}`);
  else if (o.sample > 0 && mode !== 'json' && model.vocab) {
    const g = model.sample({ length: o.sample, temperature: o.temperature, seed: o.seed, untilEos: false });
    console.log(`\nsample (temperature ${o.temperature}):\n${g.text}`);
  }
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a language model on a text corpus (default: tiny Shakespeare, bundled), with validation, checkpoints and a sample at the end')
    .argument('[model]', `.rnn file with a model (default: the 5-minute tiny-Shakespeare recipe, ${DEFAULT_RECIPE.model}; not needed with --resume)`)
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
    .option('--temperature <t>', 'temperature of that sample', positive, 0.8)
    .addHelpText(
      'after',
      `
Checkpoints (model.safetensors, optimizer.safetensors, vocab.json, config.json, curve.svg) are
written after every validation, at the end, and on Ctrl-C; --resume continues bit for bit.
DIR/best holds the checkpoint with the lowest validation loss.

Examples:
  rnnc train                                            # the default recipe: tiny Shakespeare, 5 minutes
  rnnc train models/char-lstm.rnn                       # your model (here a bundled one), 5 minutes
  rnnc train models/char-lstm.rnn --minutes 30 --out runs/shakespeare
  rnnc train models/word-lstm.rnn --level word --data ptb.train.txt --valid ptb.valid.txt \\
       --optimizer sgd --lr 1 --clip 5 --loss-scale sum --batch 20 --bptt 20 --init-scale 0.1 --epochs 13 --lr-schedule decay
  rnnc train --resume runs/shakespeare --minutes 10`,
    )
    .action((file: string | undefined, o: Opts, cmd: Command) => action(file, o, cmd));
}
