// rnnc lecture — the course's whole perplexity table on PTB in one command (src/lecture/):
// n-grams, the RNN cells, the tied LSTM and a mix, with diagnose plots, learning curves and
// a Markdown report.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { findData, LectureDataError } from '../lecture/data.ts';
import { fmtMinutes, parseBudget, plan } from '../lecture/plan.ts';
import { runLecture } from '../lecture/run.ts';
import { UserError } from './common.ts';
import { PACKAGE_ROOT } from './resolve-model.ts';

interface Opts {
  budget: number;
  data: string;
  out?: string;
  quick?: boolean;
}

const budget = (v: string): number => {
  try {
    return parseBudget(v);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
};

/** A new directory under runs/ named after the time. */
function defaultOut(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  let dir = join('runs', `lecture-${stamp}`);
  for (let i = 2; existsSync(dir); i++) dir = join('runs', `lecture-${stamp}-${i}`);
  return dir;
}

async function action(o: Opts): Promise<void> {
  let files;
  try {
    files = findData(o.data, PACKAGE_ROOT);
  } catch (e) {
    if (e instanceof LectureDataError) throw new UserError(e.message);
    throw e;
  }
  let p;
  try {
    p = plan(o.budget, o.quick === true);
  } catch (e) {
    if (e instanceof RangeError) throw new UserError(e.message);
    throw e;
  }
  const out = o.out ?? defaultOut();
  const budgetText = o.quick ? 'none (--quick)' : fmtMinutes(o.budget);
  // Ctrl-C: the stage under way stops, the report keeps the finished ones. Twice: quit now.
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error('interrupted: stopping after this stage; the report keeps the finished ones (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSigint);
  const command = ['rnnc lecture', ...process.argv.slice(3)].join(' ');
  console.error(`rnnc lecture: writing to ${out}`);
  try {
    const r = await runLecture({ files, out, plan: p, command, budget: budgetText, modelsDir: join(PACKAGE_ROOT, 'models'), say: (l) => console.error(l), stop: () => interrupted });
    console.log(`\n${r.table}\n`);
    console.log(`report: ${join(out, 'report.md')}${r.finished ? '' : ' (stopped early: the finished stages only)'}`);
    if (!r.finished) process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export function registerLecture(program: Command): void {
  program
    .command('lecture')
    .description('the lecture\'s perplexity table on PTB in one command: KN 3/5-gram, Elman, GRU, LSTM, tied LSTM, a neural+KN5 mix; plots and report.md')
    .option('--budget <time>', 'total time to divide among the stages (60m, 1h, 900s)', budget, 3600)
    .option('--data <dir>', 'directory with ptb.train.txt, ptb.valid.txt, ptb.test.txt', '../shared/data/ptb')
    .option('-o, --out <dir>', 'where the report, plots and checkpoints go (default: a new directory under runs/)')
    .option('--quick', 'a smoke test: a slice of PTB (20k training tokens, 5k valid and test), small models, seconds each')
    .addHelpText('after', '\nWrites DIR/report.md (the table beside the published numbers, linking the plots), DIR/results.json,\nDIR/table.txt, DIR/plots/*.svg (learning curves; gradient norm against distance at init and after\ntraining for Elman, GRU and LSTM) and DIR/runs/*/ (checkpoints, usable with rnnc eval).\nCtrl-C stops after the stage under way; the report keeps the finished stages.\n\nExamples:\n  rnnc lecture --quick -o /tmp/lecture\n  rnnc lecture --budget 60m --data ../shared/data/ptb -o runs/lecture')
    .action((o: Opts) => action(o));
}
