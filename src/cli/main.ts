// rnnc — the command-line interface. Each command lives in its own file and is thin over
// the library; program.ts parses the command line with commander and loads only the command
// being run. `rnnc check` must start in well under 150 ms: its usual form (files, --dims,
// --quiet) is run here without commander, and with the parse cache warm, without Ohm.
import { parseCacheDir, useParseCache } from '../syntax/parse-cache.ts';
import { checkArgs } from './check-args.ts';
import { exitQuietlyOnEpipe, exitWithFailure } from './failure.ts';

// Parses of unchanged files come from disk: a check of such a file never loads Ohm.
useParseCache(parseCacheDir(process.env));

exitQuietlyOnEpipe();

try {
  // Anything check-args.ts does not know for certain (help, an unknown option, a bad value)
  // goes to commander, which says what it always said.
  const check = process.argv[2] === 'check' ? checkArgs(process.argv.slice(3)) : null;
  if (check) {
    const { runCheck } = await import('./check.ts');
    process.exitCode = runCheck(check.files, check.dims, check.quiet);
  } else {
    await (await import('./program.ts')).runProgram(process.argv);
  }
} catch (e) {
  // common.ts knows the library's error classes, and loads much of it: only on this path.
  exitWithFailure(e, (await import('./common.ts')).isUserError);
}
