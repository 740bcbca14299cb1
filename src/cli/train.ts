// rnnc train MODEL — train a language model on a text corpus, with progress, validation,
// checkpoints, resumption, and a sample at the end. Thin over runtime/train.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { compile, LanguageModel, loadIR } from '../runtime/model.ts';
import { prepareData, type DataSettings } from '../runtime/data/prepare.ts';
import { Trainer, DivergedError, type TrainOptions } from '../runtime/train/trainer.ts';
import { addTrainOptions, trainOptions, type Opts } from './train-options.ts';
import { fmtInt, fmtTime, planLine, Reporter } from './train-report.ts';
import { BEST_DIR, CheckpointError, loadCheckpoint, NonFiniteWeightsError, saveCheckpoint, type DataConfig } from '../runtime/train/checkpoint.ts';
import { readConfig } from '../runtime/train/checkpoint-config.ts';
import { readCorpus } from '../runtime/data/corpus.ts';
import type { EvalResult } from '../runtime/evaluate.ts';
import { changedOptions, resumeTorch, torchRun } from './train-resume.ts';
import type { IRInit } from '../ir/types.ts';
import { notNextToken } from '../ir/next-token.ts';
import { loadModel, UserError } from './common.ts';
import { VERSION } from './version.ts';
import { DEFAULT_RECIPE, defaultRecipe } from './default-recipe.ts';

/** The corpus bundled with rnnc: tiny Shakespeare (public domain). */
export const BUNDLED_CORPUS = fileURLToPath(new URL('../../data/tinyshakespeare/input.txt', import.meta.url));

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

interface BestCheckpoint {
  dir: string;
  step: number;
  /** Its validation loss (what made it the best). */
  loss: number | null;
}

/** What DIR/best holds, read from its own config.json; null when the run has none. */
function bestCheckpoint(outDir: string): BestCheckpoint | null {
  const dir = join(outDir, BEST_DIR);
  if (!existsSync(dir)) return null;
  const c = readConfig(dir);
  return { dir, step: c.trainer?.step ?? c.step ?? 0, loss: c.trainer?.bestValid ?? null };
}

/** The test text's loss under the best checkpoint (by validation), else the final weights, measured as validation is. */
function testBest(best: BestCheckpoint | null, file: string, last: LanguageModel, protocol: { batch: number; window: number }, lastStep: number): { what: string; step: number; result: EvalResult } {
  const model = best ? loadCheckpoint(best.dir, { optimizer: false }).model : last;
  const tokens = model.encode(readCorpus(file, 'test text'), file);
  if (tokens.length < 2) throw new UserError(`${file}: ${tokens.length} token; a test needs at least 2`);
  const result = model.evaluate(tokens, { batch: protocol.batch, window: protocol.window });
  return { what: best ? 'best checkpoint' : 'final weights', step: best?.step ?? lastStep, result };
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
  const best = bestCheckpoint(outDir);
  const test = o.test ? testBest(best, o.test, model, validation, s.step) : null;
  const epoch = s.epoch + (s.epochStep > 0 ? 1 : 0); // the epoch under way, as the progress lines count
  if (mode === 'json') {
    const t = test ? { best_step: test.step, test_loss: test.result.loss, test_ppl: test.result.perplexity, test_bits: test.result.bits } : {};
    const b = best ? { best_step: best.step, best_valid_loss: best.loss } : {};
    rep.emit({ event: 'end', reason: result.reason, step: s.step, epoch, tokens: s.tokens, seconds: +s.seconds.toFixed(1), loss: result.lastLoss, ...(valid ? { valid_loss: valid.loss, valid_ppl: valid.perplexity, valid_bits: valid.bits } : {}), ...t, ...b, out: outDir });
  } else {
    console.log(`\nstopped after step ${s.step} (${why}); ${fmtInt(s.tokens)} tokens in ${fmtTime(s.seconds)}`);
    if (valid) console.log(`valid loss ${valid.loss.toFixed(4)} nats/${unit}, perplexity ${valid.perplexity.toFixed(2)}, ${valid.bits.toFixed(4)} bits/${unit} (${validation.batch} streams)`);
    if (test) {
      const r = test.result;
      console.log(`test (${test.what}, step ${test.step}) on ${o.test}: loss ${r.loss.toFixed(4)} nats/${unit}, perplexity ${r.perplexity.toFixed(2)}, ${r.bits.toFixed(4)} bits/${unit}`);
    }
    // Name the best's step and loss when it is not the final weights (e.g. averaging past the point of overfitting).
    const older = best && best.step !== s.step && best.loss !== null ? `, step ${best.step}: valid loss ${best.loss.toFixed(4)} nats/${unit}` : '';
    console.log(`checkpoint: ${outDir}${best ? ` (best by validation: ${best.dir}${older})` : ''}`);
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
  const cmd = program
    .command('train')
    .description('train a language model on a text corpus (default: tiny Shakespeare, bundled), with validation, checkpoints and a sample at the end')
    .argument('[model]', `.rnn file with a model (default: the 5-minute tiny-Shakespeare recipe, ${DEFAULT_RECIPE.model}; not needed with --resume)`);
  addTrainOptions(cmd)
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
