// rnnc check FILE… — diagnostics for every file, then each model's dims, layers, params
// and parameter count, and each cell's signature.
import type { Command } from 'commander';
import { analyze, renderDiagnostics, type Analysis } from '../frontend.ts';
import { formatSummary } from '../ir/print.ts';
import { suggest } from '../check/suggest.ts';
import { parseDims } from './options.ts';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('parse and check .rnn files; print each model\'s dims, layers and parameter counts')
    .argument('<files...>', '.rnn files to check')
    .option('--dims <name=value,...>', 'bind or override model dims, e.g. vocab=65,hidden=128', parseDims)
    .option('-q, --quiet', 'print only diagnostics')
    .addHelpText('after', '\nExit status: 0 when there are no errors (warnings allowed), 1 on errors.\n\nExample:\n  rnnc check models/*.rnn --dims vocab=65')
    .action((files: string[], opts: { dims?: Map<string, number>; quiet?: boolean }) => {
      process.exitCode = runCheck(files, opts.dims ?? new Map(), !!opts.quiet);
    });
}

export function runCheck(files: string[], dims: Map<string, number>, quiet: boolean): number {
  const results: Analysis[] = files.map((f) => analyze(f, { dims }));
  const printed = new Set<string>();
  let errors = 0;
  let warnings = 0;
  for (const r of results) {
    const rendered = renderDiagnostics(r);
    r.diagnostics.forEach((d, i) => {
      // A file imported by several of the checked files reports its problems once.
      if (printed.has(rendered[i])) return;
      printed.add(rendered[i]);
      if (d.severity === 'error') errors++;
      else warnings++;
      console.error(rendered[i]);
      console.error('');
    });
  }
  // A --dims name that no model declares is almost certainly a typo.
  const declared = new Set(results.flatMap((r) => r.context.units.filter((u) => u.kind === 'model').flatMap((u) => [...u.dims.keys()])));
  for (const name of dims.keys()) {
    if (declared.has(name) || results.every((r) => !r.context.units.some((u) => u.kind === 'model'))) continue;
    const close = suggest(name, declared);
    console.error(`error: --dims ${name}: no checked model declares a dim '${name}'${close ? ` (did you mean '${close}'?)` : ''}`);
    errors++;
  }
  if (!quiet) {
    for (const r of results) {
      for (const m of r.models) console.log(formatSummary(m) + '\n');
      for (const c of r.cells) {
        console.log(`${c.signature}  (${c.file})`);
        console.log(`  params: ${c.params.map((p) => `${p.name} ${p.shape}`).join(', ')}`);
        console.log(`  parameter count: ${c.paramCount}\n`);
      }
    }
  }
  const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  console.log(`checked ${plural(files.length, 'file')}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return errors > 0 ? 1 : 0;
}
