// Model files and corpora named on the command line: the user's own file when it exists,
// else the copy bundled with rnnc, so `rnnc train char-lstm` and the README's
// `rnnc check models/char-lstm.rnn` work from any directory.
import { statSync } from 'node:fs';
import { extname, isAbsolute, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../util/package-root.ts';

/** The installed package's root (the same from src/cli and dist/cli). */
export const PACKAGE_ROOT = packageRoot() ?? fileURLToPath(new URL('../../', import.meta.url));

const isFile = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/**
 * `arg` itself when it exists (relative to the current directory); otherwise a relative path
 * that exists under the package root; with `modelName`, a name without extension
 * (`char-lstm`, `cells/lstm`) also stands for models/NAME.rnn, here and then in the package.
 * Anything else is returned unchanged, for the command to report as missing. `say` is told
 * which file stands in.
 */
export function resolveBundled(arg: string, o: { modelName: boolean; say?: (msg: string) => void; root?: string }): string {
  const say = o.say ?? ((m: string) => console.error(m));
  const root = o.root ?? PACKAGE_ROOT;
  if (isAbsolute(arg) || statSync(arg, { throwIfNoEntry: false })) return arg;
  const candidates = [arg];
  if (o.modelName && extname(arg) === '') candidates.push(join('models', `${arg}.rnn`));
  for (const c of candidates) {
    if (c !== arg && isFile(c)) {
      say(`rnnc: ${arg}: using ${c}`);
      return c;
    }
    const bundled = join(root, normalize(c));
    // Only paths inside the package (no ../ climbing out of it).
    if (!normalize(c).startsWith('..') && isFile(bundled)) {
      say(`rnnc: ${arg}: not in this directory; using ${bundled} (bundled with rnnc)`);
      return bundled;
    }
  }
  return arg;
}
