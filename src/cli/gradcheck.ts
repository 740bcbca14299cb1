// rnnc gradcheck FILE — property-test every gradient against float64 central differences.
import type { Command } from 'commander';
import { checkGradients } from '../testing/gradcheck.ts';
import { parsePositiveInt, parseSeed } from './options.ts';

export function registerGradcheck(program: Command): void {
  program
    .command('gradcheck')
    .description('check every generated gradient against float64 central differences on random dims (the free ones drawn from 1-4, the others computed from the shapes), weights, tokens, batch (1-3) and window (1-5)')
    .argument('<file>', '.rnn file: its models, or, for a file of cells, each cell wrapped in embedding → cell → linear → cross-entropy')
    .option('--runs <N>', 'random draws per model', parsePositiveInt, 100)
    .option('--seed <S>', 'fast-check seed, to replay a run')
    .option('--tolerance <x>', 'largest allowed relative error', '1e-6')
    .addHelpText('after', '\nThe relative error of an entry is |analytic - numeric| / max(|analytic|, |numeric|, 1e-4),\nwith the numeric gradient from a five-point stencil (h = 1e-3). Exit 1 on a mismatch,\nprinting the smallest failing case fast-check could shrink to.')
    .action((file: string, o: { runs: number; seed?: string; tolerance: string }) => {
      const tolerance = Number(o.tolerance);
      if (!(tolerance > 0)) {
        console.error(`error: --tolerance must be a positive number, not "${o.tolerance}"`);
        process.exitCode = 2;
        return;
      }
      const seed = o.seed === undefined ? undefined : parseSeed(o.seed);
      const t0 = performance.now();
      const report = checkGradients(file, { runs: o.runs, seed, tolerance });
      for (const d of report.diagnostics) console.error(d + '\n');
      for (const r of report.results) {
        console.log(`${r.model}: ${r.runs} run${r.runs === 1 ? '' : 's'} (seed ${r.seed})`);
        const width = Math.max(...[...r.maxError.keys()].map((k) => k.length), 5);
        for (const [name, err] of r.maxError) console.log(`  ${name.padEnd(width)}  max rel err ${err.toExponential(2)}`);
        if (r.derived.length) console.log(`  dims fixed by the shapes, computed from the drawn ones: ${r.derived.join(', ')}`);
        for (const a of r.adapted) console.log(`  checked with ${a}`);
        const k = r.kinks;
        if (k.shrunk || k.redrawn) {
          const what = [k.shrunk ? `measured ${k.shrunk} entr${k.shrunk === 1 ? 'y' : 'ies'} again with a smaller step` : '', k.redrawn ? `redrew ${k.redrawn} case${k.redrawn === 1 ? '' : 's'}` : ''].filter(Boolean);
          console.log(`  near a kink of ${k.ops.join(', ')}: ${what.join(' and ')} (a stencil across it measures neither side's slope)`);
        }
        if (r.error) {
          console.log(`  FAILED: ${r.error.split('\n').join('\n  ')}`);
          console.log(`  replay: rnnc gradcheck ${file} --seed ${r.seed} --runs ${o.runs}`);
        } else if (r.counterexample) {
          const c = r.counterexample;
          console.log(`  FAILED: d loss / d ${c.param}[${c.index}] is ${c.analytic}, central differences give ${c.numeric} (rel err ${c.error.toExponential(2)} > ${o.tolerance})`);
          console.log(`  smallest failing case: dims ${JSON.stringify(c.dims)}, batch ${c.batch}, window ${c.window}, draw seed ${c.seed}`);
          console.log(`  replay: rnnc gradcheck ${file} --seed ${r.seed} --runs ${o.runs}`);
        } else {
          const worst = Math.max(0, ...r.maxError.values());
          console.log(`  ok: max rel err ${worst.toExponential(2)} <= ${o.tolerance}`);
        }
      }
      console.log(`${report.ok ? 'gradients ok' : 'gradient check FAILED'} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
      process.exitCode = report.ok ? 0 : 1;
    });
}
