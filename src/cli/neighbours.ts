// rnnc neighbours CKPT WORD… — the nearest words by cosine similarity of the embedding rows.
import type { Command } from 'commander';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { nearestNeighbours } from '../runtime/neighbours.ts';
import { UserError } from './common.ts';
import { parsePositiveInt } from './options.ts';

interface Opts {
  k: number;
  param?: string;
  json?: boolean;
}

export function registerNeighbours(program: Command): void {
  program
    .command('neighbours')
    .description('the nearest words to each WORD by cosine similarity of their embedding rows')
    .argument('<checkpoint>', 'checkpoint directory written by rnnc train')
    .argument('<words...>', 'words (or characters) of the checkpoint\'s vocabulary')
    .option('-k <n>', 'neighbours per word', parsePositiveInt, 10)
    .option('--param <name>', 'the embedding table (default: the param of the model\'s first lookup, E in E[token])')
    .option('--json', 'one JSON object: per word, its neighbours and their cosines')
    .addHelpText('after', '\nExample:\n  rnnc neighbours runs/ptb-window/best money week')
    .action((dir: string, words: string[], o: Opts) => {
      const ck = loadCheckpoint(dir, { optimizer: false });
      for (const w of ck.warnings) console.error(`note: ${w}`);
      let lists;
      try {
        lists = nearestNeighbours(ck.model, words, { k: o.k, table: o.param });
      } catch (e) {
        if (e instanceof RangeError) throw new UserError(`${dir}: ${e.message}`);
        throw e;
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(lists) + '\n');
        return;
      }
      const show = (t: string) => (ck.model.vocab!.kind === 'char' ? JSON.stringify(t) : t);
      for (const l of lists) {
        const width = Math.max(...l.neighbours.map((n) => show(n.token).length));
        process.stdout.write(`${show(l.word)}\n${l.neighbours.map((n, i) => `  ${String(i + 1).padStart(2)}  ${show(n.token).padEnd(width)}  ${n.cosine.toFixed(4)}`).join('\n')}\n`);
      }
    });
}
