// rnnc ngram train|eval|score|sample — count-based n-gram language models in the ARPA format,
// tokenised exactly as `rnnc train` tokenises (see src/ngram/).
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { readCorpus } from '../runtime/data/corpus.ts';
import { prepareData } from '../runtime/data/prepare.ts';
import { readArpa } from '../ngram/arpa-read.ts';
import { writeArpa } from '../ngram/arpa-write.ts';
import { MAX_ORDER, type NgramModel } from '../ngram/model.ts';
import { sampleNgram } from '../ngram/sample.ts';
import { evaluateNgram, scoreTokens, type Protocol } from '../ngram/score.ts';
import { isSmoothing, SMOOTHINGS, trainNgram, type Smoothing } from '../ngram/train.ts';
import { NgramVocab } from '../ngram/vocab.ts';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { mixProbs, tuneWeights } from '../ngram/mix.ts';
import { componentProbs } from '../ngram/mix-text.ts';
import { UserError } from './common.ts';
import { parseFraction as fraction, parseNonNegative as nonNegative, parseNumber, parsePositiveInt, parseSeed } from './options.ts';

const NAMES: Record<Smoothing, string> = {
  mkn: 'interpolated modified Kneser–Ney',
  kn: 'interpolated Kneser–Ney',
  'witten-bell': 'interpolated Witten–Bell',
  'add-k': 'add-k with backoff',
  'stupid-backoff': 'stupid backoff (not normalised)',
};

const order = (v: string): number => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || n < 1 || n > MAX_ORDER) throw new InvalidArgumentError(`expected an order from 1 to ${MAX_ORDER}, got "${v}"`);
  return n;
};
const smoothing = (v: string): Smoothing => {
  if (!isSmoothing(v)) throw new InvalidArgumentError(`unknown smoothing "${v}"; expected one of ${SMOOTHINGS.join(', ')}`);
  return v;
};
const positive = parseNumber('expected a positive number', (n) => n > 0);
const probability = parseNumber('expected a probability in (0, 1]', (n) => n > 0 && n <= 1);
const level = (v: string): 'char' | 'word' => {
  if (v !== 'char' && v !== 'word') throw new InvalidArgumentError(`expected char or word, got "${v}"`);
  return v;
};
const protocol = (v: string): Protocol => {
  if (v !== 'stream' && v !== 'sentences') throw new InvalidArgumentError(`expected stream or sentences, got "${v}"`);
  return v;
};
const decimals = (v: string): number | 'exact' => {
  if (v === 'exact') return v;
  const n = Number(v);
  if (!/^\d$/.test(v.trim())) throw new InvalidArgumentError(`expected 0 to 9 or "exact", got "${v}"`);
  return n;
};

const count = (n: number) => n.toLocaleString('en-US');

interface TrainOpts {
  data: string;
  valid?: string;
  split?: number;
  level: 'char' | 'word';
  minCount: number;
  maxVocab?: number;
  order: number;
  smoothing: Smoothing;
  k: number;
  output: string;
  decimals: number | 'exact';
  json?: boolean;
}

interface EvalOpts {
  data: string;
  protocol: Protocol;
  unnormalised?: boolean;
  json?: boolean;
}

/** Refuses a perplexity for a model whose scores are not probabilities, unless asked. */
function checkNormalised(m: NgramModel, file: string, force: boolean | undefined, hint = 'pass --unnormalised to print the pseudo-perplexity anyway'): void {
  if (!m.info.normalised && !force) throw new UserError(`${file} was estimated with ${m.info.smoothing ?? 'a method'} whose scores are not probabilities, so it has no perplexity; ${hint}`);
}

