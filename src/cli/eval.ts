// rnnc eval CKPT --data FILE|- — mean NLL, perplexity and bits per character of a trained
// model on a text, the state carried through each stream (see runtime/evaluate.ts). By
// default it measures as the run's validation did (the same number of streams), so the two
// numbers can be compared; --batch 1 scores every prediction in order from the text's start.
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCheckpoint, type CheckpointConfig } from '../runtime/train/checkpoint.ts';
import { readCorpus } from '../runtime/data/corpus.ts';
import { UserError } from './common.ts';
import { parsePositiveInt } from './options.ts';
import { evaluateArpa, evaluateMix, parseMix } from './ngram.ts';

interface Opts {
  data: string;
  batch?: number;
  window: number;
  json?: boolean;
  mix?: string;
  mixTune?: boolean;
  valid?: string;
}

/** The streams the run validated with: recorded in config.json, or its training settings' (older checkpoints). */
function validationBatch(c: CheckpointConfig): number | null {
  return c.validation?.batch ?? c.train?.evalBatch ?? null;
}

/** Standard input as text, refused as the corpus reader refuses a file: empty, binary, not UTF-8. */
function readStdin(): string {
  const bytes = readFileSync(0);
  if (bytes.length === 0) throw new UserError('evaluation text from standard input: it is empty');
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new UserError(`evaluation text from standard input: looks binary (a NUL byte at offset ${nul})`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UserError('evaluation text from standard input: is not valid UTF-8 text');
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a checkpoint (or an ARPA file, or a mix of both) on a text: tokens, mean NLL (nats), perplexity, bits per token/char')
    .argument('[checkpoint]', 'checkpoint directory written by rnnc train, or an ARPA n-gram file')
    .requiredOption('--data <file>', 'text to evaluate (UTF-8; - reads standard input), tokenised with the checkpoint\'s vocabulary')
    .option('--batch <n>', 'parallel streams (default: as the run validated; 1: every prediction in order, from all the text before it)', parsePositiveInt)
    .option('--window <n>', 'steps per compiled window (speed only; the state carries across windows)', parsePositiveInt, 64)
    .option('--json', 'print one JSON object')
    .option('--mix <CKPT:λ,FILE.arpa:1-λ>', 'interpolate a checkpoint with ARPA models per token over its vocabulary (weights sum to 1; one stream, as --batch 1)')
    .option('--mix-tune', 'pick the --mix weights that minimise the perplexity of --valid (EM), then evaluate --data with them')
    .option('--valid <file>', 'validation text for --mix-tune')
    .addHelpText(
      'after',
      '\nAn ARPA file is evaluated with the same protocol as --batch 1 (tokens 1…N−1 predicted);\nits context starts at <s> at the start of the text and after each <eos> (</s>).\n--mix carries each ARPA model onto the checkpoint\'s vocabulary by name (see README, N-gram models).\n\nperplexity = exp(mean NLL); bits = mean NLL / ln 2 (bits per character for a char model).\nThe text is cut into --batch streams, each starting from a zero state; more streams means\nmore predictions made with little context.\n\nExample:\n  rnnc eval runs/shakespeare --data data/tinyshakespeare/input.txt\n  rnnc eval --mix runs/ptb/best,kn5.arpa --mix-tune --valid ptb.valid.txt --data ptb.test.txt',
    )
    .action((dir: string | undefined, o: Opts) => {
      if (o.mix !== undefined) {
        if (dir !== undefined) throw new UserError(`give the models in --mix, not also as an argument (${dir})`);
        const read = (f: string) => (f === '-' ? readStdin() : readCorpus(f, 'evaluation text'));
        return evaluateMix(parseMix(o.mix, o.mixTune === true), o, read);
      }
      if (o.mixTune || o.valid) throw new UserError('--mix-tune and --valid go with --mix');
      if (dir === undefined) throw new UserError('missing the checkpoint (or ARPA file) to evaluate');
      if (statSync(dir, { throwIfNoEntry: false })?.isFile()) {
        if (o.batch !== undefined && o.batch !== 1) throw new UserError(`--batch ${o.batch}: an ARPA model is evaluated as one stream (--batch 1)`);
        return evaluateArpa(dir, o.data === '-' ? readStdin() : readCorpus(o.data, 'evaluation text'), o.data === '-' ? 'standard input' : o.data, o.json === true);
      }
      const ck = loadCheckpoint(dir, { optimizer: false });
      for (const w of ck.warnings) console.error(`note: ${w}`);
      const m = ck.model;
      if (!m.vocab) throw new UserError(`${dir}: has no vocab.json, so it cannot read text`);
      const name = o.data === '-' ? 'standard input' : o.data;
      const text = o.data === '-' ? readStdin() : readCorpus(o.data, 'evaluation text');
      const tokens = m.vocab.encode(text, name);
      if (tokens.length < 2) throw new UserError(`${name}: ${tokens.length} token; evaluation needs at least 2`);
      const runBatch = validationBatch(ck.config);
      const batch = o.batch ?? runBatch ?? 1;
      const streams = Math.min(batch, tokens.length - 1);
      const protocol =
        o.batch === undefined && runBatch !== null
          ? `${streams} streams, as the run's validation`
          : `${streams} stream${streams > 1 ? 's' : ''}${runBatch !== null && runBatch !== batch ? `; the run validated with ${runBatch}` : ''}`;
      const t0 = performance.now();
      const r = m.evaluate(tokens, { batch, window: o.window });
      const secs = (performance.now() - t0) / 1000;
      const unit = m.vocab.kind === 'char' ? 'char' : 'token';
      if (o.json) {
        console.log(JSON.stringify({ tokens: r.tokens, loss: r.loss, perplexity: r.perplexity, bits: r.bits, unit, batch: streams, validation_batch: runBatch, seconds: +secs.toFixed(2) }));
        return;
      }
      console.log(`${m.name} on ${name}: ${r.tokens.toLocaleString('en-US')} predictions (${protocol}), ${secs.toFixed(1)} s`);
      console.log(`  mean NLL    ${r.loss.toFixed(4)} nats/${unit}`);
      console.log(`  perplexity  ${r.perplexity.toFixed(3)}`);
      console.log(`  bits        ${r.bits.toFixed(4)} bits/${unit}`);
    });
}
