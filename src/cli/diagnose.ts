// rnnc diagnose CKPT|MODEL.rnn … — vanishing and exploding gradients measured on real
// windows (src/diagnose/): ‖∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾‖ against ℓ per state, its decay, the spectral norm
// of each recurrent matrix beside the lecture's bound, saturated gates; a table, an SVG, JSON.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { diagnose } from '../diagnose/measure.ts';
import { DiagnoseError } from '../diagnose/probe.ts';
import { json, plot, table, type Labelled } from '../diagnose/report.ts';
import { trainingGradients, trainingPlot, trainingTable, type TrainingGradients } from '../diagnose/training.ts';
import { readCorpus } from '../runtime/data/corpus.ts';
import { buildVocab } from '../runtime/data/tokenize.ts';
import { compile, type LanguageModel } from '../runtime/model.ts';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { UserError } from './common.ts';
import { parseDims, parsePositiveInt, parseSeed } from './options.ts';
import { PACKAGE_ROOT } from './resolve-model.ts';

interface Opts {
  data?: string;
  level: 'char' | 'word';
  dims?: Map<string, number>;
  at?: 'init' | 'trained';
  seed: number;
  distance: number;
  windows: number;
  warmup: number;
  json?: boolean;
  out?: string;
}

const at = (v: string): 'init' | 'trained' => {
  if (v !== 'init' && v !== 'trained') throw new InvalidArgumentError(`expected init or trained, got "${v}"`);
  return v;
};
const level = (v: string): 'char' | 'word' => {
  if (v !== 'char' && v !== 'word') throw new InvalidArgumentError(`expected char or word, got "${v}"`);
  return v;
};
const nonNegativeInt = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`expected an integer ≥ 0, got "${v}"`);
  return n;
};

/** The model, at the weights asked for, and its label. */
function load(arg: string, text: string, o: Opts): { model: LanguageModel; label: string; gradients: TrainingGradients | null } {
  const path = arg.replace(/\/+$/, '');
  // A run's best checkpoint is DIR/best: name it by its run.
  const name = basename(path) === 'best' ? `${basename(dirname(path))}/best` : basename(path);
  if (statSync(arg, { throwIfNoEntry: false })?.isDirectory()) {
    const ck = loadCheckpoint(arg, { optimizer: false });
    for (const w of ck.warnings) console.error(`note: ${w}`);
    if (o.at === 'init') ck.model.init(o.seed);
    const t = ck.config.trainer;
    const gradients = t ? trainingGradients(t.curve, t.step, t.clipped ?? 0, ck.config.train?.clip ?? null) : null;
    return { model: ck.model, label: `${name}@${o.at ?? 'trained'}`, gradients };
  }
  if (o.at === 'trained') throw new UserError(`${arg} is a model file, not a checkpoint: it has no trained weights (use --at init, the default for .rnn files)`);
  const vocab = buildVocab(o.level, text);
  return { model: compile(arg, { vocab, dims: o.dims }).init(o.seed), label: `${name}@init`, gradients: null };
}

export function registerDiagnose(program: Command): void {
  program
    .command('diagnose')
    .description('vanishing/exploding gradients: ‖∂J(t)/∂h(t−ℓ)‖ against ℓ per layer, spectral norms, saturated gates')
    .argument('<models...>', 'checkpoint directories or .rnn files (measured side by side)')
    .option('--data <file>', 'text the windows are taken from (default: the bundled tiny Shakespeare)')
    .option('--level <char|word>', '.rnn files: tokenisation of --data (checkpoints use their own vocabulary)', level, 'char')
    .option('--dims <name=value,...>', '.rnn files: bind or override dims (vocab comes from the data)', parseDims)
    .option('--at <init|trained>', 'the weights: at initialisation (--seed) or as trained (default for a checkpoint; a .rnn file is at init)', at)
    .option('--seed <n>', 'initialisation seed, and where the windows fall', parseSeed, 0)
    .option('--distance <n>', 'largest distance ℓ measured (windows of n + 1 steps)', parsePositiveInt, 50)
    .option('--windows <n>', 'windows averaged over', parsePositiveInt, 8)
    .option('--warmup <n>', 'tokens read before each window, so it starts from a real state', nonNegativeInt, 32)
    .option('--json', 'print one JSON object instead of the table')
    .option('-o, --out <dir>', 'also write DIR/gradients.svg (log-scale norm against ℓ), DIR/diagnose.txt, DIR/diagnose.json, and for checkpoints DIR/training-gradients.svg (norms recorded while training)')
    .addHelpText(
      'after',
      [
        '',
        'J⁽ᵗ⁾ is the cross-entropy of the window\'s last prediction; ∂J⁽ᵗ⁾/∂h⁽ᵗ⁻ℓ⁾ is the gradient BPTT carries',
        'back to the state ℓ steps earlier, computed in float64 by the compiler\'s own unrolled',
        'graph and autodiff. "per step" is exp of the least-squares slope of ln‖·‖ against ℓ ≥ 1.',
        '',
        'Example:',
        '  rnnc diagnose elman.rnn gru.rnn lstm.rnn --dims hidden=64 -o diag/',
      ].join('\n'),
    )
    .action((args: string[], o: Opts) => {
      const data = o.data ?? join(PACKAGE_ROOT, 'data/tinyshakespeare/input.txt');
      const text = readCorpus(data, 'text');
      const models: Labelled[] = [];
      const runs: { label: string; gradients: TrainingGradients }[] = [];
      for (const arg of args) {
        const { model, label, gradients } = load(arg, text, o);
        if (gradients) runs.push({ label: label.replace(/@\w+$/, ''), gradients });
        if (!model.vocab) throw new UserError(`${arg}: has no vocabulary, so it cannot read text`);
        const ids = model.vocab.encode(text, data);
        const params = new Map([...model.weights()].map(([k, v]) => [k, Float64Array.from(v)]));
        const t0 = performance.now();
        try {
          models.push({ label, diagnosis: diagnose(model.ir, params, ids, { distance: o.distance, windows: o.windows, warmup: o.warmup, seed: o.seed }) });
        } catch (e) {
          if (e instanceof DiagnoseError) throw new UserError(`${arg}: ${e.message}`);
          throw e;
        }
        if (!o.json) console.error(`${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
      // The gradient norms `rnnc train` recorded, for the checkpoints that have them.
      const training = runs.length ? '\n' + runs.map((r) => trainingTable(r.label, r.gradients)).join('\n') : '';
      const report = `rnnc diagnose on ${data}\n\n${table(models)}${training}`;
      if (o.out) {
        try {
          mkdirSync(o.out, { recursive: true });
          writeFileSync(join(o.out, 'gradients.svg'), plot(models));
          if (runs.length) writeFileSync(join(o.out, 'training-gradients.svg'), trainingPlot(runs));
          writeFileSync(join(o.out, 'diagnose.txt'), report);
          writeFileSync(join(o.out, 'diagnose.json'), json(models, runs) + '\n');
        } catch (e) {
          throw new UserError(`cannot write to ${o.out}: ${(e as Error).message}`);
        }
      }
      const svgs = runs.length ? ', training-gradients.svg' : '';
      process.stdout.write(o.json ? json(models, runs) + '\n' : report + (o.out ? `\nwrote ${join(o.out, 'gradients.svg')}${svgs}, diagnose.txt, diagnose.json\n` : ''));
    });
}