function train(o: TrainOpts): void {
  if (o.valid && o.split !== undefined) throw new UserError('give --valid or --split, not both');
  const t0 = performance.now();
  const data = prepareData({ kind: o.level, train: o.data, valid: o.valid ?? null, split: o.split ?? null, minCount: o.minCount, maxVocab: o.maxVocab ?? null });
  const vocab = NgramVocab.fromVocab(data.vocab);
  const model = trainNgram(data.train, vocab, { order: o.order, smoothing: o.smoothing, k: o.k });
  const t1 = performance.now();
  try {
    writeArpa(o.output, model, { decimals: o.decimals });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its directory does not exist' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new UserError(`cannot write ${o.output}: ${why}`);
  }
  const t2 = performance.now();
  const bytes = statSync(o.output).size;
  const ngrams = Array.from({ length: o.order }, (_, i) => model.count(i + 1));
  const valid = data.valid ? evaluateNgram(model, data.valid, 'stream') : null;
  const secs = { estimate: +((t1 - t0) / 1000).toFixed(2), write: +((t2 - t1) / 1000).toFixed(2) };
  if (o.json) {
    console.log(JSON.stringify({ output: o.output, bytes, order: o.order, smoothing: o.smoothing, level: o.level, vocab: data.vocab.size, tokens: data.train.length, ngrams, notes: model.info.notes, seconds: secs, valid }));
    return;
  }
  const unit = o.level === 'char' ? 'characters' : 'tokens';
  console.log(`${o.order}-gram, ${NAMES[o.smoothing]}, ${o.level} level: ${count(data.vocab.size)} ${o.level === 'char' ? 'characters' : 'words'} (+ <s>${vocab.size > data.vocab.size + 1 ? ', </s>' : ''})`);
  console.log(`  trained on   ${o.data}: ${count(data.train.length)} ${unit}`);
  console.log(`  n-grams      ${ngrams.map((c, i) => `${i + 1}: ${count(c)}`).join('  ')}`);
  const notes = Object.entries(model.info.notes);
  const short = (v: string) => v.split(',').map((x) => (/^-?\d+\.\d{5,}$/.test(x) ? Number(x).toFixed(4) : x)).join(',');
  if (notes.length) console.log(`  settings     ${notes.map(([k, v]) => `${k}=${short(v)}`).join('  ')}`);
  console.log(`  wrote        ${o.output} (${(bytes / 1e6).toFixed(1)} MB): ${secs.estimate.toFixed(1)} s to read, count and smooth, ${secs.write.toFixed(1)} s to write`);
  if (valid) {
    const label = model.info.normalised ? 'perplexity' : 'pseudo-perplexity (stupid backoff is not normalised: not a perplexity)';
    console.log(`  validation   ${count(valid.tokens)} predictions: mean NLL ${valid.loss.toFixed(4)} nats, ${label} ${valid.perplexity.toFixed(2)}`);
  }
}

function evaluate(file: string, o: EvalOpts): void {
  const m = readArpa(file);
  checkNormalised(m, file, o.unnormalised);
  const ids = m.vocab.encode(readCorpus(o.data, 'evaluation text'), o.data);
  if (ids.length < 2) throw new UserError(`${o.data}: ${ids.length} token; evaluation needs at least 2`);
  const t0 = performance.now();
  const r = evaluateNgram(m, ids, o.protocol);
  const secs = (performance.now() - t0) / 1000;
  const unit = m.vocab.level === 'char' ? 'char' : 'token';
  if (o.json) {
    console.log(JSON.stringify({ ...r, unit, normalised: m.info.normalised, seconds: +secs.toFixed(2) }));
    return;
  }
  const how = o.protocol === 'stream' ? 'tokens 1…N−1, as rnnc eval' : 'every token, each line <s> … </s>, as SRILM/KenLM';
  console.log(`${m.order}-gram ${file} on ${o.data}: ${count(r.tokens)} predictions (${how})${r.oov ? `, ${count(r.oov)} unknown words not scored` : ''}, ${secs.toFixed(1)} s`);
  console.log(`  mean NLL    ${r.loss.toFixed(4)} nats/${unit}`);
  console.log(`  ${m.info.normalised ? 'perplexity ' : 'pseudo-perplexity (not normalised)'} ${r.perplexity.toFixed(3)}`);
  console.log(`  bits        ${r.bits.toFixed(4)} bits/${unit}`);
}

