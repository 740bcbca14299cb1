// rnnc ir FILE — the elaborated IR of each model in the file, as text or JSON.
import type { Command } from 'commander';
import { analyze, renderDiagnostics } from '../frontend.ts';
import { formatIR } from '../ir/print.ts';
import { parseDims } from './options.ts';

export function registerIr(program: Command): void {
  program
    .command('ir')
    .description('print the elaborated IR of the models in a file: layers inlined, params named layer.param, shapes bound')
    .argument('<file>', '.rnn file')
    .option('--json', 'print the IR as JSON')
    .option('--dims <name=value,...>', 'bind or override model dims, e.g. vocab=65', parseDims)
    .action((file: string, opts: { json?: boolean; dims?: Map<string, number> }) => {
      const a = analyze(file, { dims: opts.dims ?? new Map() });
      for (const text of renderDiagnostics(a)) console.error(text + '\n');
      if (!a.ok) {
        process.exitCode = 1;
        return;
      }
      if (opts.json) {
        console.log(JSON.stringify({ file: a.root, models: a.models }, null, 2));
        return;
      }
      if (a.models.length === 0) {
        console.log(`${a.root} defines no model (cells: ${a.cells.map((c) => c.name).join(', ') || 'none'}); the IR is built for models.`);
        return;
      }
      console.log(a.models.map(formatIR).join('\n\n'));
    });
}
