// rnnc sample CKPT — text from a trained model: the prompt primes the state, then each
// sampled token is fed back in.
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { readArpa } from '../ngram/arpa-read.ts';
import { sampleNgram } from '../ngram/sample.ts';
import { nextTokenRefusal } from '../ir/next-token.ts';
import { UserError } from './common.ts';
import { parsePositiveInt, parseSeed } from './options.ts';

interface Opts {
  prompt?: string;
  length: number;
  temperature: number;
  topK?: number;
  topP?: number;
  greedy?: boolean;
  seed: number;
  untilEos?: boolean;
}

const temperature = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a temperature ≥ 0, got "${v}"`);
  return n;
};
const topP = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && n <= 1)) throw new InvalidArgumentError(`expected a probability in (0, 1], got "${v}"`);
  return n;
};

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('generate text from a checkpoint')
    .argument('<checkpoint>', 'checkpoint directory written by rnnc train, or an ARPA n-gram file')
    .option('--prompt <text>', 'text that primes the state (default: a newline, or <eos> for word models)')
    .option('--length <n>', 'tokens to generate', parsePositiveInt, 500)
    .option('--temperature <t>', 'divide the logits by t (0 = greedy)', temperature, 1)
    .option('--top-k <k>', 'sample among the k most likely tokens', parsePositiveInt)
    .option('--top-p <p>', 'nucleus: sample among the most likely tokens holding probability p', topP)
    .option('--greedy', 'always take the most likely token')
    .option('--seed <n>', 'seed of the sampling stream', parseSeed, 0)
    .option('--until-eos', 'word models: stop after <eos>')
    .addHelpText('after', '\nThe same seed and options give the same text.\n\nExample:\n  rnnc sample runs/shakespeare --prompt "ROMEO:" --length 300 --temperature 0.8')
    .action((dir: string, o: Opts) => {
      if (statSync(dir, { throwIfNoEntry: false })?.isFile()) {
        // An ARPA model: a sentence starts from <s>, or continues the prompt (ngram/sample.ts).
        const m = readArpa(dir);
        const g = sampleNgram(m, { ...o });
        const sep = m.vocab.level === 'word' && o.prompt && !/\s$/.test(o.prompt) ? ' ' : '';
        process.stdout.write((o.prompt ?? '') + sep + g.text + (g.text.endsWith('\n') ? '' : '\n'));
        return;
      }
      const ck = loadCheckpoint(dir, { optimizer: false });
      for (const w of ck.warnings) console.error(`note: ${w}`);
      const m = ck.model;
      // CBOW's and skip-gram's logits predict other positions: sampling them would be noise.
      const refusal = nextTokenRefusal(m.ir, 'sample text');
      if (refusal) throw new UserError(`${dir}: ${refusal}`);
      if (!m.vocab) throw new UserError(`${dir}: has no vocab.json, so it cannot write text`);
      const g = m.sample({ prompt: o.prompt, length: o.length, temperature: o.temperature, topK: o.topK, topP: o.topP, greedy: o.greedy, seed: o.seed, untilEos: o.untilEos });
      const sep = m.vocab.kind === 'word' && o.prompt && !/\s$/.test(o.prompt) ? ' ' : '';
      process.stdout.write((o.prompt ?? '') + sep + g.text + (g.text?.endsWith('\n') ? '' : '\n'));
    });
}