function score(file: string, o: EvalOpts): void {
  const m = readArpa(file);
  const ids = m.vocab.encode(readCorpus(o.data, 'text'), o.data);
  if (!m.info.normalised) console.error(`note: ${file} was estimated with ${m.info.smoothing}: its scores are not probabilities`);
  const lp = scoreTokens(m, ids);
  const from = o.protocol === 'stream' ? 1 : 0;
  const name = (id: number) => (id < 0 ? '<oov>' : m.vocab.names[id]);
  if (o.json) {
    console.log(JSON.stringify({ tokens: Array.from(ids.subarray(from), name), logprobs: Array.from(lp.subarray(from), (x) => (x === x ? x : null)) }));
    return;
  }
  const lines: string[] = [];
  for (let i = from; i < ids.length; i++) lines.push(`${name(ids[i])}\t${lp[i] === lp[i] ? lp[i].toFixed(6) : 'oov'}`);
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerNgram(program: Command): void {
  const ngram = program.command('ngram').description('count-based n-gram language models (ARPA files): train, eval, score, sample');
  ngram
    .command('train')
    .description('estimate an n-gram model from a text and write it as an ARPA file')
    .requiredOption('--data <file>', 'training text (UTF-8)')
    .requiredOption('-o, --output <file>', 'the ARPA file to write')
    .option('--order <n>', 'n-gram order', order, 3)
    .option('--smoothing <name>', SMOOTHINGS.join(' | '), smoothing, 'mkn')
    .option('--k <k>', 'add-k: the count added to every n-gram', positive, 1)
    .option('--valid <file>', 'also report the perplexity on this text')
    .option('--split <fraction>', 'train on the first fraction of --data, report the perplexity on the rest', fraction)
    .option('--level <char|word>', 'tokenisation, as rnnc train (default here: word)', level, 'word')
    .option('--min-count <n>', 'word level: words seen fewer times become <unk>', parsePositiveInt, 1)
    .option('--max-vocab <n>', 'word level: keep at most n tokens (the most frequent), <eos> and <unk> included', parsePositiveInt)
    .option('--decimals <d>', 'decimals of the log10 numbers in the file (0-9), or exact', decimals, 7)
    .option('--json', 'print one JSON object')
    .addHelpText('after', `\nSmoothing: mkn = interpolated modified Kneser–Ney (Chen & Goodman 1998, three discounts per order; the default), kn = one discount per order, witten-bell (interpolated), add-k (--k; unseen words share the add-k mass by backoff), stupid-backoff (Brants et al. 2007; scores, not probabilities).\nEach line of text is a sentence <s> w1 … wk </s>; rnnc's <eos> (char level: the newline) is </s>.\n\nExample:\n  rnnc ngram train --data ptb.train.txt --order 5 -o kn5.arpa --valid ptb.valid.txt`)
    .action((o: TrainOpts) => train(o));
  const protocolHelp = 'stream: tokens 1…N−1, as rnnc eval; sentences: every token from <s>, as SRILM/KenLM';
  ngram
    .command('eval')
    .description('mean NLL, perplexity and bits per token of an ARPA model on a text')
    .argument('<model>', 'ARPA file (rnnc ngram train, KenLM, SRILM, …)')
    .requiredOption('--data <file>', 'text to evaluate (UTF-8)')
    .option('--protocol <p>', protocolHelp, protocol, 'stream')
    .option('--unnormalised', 'report the pseudo-perplexity of a model that is not normalised (stupid backoff)')
    .option('--json', 'print one JSON object')
    .action((file: string, o: EvalOpts) => evaluate(file, o));
  ngram
    .command('score')
    .description('ln p of every token of a text under an ARPA model, one "token<TAB>ln p" line each')
    .argument('<model>', 'ARPA file')
    .requiredOption('--data <file>', 'text to score (UTF-8)')
    .option('--protocol <p>', protocolHelp, protocol, 'stream')
    .option('--json', 'print one JSON object {tokens, logprobs}')
    .action((file: string, o: EvalOpts) => score(file, o));
  ngram
    .command('sample')
    .description('generate text from an ARPA model')
    .argument('<model>', 'ARPA file')
    .option('--prompt <text>', 'text to continue (default: a new sentence)')
    .option('--length <n>', 'tokens to generate', parsePositiveInt, 100)
    .option('--temperature <t>', 'sharpen (< 1) or flatten (> 1) the distribution; 0 = greedy', nonNegative, 1)
    .option('--top-k <k>', 'sample among the k most likely tokens', parsePositiveInt)
    .option('--top-p <p>', 'nucleus: the most likely tokens holding probability p', probability)
    .option('--greedy', 'always take the most likely token')
    .option('--seed <n>', 'seed of the sampling stream', parseSeed, 0)
    .option('--until-eos', 'stop after the first </s>')
    .action((file: string, o: { prompt?: string; length: number; temperature: number; topK?: number; topP?: number; greedy?: boolean; seed: number; untilEos?: boolean }) => {
      const m = readArpa(file);
      const g = sampleNgram(m, { ...o });
      const sep = m.vocab.level === 'word' && o.prompt && !/\s$/.test(o.prompt) ? ' ' : '';
      process.stdout.write((o.prompt ?? '') + sep + g.text + (g.text.endsWith('\n') ? '' : '\n'));
    });
}

// ---- An ARPA file where rnnc eval takes a checkpoint, and --mix ----

/** `rnnc eval FILE.arpa`: the checkpoint's report, under --batch 1's protocol (score.ts). */
export function evaluateArpa(file: string, text: string, name: string, json: boolean): void {
  const m = readArpa(file);
  checkNormalised(m, file, false, 'rnnc ngram eval --unnormalised prints its pseudo-perplexity');
  const ids = m.vocab.encode(text, name);
  if (ids.length < 2) throw new UserError(`${name}: ${ids.length} token; evaluation needs at least 2`);
  const t0 = performance.now();
  const r = evaluateNgram(m, ids, 'stream');
  const secs = (performance.now() - t0) / 1000;
  const unit = m.vocab.level === 'char' ? 'char' : 'token';
  if (json) {
    console.log(JSON.stringify({ tokens: r.tokens, loss: r.loss, perplexity: r.perplexity, bits: r.bits, unit, batch: 1, validation_batch: null, oov: r.oov, seconds: +secs.toFixed(2) }));
    return;
  }
  const oov = r.oov ? `; ${count(r.oov)} words the model lacks not scored` : '';
  console.log(`${m.order}-gram ${file} on ${name}: ${count(r.tokens)} predictions (1 stream, every line from <s>${oov}), ${secs.toFixed(1)} s`);
  console.log(`  mean NLL    ${r.loss.toFixed(4)} nats/${unit}`);
  console.log(`  perplexity  ${r.perplexity.toFixed(3)}`);
  console.log(`  bits        ${r.bits.toFixed(4)} bits/${unit}`);
}

export interface MixPart {
  path: string;
  /** null: not given (one such weight is 1 − the others; with --mix-tune all are tuned). */
  weight: number | null;
}

/** `A:0.6,B:0.4` (one weight may be left out: it is 1 − the others; with tuning all may be). */
export function parseMix(spec: string, tune: boolean): MixPart[] {
  const parts = spec.split(',').map((item): MixPart => {
    const at = item.lastIndexOf(':');
    const w = at >= 0 ? item.slice(at + 1).trim() : '';
    if (at >= 0 && w !== '' && Number.isFinite(Number(w))) {
      const weight = Number(w);
      if (!(weight >= 0 && weight <= 1)) throw new UserError(`--mix: the weight of ${item.slice(0, at)} is ${w}; weights lie in [0, 1]`);
      return { path: item.slice(0, at), weight };
    }
    return { path: item, weight: null };
  });
  if (parts.length < 2 || parts.some((p) => p.path === '')) throw new UserError(`--mix "${spec}": expected two or more models, e.g. --mix runs/ptb:0.6,kn5.arpa:0.4`);
  const missing = parts.filter((p) => p.weight === null);
  const given = parts.reduce((a, p) => a + (p.weight ?? 0), 0);
  if (tune) return parts;
  if (missing.length > 1) throw new UserError(`--mix: give the weights of all models but one (or pass --mix-tune): ${missing.map((p) => p.path).join(', ')} have none`);
  if (missing.length === 1) {
    if (given > 1 + 1e-9) throw new UserError(`--mix: the weights given sum to ${given} > 1`);
    missing[0].weight = Math.max(0, 1 - given);
  } else if (Math.abs(given - 1) > 1e-6) throw new UserError(`--mix: the weights sum to ${+given.toFixed(6)}, not 1`);
  return parts;
}

interface MixOpts {
  data: string;
  window: number;
  json?: boolean;
  mixTune?: boolean;
  valid?: string;
}

const ppl = (probs: Float64Array) => Math.exp(-probs.reduce((a, p) => a + Math.log(p), 0) / probs.length);

/** `rnnc eval --mix`: one checkpoint and ARPA models, interpolated per token (ngram/mix.ts). */
export function evaluateMix(parts: MixPart[], o: MixOpts, read: (file: string) => string): void {
  const ckpts = parts.filter((p) => !statSync(p.path, { throwIfNoEntry: false })?.isFile());
  if (ckpts.length !== 1) throw new UserError(`--mix takes one checkpoint directory and ARPA files; got ${ckpts.length} directories (${ckpts.map((p) => p.path).join(', ') || 'none'})`);
  if (o.mixTune && !o.valid) throw new UserError('--mix-tune needs --valid FILE: the text the weights are tuned on');
  // The checkpoint first: probs[0] is always the neural model's.
  const order = [ckpts[0], ...parts.filter((p) => p !== ckpts[0])];
  const ck = loadCheckpoint(ckpts[0].path, { optimizer: false });
  for (const w of ck.warnings) console.error(`note: ${w}`);
  const neural = ck.model;
  if (!neural.vocab) throw new UserError(`${ckpts[0].path}: has no vocab.json, so it cannot read text`);
  const ngrams = order.slice(1).map((p) => {
    const m = readArpa(p.path);
    checkNormalised(m, p.path, false, 'it cannot be mixed');
    if (m.vocab.level !== neural.vocab!.kind) throw new UserError(`--mix: ${p.path} is a ${m.vocab.level}-level model, ${ckpts[0].path} a ${neural.vocab!.kind}-level one`);
    return m;
  });
  const t0 = performance.now();
  let weights = order.map((p) => p.weight);
  let tuned: { file: string; iterations: number; components: number[]; mix: number } | null = null;
  if (o.mixTune) {
    const v = componentProbs(neural, ngrams, read(o.valid!), o.valid!, o.window);
    const start = weights.every((w) => w !== null) ? (weights as number[]) : undefined;
    const t = tuneWeights(v.probs, { start });
    weights = t.weights;
    tuned = { file: o.valid!, iterations: t.iterations, components: v.probs.map(ppl), mix: Math.exp(-t.meanLn) };
  }
  const w = weights as number[];
  const name = o.data === '-' ? 'standard input' : o.data;
  const d = componentProbs(neural, ngrams, read(o.data), name, o.window);
  const mixed = mixProbs(d.probs, w);
  const loss = -mixed.reduce((a, p) => a + Math.log(p), 0) / mixed.length;
  const secs = (performance.now() - t0) / 1000;
  const unit = neural.vocab.kind === 'char' ? 'char' : 'token';
  const components = order.map((p, k) => ({ model: p.path, weight: w[k], perplexity: ppl(d.probs[k]) }));
  if (o.json) {
    console.log(JSON.stringify({ tokens: mixed.length, loss, perplexity: Math.exp(loss), bits: loss / Math.LN2, unit, batch: 1, components, tuned, seconds: +secs.toFixed(2) }));
    return;
  }
  console.log(`mix of ${components.map((c) => `${c.model} (${c.weight.toFixed(4)})`).join(' + ')} on ${name}: ${count(mixed.length)} predictions (1 stream, as --batch 1), ${secs.toFixed(1)} s`);
  if (tuned) console.log(`  weights tuned on ${tuned.file} by EM (${tuned.iterations} iterations): perplexity there ${tuned.components.map((x, k) => `${order[k].path} ${x.toFixed(3)}`).join(', ')}, mix ${tuned.mix.toFixed(3)}`);
  for (const c of components) console.log(`  ${c.model}: perplexity ${c.perplexity.toFixed(3)} alone`);
  console.log(`  mean NLL    ${loss.toFixed(4)} nats/${unit}`);
  console.log(`  perplexity  ${Math.exp(loss).toFixed(3)}`);
  console.log(`  bits        ${(loss / Math.LN2).toFixed(4)} bits/${unit}`);
}
