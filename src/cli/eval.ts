// rnnc eval CKPT --data FILE — mean NLL, perplexity and bits per character of a trained model
// on a text, the state carried through the whole stream (see runtime/evaluate.ts).
import type { Command } from 'commander';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { readCorpus } from '../runtime/data/corpus.ts';
import { UserError } from './common.ts';
import { parsePositiveInt } from './options.ts';

interface Opts {
  data: string;
  batch: number;
  window: number;
  json?: boolean;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a checkpoint on a text: tokens, mean NLL (nats), perplexity, bits per token/char')
    .argument('<checkpoint>', 'checkpoint directory written by rnnc train')
    .requiredOption('--data <file>', 'text to evaluate (UTF-8), tokenised with the checkpoint\'s vocabulary')
    .option('--batch <n>', 'parallel streams (1: every prediction in order, from all the text before it)', parsePositiveInt, 1)
    .option('--window <n>', 'steps per compiled window (speed only; the state carries across windows)', parsePositiveInt, 64)
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nperplexity = exp(mean NLL); bits = mean NLL / ln 2 (bits per character for a char model).\n\nExample:\n  rnnc eval runs/shakespeare --data data/tinyshakespeare/input.txt')
    .action((dir: string, o: Opts) => {
      const ck = loadCheckpoint(dir, { optimizer: false });
      for (const w of ck.warnings) console.error(`note: ${w}`);
      const m = ck.model;
      if (!m.vocab) throw new UserError(`${dir}: has no vocab.json, so it cannot read text`);
      const tokens = m.vocab.encode(readCorpus(o.data, 'evaluation text'), o.data);
      if (tokens.length < 2) throw new UserError(`${o.data}: ${tokens.length} token; evaluation needs at least 2`);
      const t0 = performance.now();
      const r = m.evaluate(tokens, { batch: o.batch, window: o.window });
      const secs = (performance.now() - t0) / 1000;
      const unit = m.vocab.kind === 'char' ? 'char' : 'token';
      if (o.json) {
        console.log(JSON.stringify({ tokens: r.tokens, loss: r.loss, perplexity: r.perplexity, bits: r.bits, unit, batch: o.batch, seconds: +secs.toFixed(2) }));
        return;
      }
      console.log(`${m.name} on ${o.data}: ${r.tokens.toLocaleString('en-US')} predictions (batch ${o.batch}), ${secs.toFixed(1)} s`);
      console.log(`  mean NLL    ${r.loss.toFixed(4)} nats/${unit}`);
      console.log(`  perplexity  ${r.perplexity.toFixed(3)}`);
      console.log(`  bits        ${r.bits.toFixed(4)} bits/${unit}`);
    });
}
