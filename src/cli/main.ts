// rnnc — the command-line interface. Each command lives in its own file and is thin over
// the library.
import { Command } from 'commander';
import { registerCheck } from './check.ts';
import { registerIr } from './ir.ts';
import { registerGraph } from './graph.ts';
import { registerGradcheck } from './gradcheck.ts';
import { registerGrad } from './grad.ts';
import { registerCompile } from './compile.ts';
import { registerTrain } from './train.ts';
import { registerEval } from './eval.ts';
import { registerSample } from './sample.ts';
import { isUserError } from './common.ts';
import { VERSION } from './version.ts';


// Output piped into `head` closes early; that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const program = new Command('rnnc')
  .description('Compile, check, train, evaluate and sample recurrent language models written as .rnn files.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str) });

// Usage errors exit 2, distinct from 1 = the model has errors. Set before the commands
// are added: subcommands copy these settings when they are created.
program.exitOverride((err) => {
  process.exit(err.exitCode === 0 ? 0 : 2);
});

registerCheck(program);
registerIr(program);
registerGraph(program);
registerGradcheck(program);
registerGrad(program);
registerCompile(program);
registerTrain(program);
registerEval(program);
registerSample(program);

program.addHelpText('after', '\nLanguage reference: grammar/README.md\nExamples:\n  rnnc check models/*.rnn --dims vocab=65\n  rnnc train models/char-lstm.rnn');

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (isUserError(e)) {
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  // Anything that escapes is a bug in rnnc, not in the user's file: say so plainly.
  console.error(`rnnc: internal error: ${e instanceof Error ? e.message : String(e)}`);
  console.error('please report this with the file that caused it');
  process.exit(70);
}
