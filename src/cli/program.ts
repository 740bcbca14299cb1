// The full command line, parsed by commander: every command but a plain `rnnc check` (main.ts
// runs that one itself, commander being a fifth of its start-up). Only the command being run is
// loaded, without the trainer, the kernels, fast-check or Graphviz for the others.
import { Command, type Argument } from 'commander';
import { resolveBundled } from './resolve-model.ts';
import { VERSION } from './version.ts';

type Register = (program: Command) => void;

// In the order `rnnc --help` lists them.
const COMMANDS: Record<string, () => Promise<Register>> = {
  check: async () => (await import('./check.ts')).registerCheck,
  ir: async () => (await import('./ir.ts')).registerIr,
  graph: async () => (await import('./graph.ts')).registerGraph,
  gradcheck: async () => (await import('./gradcheck.ts')).registerGradcheck,
  grad: async () => (await import('./grad.ts')).registerGrad,
  compile: async () => (await import('./compile.ts')).registerCompile,
  train: async () => (await import('./train.ts')).registerTrain,
  eval: async () => (await import('./eval.ts')).registerEval,
  sample: async () => (await import('./sample.ts')).registerSample,
  score: async () => (await import('./score.ts')).registerScore,
  neighbours: async () => (await import('./neighbours.ts')).registerNeighbours,
  export: async () => (await import('./export.ts')).registerExport,
  'import-torch': async () => (await import('./import-torch.ts')).registerImportTorch,
  ngram: async () => (await import('./ngram.ts')).registerNgram,
  diagnose: async () => (await import('./diagnose.ts')).registerDiagnose,
  lecture: async () => (await import('./lecture.ts')).registerLecture,
};

// Arguments that name a .rnn file (their help says so; `rnnc ngram`'s <model> is an ARPA
// file), and options that name a corpus: a path that is not in the current directory may be
// one bundled with rnnc (resolve-model.ts).
const isModelArgument = (a: Argument): boolean => /\.rnn\b/.test(a.description);
const CORPUS_OPTIONS = ['data', 'valid'];

/** Parses `argv` (process.argv: node, script, args…) and runs the command it names. */
export async function runProgram(argv: string[]): Promise<void> {
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

  program.hook('preAction', (_program, cmd) => {
    cmd.registeredArguments.forEach((a, i) => {
      if (!isModelArgument(a)) return;
      const v: unknown = cmd.processedArgs[i];
      if (typeof v === 'string') cmd.processedArgs[i] = resolveBundled(v, { modelName: true });
      else if (Array.isArray(v)) cmd.processedArgs[i] = v.map((f: string) => resolveBundled(f, { modelName: true }));
    });
    for (const key of CORPUS_OPTIONS) {
      const v: unknown = cmd.getOptionValue(key);
      if (typeof v === 'string') cmd.setOptionValueWithSource(key, resolveBundled(v, { modelName: false }), cmd.getOptionValueSource(key));
    }
  });

  // The first word that is not an option names the command (rnnc's own options take no value);
  // --version needs none; help, an unknown word or none loads them all, for the full listing
  // and suggestions.
  const args = argv.slice(2);
  const word = args.find((a) => !a.startsWith('-'));
  const versionOnly = word === undefined && (args.includes('-V') || args.includes('--version'));
  const wanted = word !== undefined && Object.hasOwn(COMMANDS, word) ? [COMMANDS[word]] : versionOnly ? [] : Object.values(COMMANDS);
  for (const register of await Promise.all(wanted.map((load) => load()))) register(program);

  program.addHelpText('after', '\nLanguage reference: grammar/README.md\nExamples:\n  rnnc check models/*.rnn --dims vocab=65\n  rnnc train models/char-lstm.rnn');

  await program.parseAsync(argv);
}
