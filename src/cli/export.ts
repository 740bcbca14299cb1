// rnnc export CKPT|MODEL.rnn --format esm|cjs — one JavaScript file with no dependency that
// holds a compiled model (its forward code, kernels, vocabulary and weights), and its .d.ts;
// --format onnx — an ONNX model of the same network (export-onnx.ts).
// From a model file, the weights are initialised from --seed exactly as `rnnc train` does
// (with the vocabulary train would build from the same data), for loading weights later.
import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { Command } from 'commander';
import { exportModule, type ExportFormat } from '../export/standalone.ts';
import { writeOnnx } from './export-onnx.ts';
import { writeTorch } from './export-torch.ts';
import { writeFileAtomic } from '../runtime/files.ts';
import { compile, type LanguageModel } from '../runtime/model.ts';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { readVocab, type Vocab } from '../runtime/data/vocab.ts';
import { prepareData } from '../runtime/data/prepare.ts';
import { PACKAGE_ROOT } from './resolve-model.ts';
import type { IRInit } from '../ir/types.ts';
import { loadModel, UserError } from './common.ts';
import { parseDims, parsePositiveInt, parseSeed } from './options.ts';

interface Opts {
  format: string;
  out?: string;
  weights: string;
  window: number;
  dims?: Map<string, number>;
  model?: string;
  seed: number;
  initScale?: string;
  data?: string;
  level: string;
  vocab?: string;
}

/** A file inside the working directory relative to it; another by its name only (the module should not carry this machine's paths). */
const display = (f: string): string => {
  const rel = relative(process.cwd(), f);
  return rel === '' ? f : rel.startsWith('..') || isAbsolute(rel) ? basename(f) : rel;
};
/** rnnc train's default corpus. */
const BUNDLED_CORPUS = join(PACKAGE_ROOT, 'data', 'tinyshakespeare', 'input.txt');

/** The declarations' name TypeScript looks for beside the module: m.mjs → m.d.mts, m.cjs → m.d.cts, m.js → m.d.ts. */
export function declarationsPath(out: string): string {
  const m = /\.(mjs|cjs|js)$/.exec(out);
  if (!m) return `${out}.d.ts`;
  const base = out.slice(0, -m[0].length);
  return `${base}.d.${m[1] === 'js' ? 'ts' : m[1].replace('js', 'ts')}`;
}

