// Quality per minute, rnnc beside PyTorch: one recipe of the README trained for the same wall
// time by `rnnc train` and by the PyTorch export's train.py (the same model file, texts,
// vocabulary, initial weights, optimizer, schedule, batch and windows), both then scored by
// `rnnc eval` with the same protocol (16 streams). Run on a quiet machine; never in npm test.
//
//   npx tsx bench/side-by-side.ts --recipe shakespeare-5min            # 5 + 5 minutes
//   npx tsx bench/side-by-side.ts --recipe ptb-hour --minutes 10       # any recipe, shorter
//
// PyTorch runs in one process with 2 threads (`--threads 2`, Debian's OpenMP OpenBLAS), rnnc
// with its default 2 threads. Results: stdout and bench/results/side-by-side-RECIPE.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { splitText } from '../src/runtime/data/corpus.ts';
import { BENCH, blasEnv, PYTHON, ROOT } from './proc.ts';
import { bf16Unavailable } from '../src/backend/kernels.ts';

interface Recipe {
  model: string;
  level: 'char' | 'word';
  /** Training text, and the validation (and test) text or the fraction kept for training. */
  data: string;
  valid: string | number;
  test?: string;
  args: string[];
  /** rnnc's products in bfloat16 where the CPU has them (README, "Training"); train.py multiplies in float32. */
  bf16?: string[];
  minutes: number;
}

const PTB = path.resolve(ROOT, '../shared/data/ptb');
const SHAKESPEARE = path.join(ROOT, 'data/tinyshakespeare/input.txt');
const RECIPES: Record<string, Recipe> = {
  'shakespeare-5min': {
    model: 'models/recipes/shakespeare-5min.rnn',
    level: 'char',
    data: SHAKESPEARE,
    valid: 0.9,
    args: ['--batch', '32', '--bptt', '64', '--lr-schedule', 'decay', '--decay-after', '4', '--lr-decay', '0.7'],
    bf16: ['--matmul', 'bf16'], // as `rnnc train` without a model adds it
    minutes: 5,
  },
  // The README's command adds --patience 2, which train.py does not take: here both engines train the whole budget.
  'shakespeare-30min': {
    model: 'models/recipes/shakespeare-30min.rnn',
    level: 'char',
    data: SHAKESPEARE,
    valid: 0.9,
    args: ['--batch', '32', '--bptt', '100', '--lr-schedule', 'decay', '--decay-after', '6', '--lr-decay', '0.85', '--average-at', '0.6'],
    bf16: ['--matmul', 'bf16', '--bf16-after', '0.5'],
    minutes: 30,
  },
  'ptb-hour': {
    model: 'models/recipes/ptb-hour.rnn',
    level: 'word',
    data: path.join(PTB, 'ptb.train.txt'),
    valid: path.join(PTB, 'ptb.valid.txt'),
    test: path.join(PTB, 'ptb.test.txt'),
    args: ['--optimizer', 'nt-asgd', '--nonmono', '3', '--average-at', '0.65', '--lr', '30', '--clip', '0.25', '--batch', '20', '--bptt', '70'],
    minutes: 60,
  },
  // The same with an adaptive softmax: train.py computes the head for every row and each cluster only for its targets, as rnnc does.
  'ptb-adaptive': {
    model: 'models/recipes/ptb-adaptive.rnn',
    level: 'word',
    data: path.join(PTB, 'ptb.train.txt'),
    valid: path.join(PTB, 'ptb.valid.txt'),
    test: path.join(PTB, 'ptb.test.txt'),
    args: ['--optimizer', 'nt-asgd', '--nonmono', '1000', '--lr', '30', '--lr-schedule', 'decay', '--lr-decay', '0.9', '--decay-after', '15', '--average-at', '0.85', '--clip', '0.25', '--batch', '20', '--bptt', '70'],
    minutes: 60,
  },
};

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function fail(message: string): never {
  console.error(`side-by-side: ${message}`);
  process.exit(1);
}

