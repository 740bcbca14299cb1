// `rnnc check` in its usual form as one synchronous call, bundled alone as CommonJS
// (dist/cli/check.cjs): bin/rnnc.js runs it without Node's ES module loader, ~10 ms of a
// start that must stay under 150 ms. Everything else goes through main.ts.
import { parseCacheDir, useParseCache } from '../syntax/parse-cache.ts';
import { checkArgs } from './check-args.ts';
import { runCheck } from './check.ts';
import { exitQuietlyOnEpipe, exitWithFailure } from './failure.ts';

/** Runs `rnnc check …` and returns its exit code, or null when commander must read the command line. */
export function fastCheck(argv: readonly string[]): number | null {
  if (argv[2] !== 'check') return null;
  const check = checkArgs(argv.slice(3));
  if (!check) return null;
  exitQuietlyOnEpipe();
  // Parses of unchanged files come from disk: a check of such a file never loads Ohm.
  useParseCache(parseCacheDir(process.env));
  try {
    return runCheck(check.files, check.dims, check.quiet);
  } catch (e) {
    // The check path throws none of the library's error classes (those live in the runtime);
    // a RangeError is the one built-in error the CLI treats as the user's.
    return exitWithFailure(e, (x) => x instanceof RangeError);
  }
}