/** Writes a file whole, or says in one line why it cannot (no such directory, no permission…). */
function write(path: string, data: string | Uint8Array): void {
  try {
    writeFileAtomic(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new UserError(`${path}: cannot write (${why})`);
  }
}

/** A model from a .rnn file, initialised as `rnnc train` initialises it. */
function fromModelFile(file: string, o: Opts): LanguageModel {
  if (o.level !== 'char' && o.level !== 'word') throw new UserError(`--level must be char or word, not "${o.level}"`);
  let vocab: Vocab | undefined;
  if (o.vocab) vocab = readVocab(o.vocab);
  else if (o.data || !o.dims?.has('vocab')) {
    // Check the model before reading data, as train does.
    loadModel(file, new Map([...(o.dims ?? []), ['vocab', o.dims?.get('vocab') ?? 1]]), o.model);
    // The vocabulary of the whole text, as rnnc train --data FILE --valid V builds it (with a
    // split, a word vocabulary would miss the words of the held-out end: PTB's gave 9,969 of 10,000).
    vocab = prepareData({ kind: o.level, train: o.data ?? BUNDLED_CORPUS, valid: null, split: null, minCount: 1, maxVocab: null }).vocab;
  }
  if (vocab && o.dims?.has('vocab') && o.dims.get('vocab') !== vocab.size) throw new UserError(`--dims vocab=${o.dims.get('vocab')} but the vocabulary has ${vocab.size} tokens; leave vocab out`);
  if (!vocab) loadModel(file, o.dims ?? new Map(), o.model);
  const scale = o.initScale === undefined ? undefined : Number(o.initScale);
  if (scale !== undefined && !(scale > 0 && Number.isFinite(scale))) throw new UserError(`--init-scale must be a positive number, not "${o.initScale}"`);
  const override: IRInit | undefined = scale !== undefined ? { name: 'uniform', args: [scale] } : undefined;
  return compile(file, { dims: o.dims, model: o.model, vocab }).init(o.seed, override);
}

export function registerExport(program: Command): void {
  program
    .command('export')
    .description('write a standalone JavaScript module (no dependencies; Node and browsers), or an ONNX model, of a checkpoint or a model')
    .argument('<input>', 'checkpoint directory written by rnnc train, or a model .rnn file (weights initialised from --seed)')
    .option('--format <format>', 'esm (an ES module), cjs (CommonJS), onnx (an ONNX model: tokens [T, B] in, log-probabilities [T, B, vocab] and final states out) or torch (DIR or model.py: a PyTorch module, its weights and a DDP train.py)', 'esm')
    .option('-o, --out <file>', 'the module to write (default: the model name, .mjs or .cjs); its .d.ts is written beside it')
    .option('--weights <where>', 'inline (base64 in the module) or external (init({ weights }) reads a .safetensors; one is written beside the module)', 'inline')
    .option('--window <n>', 'steps per window when the module scores a text (speed only)', parsePositiveInt, 64)
    .option('--dims <name=value,...>', 'model file: bind or override dims', parseDims)
    .option('--model <name>', 'model file: which model, when the file has several')
    .option('--seed <n>', 'model file: seed of the initialisation (as rnnc train --seed)', parseSeed, 0)
    .option('--init-scale <a>', 'model file: initialise every parameter uniform(-a, a) (as rnnc train --init-scale)')
    .option('--data <file>', 'model file: the text whose vocabulary the model gets, all of it, as rnnc train --data FILE --valid … builds it (default: the bundled tiny Shakespeare)')
    .option('--level <char|word>', 'model file: tokenisation of --data', 'char')
    .option('--vocab <file>', 'model file: a vocab.json instead of --data')
    .addHelpText(
      'after',
      [
        '',
        'The module exports init, initSync, info, encode, decode, initialState, step, score and sample.',
        'Products run on WebAssembly SIMD where the engine has it, else in plain JavaScript.',
        'A model file with --dims vocab=N and no --data or --vocab gives a module over token ids only.',
        '',
        'Examples:',
        '  rnnc export runs/shakespeare --format esm -o shakespeare.mjs',
        '  rnnc export runs/shakespeare --format cjs --weights external -o shakespeare.cjs',
        '  rnnc export models/char-lstm.rnn --seed 1 -o char-lstm.mjs',
        '  rnnc export runs/shakespeare --format onnx -o shakespeare.onnx',
        '  rnnc export models/char-lstm.rnn --format torch -o char-lstm-torch',
      ].join('\n'),
    )
    .action((input: string, o: Opts) => {
      if (!['esm', 'cjs', 'onnx', 'torch'].includes(o.format)) throw new UserError(`--format must be esm, cjs, onnx or torch, not "${o.format}"`);
      if (o.weights !== 'inline' && o.weights !== 'external') throw new UserError(`--weights must be inline or external, not "${o.weights}"`);
      const st = statSync(input, { throwIfNoEntry: false });
      let model: LanguageModel;
      let origin: string | undefined;
      // --init-scale of the run (a checkpoint records it) or of this initialisation: the PyTorch module's reset_parameters draws so too.
      let initScale: number | null = null;
      if (st?.isDirectory()) {
        const ck = loadCheckpoint(input, { optimizer: false });
        for (const w of ck.warnings) console.error(`note: ${w}`);
        model = ck.model;
        initScale = ck.config.initScale ?? null;
        origin = display(input);
      } else if (st?.isFile() && input.endsWith('.rnn')) {
        model = fromModelFile(input, o);
        initScale = o.initScale === undefined ? null : Number(o.initScale);
      } else if (st) {
        throw new UserError(`${input}: neither a checkpoint directory nor a .rnn model file`);
      } else {
        throw new UserError(`${input}: no such checkpoint directory or model file`);
      }
      if (o.format === 'onnx') {
        for (const line of writeOnnx(model, o.out ?? `${model.name.toLowerCase()}.onnx`)) console.log(line);
        return;
      }
      if (o.format === 'torch') {
        for (const line of writeTorch(model, o.out ?? model.name.toLowerCase(), { initScale })) console.log(line);
        return;
      }
      const format = o.format as ExportFormat;
      const out = o.out ?? `${model.name.toLowerCase()}.${format === 'esm' ? 'mjs' : 'cjs'}`;
      const m = exportModule(model, { format, weights: o.weights as 'inline' | 'external', window: o.window, displayPath: display, origin });
      const dts = declarationsPath(out);
      write(out, m.code);
      write(dts, m.dts);
      const written = [dts];
      if (o.weights === 'external') {
        const st = join(dirname(out), `${basename(out).replace(/\.(mjs|cjs|js)$/, '')}.safetensors`);
        write(st, m.safetensors);
        written.push(st);
      }
      const mb = (Buffer.byteLength(m.code) / 1e6).toFixed(2);
      console.log(`wrote ${out} (${mb} MB: ${model.name}, ${model.paramCount.toLocaleString('en-US')} parameters, weights ${o.weights === 'inline' ? 'inlined' : 'external'}${origin ? ` from ${origin}` : ` initialised with seed ${o.seed}`}), ${written.join(', ')}`);
    });
}