/** Runs a command, its output to `log` (and stderr's progress to the terminal); fails loudly. */
function sh(cmd: string, args: string[], log: string, env?: NodeJS.ProcessEnv): string {
  console.error(`$ ${[cmd, ...args].join(' ')}`);
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env: env ?? process.env, encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  writeFileSync(log, out);
  if (r.status !== 0) fail(`${path.basename(cmd)} failed (exit ${r.status}); its output is in ${log}:\n${out.split('\n').slice(-15).join('\n')}`);
  console.error(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s; output in ${log}`);
  return out;
}

function evaluate(ckpt: string, text: string, log: string): { loss: number; perplexity: number } {
  const out = sh(process.execPath, ['bin/rnnc.js', 'eval', ckpt, '--data', text, '--batch', '16', '--json'], log);
  const j = JSON.parse(out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1) ?? fail(`no JSON from rnnc eval in ${log}`)) as { loss: number; perplexity: number };
  return { loss: j.loss, perplexity: j.perplexity };
}

const name = option('recipe') ?? fail(`--recipe is required: ${Object.keys(RECIPES).join(', ')}`);
const recipe = RECIPES[name] ?? fail(`unknown recipe "${name}": ${Object.keys(RECIPES).join(', ')}`);
const minutes = Number(option('minutes') ?? recipe.minutes);
if (!(minutes > 0)) fail(`--minutes must be > 0 (got ${option('minutes')})`);
if (spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) fail(`needs ${PYTHON} with torch (apt-get install python3-torch)`);
const dir = path.resolve(option('out') ?? `/tmp/rnnc-side-by-side-${name}`);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// The same files for both engines: a split text is cut once, as rnnc's --split cuts it.
let train = recipe.data;
let valid: string;
if (typeof recipe.valid === 'number') {
  const parts = splitText(readFileSync(recipe.data, 'utf8'), recipe.valid);
  train = path.join(dir, 'train.txt');
  valid = path.join(dir, 'valid.txt');
  writeFileSync(train, parts.train);
  writeFileSync(valid, parts.valid);
} else valid = recipe.valid;
const texts = ['--data', train, '--valid', valid];
const rnncOnly = bf16Unavailable() === null ? (recipe.bf16 ?? []) : [];

const rnncLog = sh(process.execPath, ['bin/rnnc.js', 'train', recipe.model, '--level', recipe.level, ...texts, ...recipe.args, ...rnncOnly, '--minutes', String(minutes), '--seed', '0', '--sample', '0', '--out', path.join(dir, 'rnnc')], path.join(dir, 'rnnc-train.log'));
// train.py starts from the weights rnnc started from: the model file initialised with the same seed, over rnnc's vocabulary.
sh(process.execPath, ['bin/rnnc.js', 'export', recipe.model, '--format', 'torch', '--vocab', path.join(dir, 'rnnc', 'vocab.json'), '--seed', '0', '-o', path.join(dir, 'exp')], path.join(dir, 'export.log'));
const torchLog = sh(PYTHON, [path.join(dir, 'exp', 'train.py'), ...texts, ...recipe.args, '--minutes', String(minutes), '--threads', '2', '--out', path.join(dir, 'torch')], path.join(dir, 'torch-train.log'), blasEnv(2));

const rnncTokens = Number(/;\s*([\d,]+) tokens in/.exec(rnncLog)?.[1].replace(/,/g, '') ?? NaN);
const torchRun = /trained (\d+) steps on \d+ rank\(s\): (\d+) tokens in ([\d.]+) s/.exec(torchLog);
const engines = [
  { engine: 'rnnc', ckpt: path.join(dir, 'rnnc'), tokens: rnncTokens },
  { engine: 'PyTorch (train.py, 2 threads)', ckpt: path.join(dir, 'torch'), tokens: torchRun ? Number(torchRun[2]) : NaN },
];
const rows = engines.map((e) => ({
  ...e,
  valid: evaluate(e.ckpt, valid, path.join(dir, `${path.basename(e.ckpt)}-valid.log`)),
  test: recipe.test ? evaluate(e.ckpt, recipe.test, path.join(dir, `${path.basename(e.ckpt)}-test.log`)) : null,
}));

console.log(`\n${name}: ${minutes} min of training each, ${recipe.model}, ${recipe.args.join(' ')}${rnncOnly.length ? ` (rnnc also ${rnncOnly.join(' ')})` : ''}`);
console.log('| engine | tokens trained | tokens/s | valid loss | valid ppl | test ppl |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.engine} | ${r.tokens.toLocaleString('en-US')} | ${Math.round(r.tokens / (minutes * 60)).toLocaleString('en-US')} | ${r.valid.loss.toFixed(4)} | ${r.valid.perplexity.toFixed(2)} | ${r.test ? r.test.perplexity.toFixed(2) : '–'} |`);
}
const results = path.join(BENCH, 'results');
if (!existsSync(results)) mkdirSync(results);
writeFileSync(path.join(results, `side-by-side-${name}.json`), JSON.stringify({ recipe: name, ...recipe, minutes, when: new Date().toISOString(), rows }, null, 2) + '\n');
console.log(`(logs and checkpoints in ${dir}; results in bench/results/side-by-side-${name}.json)`);
