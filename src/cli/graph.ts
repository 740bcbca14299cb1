// rnnc graph FILE — the unrolled computation graph as Graphviz DOT or SVG.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { differentiate } from '../autodiff/grad.ts';
import { dotToSvg, toDot } from '../graph/dot.ts';
import { unroll } from '../graph/unroll.ts';
import { loadModel, UserError } from './common.ts';
import { parseDims, parsePositiveInt } from './options.ts';

interface Opts {
  unroll: number;
  backward?: boolean;
  format: string;
  output?: string;
  dims?: Map<string, number>;
  model?: string;
}

export function registerGraph(program: Command): void {
  program
    .command('graph')
    .description('draw the unrolled computation graph (forward, and with --backward the gradient nodes too)')
    .argument('<file>', '.rnn file with a model')
    .option('--unroll <T>', 'number of time steps to unroll', parsePositiveInt, 2)
    .option('--backward', 'include the backward (gradient) nodes')
    .option('--format <dot|svg>', 'output format', 'dot')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('--dims <name=value,...>', 'bind or override model dims (unbound dims default to 4 for drawing)', parseDims)
    .option('--model <name>', 'which model, when the file has several')
    .addHelpText('after', '\nExample:\n  rnnc graph models/char-lstm.rnn --unroll 3 --format svg -o g.svg')
    .action(async (file: string, o: Opts) => {
      if (o.format !== 'dot' && o.format !== 'svg') throw new UserError(`--format must be dot or svg, not "${o.format}"`);
      const dims = new Map(o.dims ?? []);
      // A drawing needs concrete shapes; a dim left open (vocab) is drawn at size 4.
      let m = loadModel(file, dims, o.model);
      const open = Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k);
      if (open.length) {
        for (const k of open) dims.set(k, 4);
        m = loadModel(file, dims, o.model);
      }
      const g = unroll(m, o.unroll);
      const full = o.backward ? differentiate(g) : null;
      const dot = toDot(full ?? g, { forwardCount: full?.forwardCount, title: `${m.name}, unrolled ${o.unroll} step${o.unroll === 1 ? '' : 's'}${o.backward ? ', with backward pass' : ''}` });
      const text = o.format === 'svg' ? await dotToSvg(dot) : dot;
      if (o.output) {
        writeFileSync(o.output, text);
        console.error(`wrote ${o.output} (${(full ?? g).nodes.length} nodes)`);
      } else {
        process.stdout.write(text);
      }
    });
}
